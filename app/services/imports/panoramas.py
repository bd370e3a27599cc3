"""Import panoramas from CSV, all or nothing: each panorama becomes a task for its locations.

Rows sharing a panorama (same provider and pano id, or same image URL) make one task. A new
panorama whose location already has a task, or lies within 5 m of a location with a task, joins
that task instead (`merged`; a task keeps its first panorama). A known panorama is updated.
The plan is made in memory (import_panorama_plan) and written with COPY and two UPDATEs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.imagery import PROVIDER_LICENCES, osm_compatible
from app.models import Campaign
from app.services.bulk import copy_rows, staging_table
from app.services.imports.common import Report, read_csv
from app.services.imports.panorama_plan import Plan, PlannedLocation, PlannedPanorama, Planner
from app.services.imports.panorama_rows import PanoramaFields, PanoramaKey, group_rows, parse_rows

__all__ = ["PanoramaFields", "import_panoramas"]
_ID_BLOCK = 500  # ids reserved from a sequence at a time


def import_panoramas(
    session: Session,
    *,
    campaign: Campaign,
    data: bytes | str,
    fields: PanoramaFields | None = None,
    default_provider: str | None = None,
) -> Report:
    """Create or update panoramas and their tasks; Invalid with row-numbered errors."""
    report = Report()
    table = read_csv(data)
    rows = parse_rows(table, fields or PanoramaFields(), default_provider, report)
    if not rows and not report.errors:
        report.error(0, "the file has no panoramas")
    plan = Plan(_locations(session, campaign.id), _panoramas(session, campaign.id))
    for row in rows:
        if row.location_id is not None and row.location_id not in plan.locations:
            report.error(row.row, f"unknown location id '{row.location_id}'")
    groups = group_rows(rows, report)
    report.errors.sort(key=lambda e: int(e["row"]))
    report.fail_if_errors("panoramas")
    planner = Planner(plan, report, _IdSource(session).next)
    for key, group in groups.items():
        planner.group(key, group)
    _write(session, campaign, plan)
    session.expire_all()
    return report


def _locations(session: Session, campaign_id: int) -> dict[str, PlannedLocation]:
    rows = session.execute(
        text(
            "SELECT id, external_id, ST_Y(geom) AS lat, ST_X(geom) AS lon, task_id, panorama_id "
            "FROM locations WHERE campaign_id = :c"
        ),
        {"c": campaign_id},
    ).mappings()
    return {r["external_id"]: PlannedLocation(**r) for r in rows}


def _panoramas(session: Session, campaign_id: int) -> dict[PanoramaKey, PlannedPanorama]:
    rows = session.execute(
        text(
            "SELECT p.id, p.provider, p.provider_id, p.image_url, t.id FROM panoramas p "
            "LEFT JOIN tasks t ON t.panorama_id = p.id WHERE p.campaign_id = :c ORDER BY p.id"
        ),
        {"c": campaign_id},
    )
    found: dict[PanoramaKey, PlannedPanorama] = {}
    for pid, provider, pano_id, image_url, task_id in rows:
        panorama = PlannedPanorama(pid, provider, pano_id, image_url, None, None, None, task_id)
        # A row may name a stored panorama by its pano id or by its image URL.
        if pano_id:
            found.setdefault((provider, "id", pano_id), panorama)
        if image_url:
            found.setdefault((provider, "url", image_url), panorama)
    return found


class _IdSource:
    """Primary keys reserved from the tables' sequences, so the plan can link rows before COPY."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.free: dict[str, list[int]] = {}

    def next(self, table: str) -> int:
        free = self.free.setdefault(table, [])
        if not free:
            free.extend(
                self.session.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"t": table, "n": _ID_BLOCK},
                ).scalars()
            )
            free.reverse()
        return free.pop()


def _ewkt(position: tuple[float, float] | None) -> str | None:
    if position is None:
        return None
    lat, lon = position
    return f"SRID=4326;POINT({lon!r} {lat!r})"


_PANORAMA_COLUMNS = (
    "id", "campaign_id", "provider", "provider_id", "image_url", "geom", "captured_at", "heading",
    "licence", "attribution", "osm_compatible",
)  # fmt: skip
_LOCATION_COLUMNS = (
    "id", "campaign_id", "external_id", "properties", "geom", "panorama_id", "task_id",
)  # fmt: skip


def _panorama_row(p: PlannedPanorama, campaign_id: int) -> tuple[Any, ...]:
    geom = _ewkt(p.position)
    # A provider's licence when it has one for all its imagery; equirect stays unknown.
    licence, credit = PROVIDER_LICENCES.get(p.provider, (None, None))
    return (
        p.id,
        campaign_id,
        p.provider,
        p.pano_id,
        p.image_url,
        geom,
        p.captured_at,
        p.heading or 0.0,
        licence,
        credit,
        osm_compatible(p.provider, licence),
    )


def _location_row(loc: PlannedLocation, campaign_id: int) -> tuple[Any, ...]:
    geom = _ewkt((loc.lat, loc.lon))
    return (loc.id, campaign_id, loc.external_id, {}, geom, loc.panorama_id, loc.task_id)


def _write(session: Session, campaign: Campaign, plan: Plan) -> None:
    # Parents first: tasks reference panoramas, locations reference both.
    new_panoramas = [_panorama_row(p, campaign.id) for p in plan.touched if p.new]
    copy_rows(session, "panoramas", _PANORAMA_COLUMNS, new_panoramas)
    tasks = [(task_id, campaign.id, panorama_id) for task_id, panorama_id in plan.new_tasks]
    copy_rows(session, "tasks", ("id", "campaign_id", "panorama_id"), tasks)
    locations = list(plan.locations.values())
    new_locations = [_location_row(loc, campaign.id) for loc in locations if loc.new]
    copy_rows(session, "locations", _LOCATION_COLUMNS, new_locations)
    _update(
        session,
        "panoramas",
        "id bigint, geom text, captured_at date, heading float8, image_url text",
        "geom = coalesce(ST_GeomFromEWKT(s.geom), t.geom), "
        "captured_at = coalesce(s.captured_at, t.captured_at), "
        "heading = coalesce(s.heading, t.heading), image_url = coalesce(s.image_url, t.image_url)",
        [
            (p.id, _ewkt(p.position), p.captured_at, p.heading, p.image_url)
            for p in plan.touched
            if not p.new
        ],
    )
    _update(
        session,
        "locations",
        "id bigint, task_id bigint, panorama_id bigint",
        "task_id = s.task_id, panorama_id = s.panorama_id",
        [(loc.id, loc.task_id, loc.panorama_id) for loc in locations if loc.linked and not loc.new],
    )


def _update(
    session: Session, table: str, columns: str, assignments: str, rows: list[tuple[Any, ...]]
) -> None:
    """UPDATE table rows by id from a COPY-filled staging table."""
    if not rows:
        return
    staging = f"stg_{table}_update"
    staging_table(session, staging, columns)
    copy_rows(session, staging, [c.split()[0] for c in columns.split(", ")], rows, analyze=True)
    session.execute(
        text(f"UPDATE {table} AS t SET {assignments} FROM {staging} s WHERE t.id = s.id")
    )
