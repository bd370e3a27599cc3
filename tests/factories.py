"""Plain factory functions for test data."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from app.models import Campaign, Panorama, Task, User
from app.services.users import create_user

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
    from app.services.auth import issue_session

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
