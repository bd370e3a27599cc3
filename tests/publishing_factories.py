"""Factories for published data: cameras, counts, areas, locations and tagged submissions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy.orm import Session

from app.models import Area, Camera, Campaign, Location, Submission, Tag, Task, TaskCount, User
from app.models.results import COUNT_CATEGORIES

_seq = itertools.count(1)


def make_camera(
    session: Session, campaign: Campaign, *, lon: float, lat: float, **overrides: Any
) -> Camera:
    fields: dict[str, Any] = {
        "campaign_id": campaign.id,
        "status": "confirmed",
        "confidence": 0.9,
        "attachment": "street_furniture",
        "camera_type": "dome_ptz",
        "bearing": 45.0,
        "pitch": 20.0,
        "geom": from_shape(Point(lon, lat), srid=4326),
        "location_method": "base_click",
        "uncertainty_m": 4.0,
        "support": 3,
        "voters": 3,
        "method_version": "test-1",
    }
    fields.update(overrides)
    camera = Camera(**fields)
    session.add(camera)
    session.flush()
    return camera


def make_count(session: Session, task: Task, **overrides: Any) -> TaskCount:
    fields: dict[str, Any] = {
        "task_id": task.id,
        "campaign_id": task.campaign_id,
        "n": 3,
        "submission_ids": [],
        "total": 1.0,
        "method_version": "test-1",
    }
    for category in COUNT_CATEGORIES:
        fields[f"median_{category}"] = 0.0
        fields[f"agreement_{category}"] = "Unanimous"
    fields["median_all"] = 1.0
    fields.update(overrides)
    count = TaskCount(**fields)
    session.add(count)
    session.flush()
    return count


def make_area(
    session: Session,
    campaign: Campaign,
    *,
    name: str,
    bounds: tuple[float, float, float, float],
    kind: str = "borough",
) -> Area:
    area = Area(
        campaign_id=campaign.id,
        name=name,
        kind=kind,
        geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326),
    )
    session.add(area)
    session.flush()
    return area


def make_location(
    session: Session, campaign: Campaign, *, task: Task, lon: float, lat: float
) -> Location:
    location = Location(
        campaign_id=campaign.id,
        external_id=f"loc-{next(_seq)}",
        geom=from_shape(Point(lon, lat), srid=4326),
        panorama_id=task.panorama_id,
        task_id=task.id,
    )
    session.add(location)
    session.flush()
    return location


def make_tagged_submission(
    session: Session, task: Task, user: User, *, tags: int = 1
) -> Submission:
    now = datetime(2021, 6, 3, 14, 30, tzinfo=UTC)
    submission = Submission(
        campaign_id=task.campaign_id,
        task_id=task.id,
        user_id=user.id,
        outcome="cameras" if tags else "no_cameras",
        n_all=tags,
        n_street_furniture=tags,
        started_at=now,
        submitted_at=now,
    )
    session.add(submission)
    session.flush()
    for ordinal in range(tags):
        session.add(
            Tag(
                submission_id=submission.id,
                task_id=task.id,
                user_id=user.id,
                ordinal=ordinal,
                heading=(40.0 + 30 * ordinal) % 360,
                pitch=12.5,
                zoom=1.0,
                attachment="street_furniture",
                camera_type="bullet",
            )
        )
    session.flush()
    return submission
