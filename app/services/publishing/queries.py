"""The queries behind the published layers: cameras, per-task counts and anonymised tags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, any_, case, false, func, or_, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from app.errors import AreaNotFound
from app.models import (
    Area,
    Camera,
    CameraTag,
    Campaign,
    Panorama,
    Submission,
    Tag,
    Task,
    TaskCount,
    User,
)
from app.models.results import COUNT_CATEGORIES
from app.schemas.publishing import BBox, Filters, statuses

AnySelect = Select[*tuple[Any, ...]]
CAMERA_COLUMNS = (
    "id",
    "status",
    "confidence",
    "attachment",
    "camera_type",
    "location_method",
    "uncertainty_m",
    "support",
    "voters",
    "n_panoramas",
    "bearing",
    "task_id",
    "method_version",
    "computed_at",
)


def in_bbox(geom: Any, bbox: BBox | None) -> ColumnElement[bool] | None:
    """`geom` intersects the box (both halves of an antimeridian-crossing box)."""
    if bbox is None:
        return None
    boxes = [func.ST_MakeEnvelope(*part, 4326) for part in bbox.parts()]
    return or_(*(func.ST_Intersects(geom, box) for box in boxes))


def in_area(session: Session, campaign: Campaign, geom: Any, area: str | None) -> Any:
    """`geom` lies in the campaign's area named or numbered `area`, or NotFound."""
    if area is None:
        return None
    numeric = area.isascii() and area.isdigit() and int(area) < 2**63
    match = Area.id == int(area) if numeric else Area.name == area
    ids = session.scalars(select(Area.id).where(Area.campaign_id == campaign.id, match)).all()
    if not ids:
        raise AreaNotFound(f"No area '{area}' in this campaign.")
    return select(Area.id).where(Area.id.in_(ids), func.ST_Intersects(Area.geom, geom)).exists()


def _between(column: Any, since: datetime | date | None, until: datetime | date | None) -> Any:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column <= until)
    return and_(*conditions) if conditions else None


def _where(statement: AnySelect, *conditions: Any) -> AnySelect:
    return statement.where(*(c for c in conditions if c is not None))


def camera_imagery() -> Any:
    """Per camera (a LATERAL): licences, credits and OSM compatibility of the panoramas seen."""
    # A camera seen from one panorama rests on its task's; a triangulated one on the tasks of
    # its tags too (the CASE spares single-panorama cameras the walk through camera_tags).
    tagged = (
        select(Tag.task_id)
        .join(CameraTag, CameraTag.tag_id == Tag.id)
        .where(CameraTag.camera_id == Camera.id)
        # Two levels down from the cameras: without naming them, the subquery would take a
        # `cameras` of its own and gather the tags of every camera.
        .correlate(Camera)
        .scalar_subquery()
    )
    tasks = case(
        (Camera.n_panoramas > 1, func.array_append(func.array(tagged), Camera.task_id)),
        else_=postgresql.array([Camera.task_id]),
    )
    return (
        select(
            func.array_remove(
                func.array_agg(aggregate_order_by(Panorama.licence.distinct(), Panorama.licence)),
                None,
            ).label("imagery_licences"),
            func.array_remove(
                func.array_agg(
                    aggregate_order_by(Panorama.attribution.distinct(), Panorama.attribution)
                ),
                None,
            ).label("imagery_attributions"),
            func.coalesce(func.bool_and(Panorama.osm_compatible), False).label("osm_compatible"),
        )
        .join(Task, Task.panorama_id == Panorama.id)
        .where(Task.id == any_(tasks))
        .lateral("imagery")
    )


def camera_statement(
    session: Session, *, campaign: Campaign, filters: Filters, imagery: bool = True
) -> AnySelect:
    """Cameras of the campaign matching the filters, with their imagery's licences, by id.

    Without `imagery` (for counting) the per-camera walk through its panoramas is left out.
    """
    base = select(
        *(getattr(Camera, name) for name in CAMERA_COLUMNS),
        func.ST_X(Camera.geom).label("lon"),
        func.ST_Y(Camera.geom).label("lat"),
    ).select_from(Camera)
    if imagery:
        sources = camera_imagery()
        base = base.add_columns(
            sources.c.imagery_licences, sources.c.imagery_attributions, sources.c.osm_compatible
        ).join(sources, true())
    base = base.where(Camera.campaign_id == campaign.id)
    f = filters
    return _where(
        base,
        Camera.status.in_(statuses(f.status)),
        Camera.attachment == f.attachment if f.attachment else None,
        Camera.camera_type == f.camera_type if f.camera_type else None,
        Camera.confidence >= f.min_confidence if f.min_confidence is not None else None,
        Camera.location_method == f.location_method if f.location_method else None,
        in_bbox(Camera.geom, f.bbox),
        in_area(session, campaign, Camera.geom, f.area),
        _between(Camera.computed_at, f.since, f.until),
    ).order_by(Camera.id)


def area_kinds(session: Session, *, campaign: Campaign) -> list[str]:
    """The kinds of area the campaign has, sorted."""
    query = select(Area.kind).where(Area.campaign_id == campaign.id).distinct().order_by(Area.kind)
    return list(session.scalars(query))


def _areas_by_row(campaign: Campaign) -> Any:
    # [[kind, name], …] of the areas containing the panorama; grouped in Python.
    return (
        select(func.jsonb_agg(func.jsonb_build_array(Area.kind, Area.name)))
        .where(Area.campaign_id == campaign.id, func.ST_Intersects(Area.geom, Panorama.geom))
        .scalar_subquery()
    )


def _areas_by_panorama(campaign: Campaign) -> Any:
    # The same, area by area: PostGIS keeps a prepared polygon while it tests the panoramas
    # one area covers in a row, about ten times faster than a lookup per row on a full dump
    # (but slower for a page, which touches few rows).
    inside = aliased(Panorama)
    return (
        select(
            inside.id.label("panorama_id"),
            func.jsonb_agg(func.jsonb_build_array(Area.kind, Area.name)).label("areas"),
        )
        .join(Area, func.ST_Intersects(Area.geom, inside.geom))
        .where(Area.campaign_id == campaign.id, inside.campaign_id == campaign.id)
        .group_by(inside.id)
        .subquery()
    )


def count_statement(
    session: Session, *, campaign: Campaign, filters: Filters, whole: bool = False
) -> AnySelect:
    """Per-task counts at each task's panorama, with the areas containing it, by task."""
    columns = [f"{p}_{c}" for p in ("median", "agreement") for c in COUNT_CATEGORIES]
    by_panorama = _areas_by_panorama(campaign) if whole else None
    areas = by_panorama.c.areas if by_panorama is not None else _areas_by_row(campaign)
    base = (
        select(
            TaskCount.task_id,
            TaskCount.n,
            *(getattr(TaskCount, name) for name in columns),
            TaskCount.total,
            TaskCount.method_version,
            TaskCount.computed_at,
            Panorama.captured_at,
            Panorama.provider,
            Panorama.provider_id,
            *_one_panorama_imagery(),
            func.ST_X(Panorama.geom).label("lon"),
            func.ST_Y(Panorama.geom).label("lat"),
            areas.label("areas"),
        )
        .join(Task, Task.id == TaskCount.task_id)
        .join(Panorama, Panorama.id == Task.panorama_id)
        .where(TaskCount.campaign_id == campaign.id)
    )
    if by_panorama is not None:
        base = base.outerjoin(by_panorama, by_panorama.c.panorama_id == Panorama.id)
    f = filters
    return _where(
        base,
        in_bbox(Panorama.geom, f.bbox),
        in_area(session, campaign, Panorama.geom, f.area),
        _between(Panorama.captured_at, _day(f.since), _day(f.until)),
    ).order_by(TaskCount.task_id)


def _one_panorama_imagery() -> list[Any]:
    # A count or a tag was read from one panorama: its licence and credit, as one-item lists
    # (empty when unknown), the shape a camera's several panoramas give.
    def listed(column: Any) -> Any:
        return func.array_remove(postgresql.array([func.nullif(column, "")]), None)

    return [
        listed(Panorama.licence).label("imagery_licences"),
        listed(Panorama.attribution).label("imagery_attributions"),
    ]


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def tag_statement(session: Session, *, campaign: Campaign, filters: Filters) -> AnySelect:
    """Every tag of the campaign's complete real tasks by decoders not suspended, anonymised."""
    base = (
        select(
            Tag.id,
            Tag.task_id,
            User.public_id.label("decoder"),
            Tag.heading,
            Tag.pitch,
            Tag.zoom,
            Tag.attachment,
            Tag.camera_type,
            Tag.base_heading,
            Tag.base_pitch,
            Submission.submitted_at,
            *_one_panorama_imagery(),
            func.ST_X(Panorama.geom).label("lon"),
            func.ST_Y(Panorama.geom).label("lat"),
        )
        .join(Submission, Submission.id == Tag.submission_id)
        .join(User, User.id == Tag.user_id)
        .join(Task, Task.id == Tag.task_id)
        .join(Panorama, Panorama.id == Task.panorama_id)
        .where(
            Submission.campaign_id == campaign.id,
            Task.is_tutorial == false(),
            # Complete tasks only: while a task is open its tags must not reach a decoder
            # who may be leased it next (votes stay independent), and hidden known-answer
            # tasks keep being drawn for new decoders after they complete (issue 9.4).
            Task.status == "complete",
            func.coalesce(func.jsonb_typeof(Task.known_answer), "null") != "array",
            # A suspended decoder's votes count nowhere, their raw tags included (issue 10.3);
            # reinstating them publishes the tags again.
            User.suspended_at.is_(None),
        )
    )
    return _where(base, in_bbox(Panorama.geom, filters.bbox)).order_by(Tag.id)
