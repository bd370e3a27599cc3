"""Import areas (borough, neighbourhood, tract, custom) from GeoJSON polygons, all or nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from shapely import make_valid
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Area, Campaign
from app.services.imports.common import ImportReport, load_geojson


def polygonal(geometry: Any) -> MultiPolygon:
    """A valid MultiPolygon from GeoJSON, repairing invalid rings; ValueError when impossible."""
    try:
        geom = shape(geometry)
    except (GEOSException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"unreadable geometry ({exc})") from exc
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValueError(f"expected Polygon or MultiPolygon, got {geom.geom_type}")
    # 1e999 parses as infinity; GEOS cannot test or repair a ring through NaN or infinity
    # (and the bounds skip NaN, so every vertex is checked).
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise ValueError("coordinates must be finite numbers")
    try:
        if not geom.is_valid:
            geom = _polygon_parts(make_valid(geom))
    except GEOSException as exc:
        raise ValueError(f"unrepairable geometry ({exc})") from exc
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
    features = doc.get("features") or []
    if not isinstance(features, list):
        features = [features]
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            report.errors.append({"row": number, "error": "a feature must be a JSON object"})
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            report.errors.append({"row": number, "error": "properties must be a JSON object"})
            continue
        name = props.get(name_field)
        if name is None or str(name).strip() == "":
            report.errors.append({"row": number, "error": f"missing name field '{name_field}'"})
            continue
        try:
            rows.append((str(name)[:200], polygonal(feature.get("geometry")), props))
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
