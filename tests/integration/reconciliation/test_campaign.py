"""Campaign-wide reconciliation: cross-task triangulation, reliability, known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Numeric, func, select, text
from sqlalchemy.orm import Session

from app.domain.triangulation import from_local, to_local
from app.models import Camera, CameraTag, Campaign, DecoderQuality, Task, User
from app.services.reconciliation.run import reconcile_campaign, reconcile_task
from tests.factories import make_campaign, make_submission, make_task, make_user, tag

LAT0, LON0 = 40.7580, -73.9857
T0 = datetime(2021, 5, 1, 12, 0, tzinfo=UTC)


def view(pano: tuple[float, float], cam: tuple[float, float, float]) -> tuple[float, float]:
    """(heading, pitch) of a camera at local (x, y, height m) from a panorama at local (x, y)."""
    dx, dy = cam[0] - pano[0], cam[1] - pano[1]
    heading = math.degrees(math.atan2(dx, dy)) % 360.0
    return heading, math.degrees(math.atan2(cam[2] - 2.5, math.hypot(dx, dy)))


def task_at(session: Session, campaign: Campaign, xy: tuple[float, float], **kw: object) -> Task:
    lat, lon = from_local(LAT0, LON0, *xy)
    return make_task(session, campaign, lat=lat, lon=lon, **kw)


def decode(
    session: Session,
    task: Task,
    decoders: list[User],
    *directions: tuple[float, float],
    attachment: str = "street_furniture",
) -> None:
    """Every decoder tags every direction, with a little noise per decoder."""
    for k, user in enumerate(decoders):
        jitter = (k - 1) * 0.2
        tags = [
            tag(
                (h + jitter) % 360.0,
                p - jitter,
                attachment=attachment,
                camera_type="bullet",
                zoom=2.0,
            )
            for h, p in directions
        ]
        make_submission(session, task, user, *tags, started_at=T0 + timedelta(minutes=k))


@pytest.fixture
def crowd(session: Session) -> list[User]:
    return [make_user(session) for _ in range(4)]


def test_a_camera_seen_from_two_panoramas_is_triangulated(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    a_xy, b_xy, cam = (0.0, 0.0), (0.0, 80.0), (15.0, 40.0, 5.0)
    a = task_at(session, campaign, a_xy)
    b = task_at(session, campaign, b_xy)
    decode(session, a, crowd[:3], view(a_xy, cam))
    decode(session, b, crowd[1:], view(b_xy, cam))
    summary = reconcile_campaign(session, campaign=campaign, full=True)
    assert summary.merged == 1
    merged = session.scalars(
        select(Camera).where(Camera.campaign_id == campaign.id, Camera.n_panoramas == 2)
    ).one()
    assert merged.location_method == "triangulated" and merged.status == "confirmed"
    assert merged.task_id == a.id and merged.support == 6 and merged.voters == 6
    lat, lon = session.execute(select(func.ST_Y(merged.geom), func.ST_X(merged.geom))).one()
    x, y = to_local(LAT0, LON0, lat, lon)
    assert math.hypot(x - cam[0], y - cam[1]) < 1.0
    assert 0 < merged.uncertainty_m < 2.0
    sightings = session.scalars(select(Camera).where(Camera.merged_into_id == merged.id)).all()
    assert sorted(s.task_id for s in sightings) == [a.id, b.id]
    assert {s.status for s in sightings} == {"merged"}
    tags = session.scalars(select(CameraTag.tag_id).where(CameraTag.camera_id == merged.id)).all()
    assert len(tags) == 6


def test_campaign_runs_are_idempotent_with_triangulation(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    a_xy, b_xy, cam = (0.0, 0.0), (0.0, 80.0), (15.0, 40.0, 5.0)
    decode(session, task_at(session, campaign, a_xy), crowd[:3], view(a_xy, cam))
    decode(session, task_at(session, campaign, b_xy), crowd[1:], view(b_xy, cam))

    def state() -> list[tuple[object, ...]]:
        session.expire_all()
        rows = session.execute(
            select(
                Camera.status,
                Camera.n_panoramas,
                func.round(func.ST_X(Camera.geom).cast(Numeric), 9),
                func.round(Camera.confidence.cast(Numeric), 9),
            ).where(Camera.campaign_id == campaign.id)
        ).all()
        return sorted(tuple(r) for r in rows)

    reconcile_campaign(session, campaign=campaign)
    first = state()
    reconcile_campaign(session, campaign=campaign)
    assert state() == first
    reconcile_campaign(session, campaign=campaign, full=True)
    assert state() == first


def test_reconciling_one_task_again_dissolves_its_triangulated_camera(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    a_xy, b_xy, cam = (0.0, 0.0), (0.0, 80.0), (15.0, 40.0, 5.0)
    a = task_at(session, campaign, a_xy)
    b = task_at(session, campaign, b_xy)
    decode(session, a, crowd[:3], view(a_xy, cam))
    decode(session, b, crowd[1:], view(b_xy, cam))
    reconcile_campaign(session, campaign=campaign, full=True)
    reconcile_task(session, task_id=a.id)
    session.expire_all()
    rows = session.scalars(select(Camera).where(Camera.campaign_id == campaign.id)).all()
    assert sorted((c.task_id, c.n_panoramas, c.status) for c in rows) == [
        (a.id, 1, "confirmed"),
        (b.id, 1, "confirmed"),
    ]


def test_rays_that_disagree_on_height_stay_two_cameras(session: Session, crowd: list[User]) -> None:
    campaign = make_campaign(session)
    a_xy, b_xy = (0.0, 0.0), (0.0, 80.0)
    a = task_at(session, campaign, a_xy)
    b = task_at(session, campaign, b_xy)
    # Same ground point, 3 m vs 9 m high: two cameras on one pole seen from different ends.
    decode(session, a, crowd[:3], view(a_xy, (15.0, 40.0, 3.0)))
    decode(session, b, crowd[1:], view(b_xy, (15.0, 40.0, 9.0)))
    assert reconcile_campaign(session, campaign=campaign, full=True).merged == 0


def test_panoramas_far_apart_are_never_matched(session: Session, crowd: list[User]) -> None:
    campaign = make_campaign(session)
    a_xy, b_xy, cam = (0.0, 0.0), (0.0, 130.0), (15.0, 65.0, 5.0)  # rays cross 66 m away
    decode(session, task_at(session, campaign, a_xy), crowd[:3], view(a_xy, cam))
    decode(session, task_at(session, campaign, b_xy), crowd[1:], view(b_xy, cam))
    assert reconcile_campaign(session, campaign=campaign, full=True).merged == 0


# --- Reliability and known answers --------------------------------------------------------


def test_reliability_rates_decoders_and_keeps_their_known_answer_record(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    session.add(
        DecoderQuality(
            user_id=crowd[0].id,
            campaign_id=campaign.id,
            known_tasks=4,
            known_matched=7,
            known_cameras=8,
            known_tags=9,
        )
    )
    for i in range(3):
        decode(session, task_at(session, campaign, (500.0 * i, 0.0)), crowd[:3], (40.0, 8.0))
    reconcile_campaign(session, campaign=campaign, full=True)
    rows = {
        q.user_id: q
        for q in session.scalars(
            select(DecoderQuality).where(DecoderQuality.campaign_id == campaign.id)
        )
    }
    assert set(rows) == {u.id for u in crowd[:3]}
    assert all(0 < q.sensitivity < 1 and 0 < q.false_alarm < 1 for q in rows.values())
    first = rows[crowd[0].id]
    assert (first.known_tasks, first.known_matched, first.known_cameras, first.known_tags) == (
        4,
        7,
        8,
        9,
    )


def test_known_answers_confirm_real_and_reject_false_clusters(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    answer = [{"heading": 40.0, "pitch": 8.0, "attachment": "building", "camera_type": "bullet"}]
    task = task_at(session, campaign, (0.0, 0.0), known_answer=answer)
    # All three tag the real camera at 40° and, wrongly, something at 200°.
    decode(session, task, crowd[:3], (40.2, 8.1), (200.0, 5.0))
    reconcile_campaign(session, campaign=campaign, full=True)
    cams = session.scalars(
        select(Camera).where(Camera.task_id == task.id).order_by(Camera.bearing)
    ).all()
    assert [(round(c.bearing), c.status, c.confidence) for c in cams] == [
        (40, "confirmed", 1.0),
        (200, "rejected", 0.0),
    ]


def test_a_known_camera_nobody_tagged_lowers_sensitivity(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    both = [
        {"heading": 40.0, "pitch": 8.0, "attachment": "building", "camera_type": "bullet"},
        {"heading": 140.0, "pitch": 8.0, "attachment": "building", "camera_type": "bullet"},
    ]
    decode(
        session, task_at(session, campaign, (0.0, 0.0), known_answer=both), crowd[:3], (40.0, 8.0)
    )
    reconcile_campaign(session, campaign=campaign, full=True)
    missed = session.scalar(
        select(func.avg(DecoderQuality.sensitivity)).where(
            DecoderQuality.campaign_id == campaign.id
        )
    )
    campaign2 = make_campaign(session)
    one = both[:1]
    decode(
        session, task_at(session, campaign2, (0.0, 0.0), known_answer=one), crowd[:3], (40.0, 8.0)
    )
    reconcile_campaign(session, campaign=campaign2, full=True)
    found = session.scalar(
        select(func.avg(DecoderQuality.sensitivity)).where(
            DecoderQuality.campaign_id == campaign2.id
        )
    )
    assert missed < found


def test_tutorial_answers_feed_reliability_but_make_no_cameras(
    session: Session, crowd: list[User]
) -> None:
    campaign = make_campaign(session)
    answer = [{"heading": 40.0, "pitch": 8.0, "attachment": "building", "camera_type": "bullet"}]
    tutorial = task_at(session, campaign, (0.0, 0.0), known_answer=answer, is_tutorial=True)
    decode(session, tutorial, crowd, (40.0, 8.0))
    reconcile_campaign(session, campaign=campaign, full=True)
    assert session.scalar(select(func.count()).where(Camera.task_id == tutorial.id)) == 0
    assert session.scalar(
        text("SELECT count(*) FROM decoder_quality WHERE campaign_id = :c AND sensitivity > 0.8"),
        {"c": campaign.id},
    ) == len(crowd)
