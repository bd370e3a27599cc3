"""Plain factory functions for test data."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from app.models import Campaign, Panorama, Task, User
from app.services.accounts.users import create_user

_seq = itertools.count(1)


def make_campaign(session: Session, **overrides: Any) -> Campaign:
    n = next(_seq)
    fields: dict[str, Any] = {"slug": f"campaign-{n}", "name": f"Campaign {n}", "status": "open"}
    fields.update(overrides)
    campaign = Campaign(**fields)
    session.add(campaign)
    session.flush()
    return campaign


def make_user(session: Session, **overrides: Any) -> User:
    n = next(_seq)
    fields: dict[str, Any] = {"email": f"user{n}@example.org", "password": "correct horse 1"}
    fields.update(overrides)
    return create_user(session, **fields)


def make_task(
    session: Session,
    campaign: Campaign,
    *,
    lon: float = -73.9857,
    lat: float = 40.7580,
    **overrides: Any,
) -> Task:
    n = next(_seq)
    panorama = Panorama(
        campaign_id=campaign.id,
        provider="equirect",
        image_url=f"/media/test/{n}.jpg",
        geom=from_shape(Point(lon, lat), srid=4326),
        captured_at=date(2021, 6, 1),
    )
    session.add(panorama)
    session.flush()
    task = Task(campaign_id=campaign.id, panorama_id=panorama.id, **overrides)
    session.add(task)
    session.flush()
    return task


def bearer(session: Session, user: User) -> dict[str, str]:
    """Authorization header of a fresh login for `user`."""
    from app.services.accounts.auth import issue_session

    return {"Authorization": f"Bearer {issue_session(session, user=user, days=1).token}"}


def tag(heading: float = 10.0, pitch: float = 8.0, **overrides: Any) -> dict[str, Any]:
    """A valid tag body."""
    body: dict[str, Any] = {
        "heading": heading,
        "pitch": pitch,
        "zoom": 1.0,
        "attachment": "street_furniture",
        "camera_type": "dome_ptz",
    }
    body.update(overrides)
    return body


def submission(key: str, *tags: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid submission body; `cameras` when tags are given, else `no_cameras`."""
    body: dict[str, Any] = {
        "idempotency_key": key,
        "outcome": "cameras" if tags else "no_cameras",
        "tags": list(tags),
    }
    body.update(overrides)
    return body


def make_submission(
    session: Session,
    task: Task,
    user: User,
    *tags: dict[str, Any],
    started_at: Any = None,
    counts: dict[str, int] | None = None,
    **overrides: Any,
) -> Any:
    """A stored submission with its tags, written directly (not through the decoding path).

    `tags` are tag bodies (see `tag`); counts default to the tags' counts, or pass the
    published `counts` of an imported submission (keys of app.domain.counts.CATEGORIES).
    """
    from datetime import UTC, datetime

    from app.domain.counts import counts_from_tags
    from app.models import Submission, Tag

    n = next(_seq)
    per_category = counts or counts_from_tags((t["attachment"], t.get("camera_type")) for t in tags)
    fields: dict[str, Any] = {
        "campaign_id": task.campaign_id,
        "task_id": task.id,
        "user_id": user.id,
        "outcome": "cameras" if tags else "no_cameras",
        "started_at": started_at or datetime(2021, 5, 1, tzinfo=UTC),
        "idempotency_key": f"factory-{n}",
        **{f"n_{k}": v for k, v in per_category.items()},
    }
    fields.update(overrides)
    stored = Submission(**fields)
    session.add(stored)
    session.flush()
    session.add_all(
        Tag(submission_id=stored.id, task_id=task.id, user_id=user.id, ordinal=i, **body)
        for i, body in enumerate(tags)
    )
    session.flush()
    return stored
