"""Import areas (borough, neighbourhood, tract, custom) from GeoJSON polygons, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from geoalchemy2.shape import from_shape
from shapely import make_valid
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import Area, Campaign

# A legacy GeoJSON `crs` member is accepted when it names WGS 84 (RFC 7946 coordinates).
_WGS84_NAMES = {
    "EPSG:4326",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "OGC:CRS84",
}
MAX_ERRORS = 100


@dataclass
class ImportReport:
    """What an import did, or the row-numbered errors that stopped it."""

    created: int = 0
    updated: int = 0
    merged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail_if_errors(self, what: str) -> None:
        """All or nothing: any error rejects the whole file."""
        if self.errors:
            raise Invalid(
                f"The {what} file has {len(self.errors)} error(s); nothing was imported.",
                code="import_failed",
                details=self.errors[:MAX_ERRORS],
            )


def load_geojson(data: bytes | str) -> dict[str, Any]:
    """Parse a GeoJSON document, accepting WGS 84 only."""
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid(f"Not valid JSON: {exc}", code="import_failed") from exc
    if not isinstance(doc, dict) or doc.get("type") not in {"FeatureCollection", "Feature"}:
        raise Invalid("Expected a GeoJSON FeatureCollection.", code="import_failed")
    crs = doc.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in _WGS84_NAMES:
            raise Invalid(
                f"Unsupported crs {name!r}: coordinates must be WGS 84 longitude/latitude.",
                code="import_failed",
            )
    return doc if doc["type"] == "FeatureCollection" else {"features": [doc]}


def polygonal(geometry: Any) -> MultiPolygon:
    """A valid MultiPolygon from GeoJSON, repairing invalid rings; ValueError when impossible."""
    try:
        geom = shape(geometry)
    except (GEOSException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"unreadable geometry ({exc})") from exc
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValueError(f"expected Polygon or MultiPolygon, got {geom.geom_type}")
    if not geom.is_valid:
        geom = _polygon_parts(make_valid(geom))
    if geom.is_empty:
        raise ValueError("geometry is empty after repair")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError("coordinates outside longitude/latitude range")
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _polygon_parts(geom: BaseGeometry) -> MultiPolygon:
    # make_valid may return a collection with lines or points where rings collapsed.
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(polys)


def import_areas(
    session: Session,
    *,
    campaign: Campaign,
    data: bytes | str,
    name_field: str = "name",
    kind: str = "custom",
) -> ImportReport:
    """Create or replace the campaign's areas of this kind named by `name_field`."""
    doc = load_geojson(data)
    report = ImportReport()
    rows: list[tuple[str, MultiPolygon, dict[str, Any]]] = []
    for number, feature in enumerate(doc.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        name = props.get(name_field)
        if name is None or str(name).strip() == "":
            report.errors.append({"row": number, "error": f"missing name field '{name_field}'"})
            continue
        try:
            rows.append((str(name)[:200], polygonal((feature or {}).get("geometry")), props))
        except ValueError as exc:
            report.errors.append({"row": number, "error": str(exc)})
    if not rows and not report.errors:
        report.errors.append({"row": 0, "error": "the file has no features"})
    report.fail_if_errors("areas")
    existing = {
        a.name: a
        for a in session.scalars(
            select(Area).where(Area.campaign_id == campaign.id, Area.kind == kind)
        )
    }
    for name, geom, props in rows:
        area = existing.get(name)
        if area is None:
            area = Area(campaign_id=campaign.id, name=name, kind=kind)
            session.add(area)
            existing[name] = area
            report.created += 1
        else:
            report.updated += 1
        area.properties = props
        area.geom = from_shape(geom, srid=4326)
    session.flush()
    return report
