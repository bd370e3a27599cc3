"""Invariants the database itself holds, whatever the code above it does."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Assignment, Submission, Tag
from tests.factories import make_campaign, make_task, make_user


def _submission(session: Session, task_id: int, campaign_id: int, user_id: int) -> Submission:
    sub = Submission(
        campaign_id=campaign_id,
        task_id=task_id,
        user_id=user_id,
        outcome="no_cameras",
        started_at=datetime.now(UTC),
    )
    session.add(sub)
    session.flush()
    return sub


def test_one_submission_per_task_and_user(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    user = make_user(session)
    _submission(session, task.id, campaign.id, user.id)
    with pytest.raises(IntegrityError, match="uq_submissions_task_id"), session.begin_nested():
        _submission(session, task.id, campaign.id, user.id)


def test_one_live_assignment_per_task_and_user(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    user = make_user(session)
    expires = datetime.now(UTC) + timedelta(minutes=20)
    session.add(
        Assignment(campaign_id=campaign.id, task_id=task.id, user_id=user.id, expires_at=expires)
    )
    session.flush()
    with pytest.raises(IntegrityError, match="uq_assignments_live"), session.begin_nested():
        session.add(
            Assignment(
                campaign_id=campaign.id, task_id=task.id, user_id=user.id, expires_at=expires
            )
        )
        session.flush()


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("heading", 360.0, "ck_tags_heading_range"),
        ("heading", -0.5, "ck_tags_heading_range"),
        ("heading", float("nan"), "ck_tags_heading_range"),
        ("pitch", 90.5, "ck_tags_pitch_range"),
        ("zoom", -1.0, "ck_tags_zoom_range"),
        ("attachment", "lamp", "ck_tags_attachment"),
        ("camera_type", "fisheye", "ck_tags_camera_type"),
    ],
)
def test_tag_ranges_and_enumerations_are_enforced(
    session: Session, field: str, value: object, constraint: str
) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    user = make_user(session)
    sub = _submission(session, task.id, campaign.id, user.id)
    fields = {
        "submission_id": sub.id,
        "task_id": task.id,
        "user_id": user.id,
        "heading": 10.0,
        "pitch": 5.0,
        "zoom": 1.0,
        "attachment": "building",
        "camera_type": "dome_ptz",
    }
    fields[field] = value
    with pytest.raises(IntegrityError, match=constraint), session.begin_nested():
        session.add(Tag(**fields))
        session.flush()


def test_problem_outcome_requires_a_kind(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    user = make_user(session)
    with pytest.raises(IntegrityError, match="problem_kind_iff_problem"), session.begin_nested():
        session.add(
            Submission(
                campaign_id=campaign.id,
                task_id=task.id,
                user_id=user.id,
                outcome="problem",
                started_at=datetime.now(UTC),
            )
        )
        session.flush()
