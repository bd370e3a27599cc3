"""Import locations from CSV or GeoJSON Points, all or nothing, joining tasks within 5 m.

A location import creates or updates locations only; tasks come from panoramas (see
import_panoramas). A location within MERGE_RADIUS_M of a location that already has a task joins
that task at once (reported as `merged`), also through other locations of the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Campaign
from app.services.bulk import copy_rows, staging_table
from app.services.imports.common import (
    Report,
    cell,
    decode_text,
    load_geojson,
    parse_lat_lon,
    read_csv,
)
from app.services.imports.merge import MERGE_RADIUS_M

LocationFormat = Literal["auto", "csv", "geojson"]
MAX_ID_LENGTH = 128
# Metres per degree of latitude: turns the merge radius into a bounding box the GiST index uses.
_M_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class LocationRow:
    """One valid location of the file."""

    row: int
    external_id: str
    lat: float
    lon: float
    name: str | None
    properties: dict[str, Any]


@dataclass(frozen=True)
class LocationFields:
    """Which columns (CSV) or properties (GeoJSON) carry the id, position and name."""

    id: str = "id"
    lat: str = "lat"
    lon: str = "lon"
    name: str = "name"


def import_locations(
    session: Session,
    *,
    campaign: Campaign,
    data: bytes | str,
    fmt: LocationFormat = "auto",
    fields: LocationFields | None = None,
) -> Report:
    """Create or update the campaign's locations; Invalid with row-numbered errors."""
    fields = fields or LocationFields()
    report = Report()
    if fmt == "auto":
        fmt = "geojson" if decode_text(data).lstrip().startswith("{") else "csv"
    rows = (
        _geojson_rows(data, fields, report) if fmt == "geojson" else _csv_rows(data, fields, report)
    )
    _check_ids(rows, report)
    if not rows and not report.errors:
        report.error(0, "the file has no locations")
    report.fail_if_errors("locations")
    _upsert(session, campaign, rows, report)
    report.merged = join_nearby_tasks(session, campaign_id=campaign.id)
    report.counts["without_task"] = session.execute(
        text(
            "SELECT count(*) FROM stg_location_ids s JOIN locations l ON l.id = s.id "
            "WHERE l.task_id IS NULL"
        )
    ).scalar_one()
    session.expire_all()
    return report


def _csv_rows(data: bytes | str, fields: LocationFields, report: Report) -> list[LocationRow]:
    table = read_csv(data)
    id_col, lat_col, lon_col = (table.column(f) for f in (fields.id, fields.lat, fields.lon))
    name_col = table.column(fields.name, required=False)
    known = {id_col, lat_col, lon_col, name_col}
    rows = []
    for number, values in table.records:
        try:
            lat, lon = parse_lat_lon(cell(values, lat_col), cell(values, lon_col))
            props = {
                h: v.strip()
                for i, (h, v) in enumerate(zip(table.header, values, strict=False))
                if i not in known and v.strip()
            }
            rows.append(
                LocationRow(
                    number,
                    _external_id(cell(values, id_col), fields.id),
                    lat,
                    lon,
                    cell(values, name_col)[:200] or None,
                    props,
                )
            )
        except ValueError as exc:
            report.error(number, str(exc))
    return rows


def _geojson_rows(data: bytes | str, fields: LocationFields, report: Report) -> list[LocationRow]:
    rows = []
    for number, feature in enumerate(load_geojson(data).get("features") or [], start=1):
        try:
            rows.append(_feature_row(number, feature, fields))
        except ValueError as exc:
            report.error(number, str(exc))
    return rows


def _feature_row(number: int, feature: Any, fields: LocationFields) -> LocationRow:
    if not isinstance(feature, dict):
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    geometry = feature.get("geometry") or {}
    if not isinstance(props, dict) or not isinstance(geometry, dict):
        raise ValueError("properties and geometry must be objects")
    if geometry.get("type") != "Point":
        raise ValueError(f"expected a Point geometry, got {geometry.get('type') or 'none'}")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValueError("a Point needs [longitude, latitude] coordinates")
    lat, lon = parse_lat_lon(str(coords[1]), str(coords[0]))
    raw_id = props.get(fields.id)
    if raw_id is None or str(raw_id).strip() == "":
        raw_id = feature.get("id")
    name = props.get(fields.name)
    rest = {k: v for k, v in props.items() if k not in {fields.id, fields.name}}
    return LocationRow(
        number,
        _external_id("" if raw_id is None else str(raw_id).strip(), fields.id),
        lat,
        lon,
        str(name)[:200] if name not in (None, "") else None,
        rest,
    )


def _external_id(value: str, field: str) -> str:
    if value == "":
        raise ValueError(f"missing id ('{field}')")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"id longer than {MAX_ID_LENGTH} characters")
    return value


def _check_ids(rows: list[LocationRow], report: Report) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if row.external_id in first:
            report.error(
                row.row, f"duplicate id '{row.external_id}' (first at row {first[row.external_id]})"
            )
        else:
            first[row.external_id] = row.row


def _upsert(session: Session, campaign: Campaign, rows: list[LocationRow], report: Report) -> None:
    """Insert or update the rows; their ids land in the temporary table stg_location_ids."""
    staging_table(
        session,
        "stg_locations",
        "external_id text, name text, properties jsonb, lon float8, lat float8",
    )
    staging_table(session, "stg_location_ids", "id bigint PRIMARY KEY")
    copy_rows(
        session,
        "stg_locations",
        ("external_id", "name", "properties", "lon", "lat"),
        [(r.external_id, r.name, r.properties, r.lon, r.lat) for r in rows],
        analyze=True,
    )
    # xmax = 0 only on a freshly inserted row version: tells created from updated in one pass.
    created, total = session.execute(
        text(
            "WITH up AS (INSERT INTO locations (campaign_id, external_id, name, properties, geom) "
            "SELECT :campaign, external_id, name, properties, "
            "ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM stg_locations "
            "ON CONFLICT (campaign_id, external_id) DO UPDATE SET name = EXCLUDED.name, "
            "properties = EXCLUDED.properties, geom = EXCLUDED.geom "
            "RETURNING id, (xmax = 0) AS inserted), "
            "kept AS (INSERT INTO stg_location_ids SELECT id FROM up) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FROM up"
        ),
        {"campaign": campaign.id},
    ).one()
    session.execute(text("ANALYZE stg_location_ids"))
    report.created, report.updated = created, total - created


_JOIN_NEAREST = text(f"""
UPDATE locations AS target SET task_id = near.task_id, panorama_id = near.panorama_id
FROM stg_location_ids AS ids
JOIN locations AS loc ON loc.id = ids.id
CROSS JOIN LATERAL (
    SELECT other.task_id, other.panorama_id FROM locations AS other
    WHERE other.campaign_id = loc.campaign_id AND other.task_id IS NOT NULL
      AND other.geom && ST_Expand(
          loc.geom, :radius / {_M_PER_DEGREE} / greatest(cos(radians(ST_Y(loc.geom))), 0.01))
      AND ST_DWithin(other.geom::geography, loc.geom::geography, :radius)
    ORDER BY ST_Distance(other.geom::geography, loc.geom::geography), other.id
    LIMIT 1
) AS near
WHERE loc.campaign_id = :campaign AND loc.task_id IS NULL AND target.id = loc.id
RETURNING target.id
""")


def join_nearby_tasks(session: Session, *, campaign_id: int) -> int:
    """Give task-less locations in stg_location_ids the nearest task within 5 m; how many joined.

    Repeats until stable, so a chain of imported locations each within 5 m of the next all
    join the task at its end.
    """
    session.flush()
    joined = 0
    params = {"campaign": campaign_id, "radius": MERGE_RADIUS_M}
    while done := len(session.execute(_JOIN_NEAREST, params).all()):
        joined += done
    return joined
