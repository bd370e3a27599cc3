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
