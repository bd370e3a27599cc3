"""Camera density for the public map: hexagons of a size in metres, and per-area statistics."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import TooManyCells
from app.models import Area, Camera, Campaign, Location
from app.schemas.publishing import BBox, statuses
from app.services.publishing.layers import extent
from app.sql import load

# Coverage radius of Amnesty's published analysis (a camera sees about this far).
REACH_M = 120.0
# About 10 m: invisible at city zoom, and it shrinks borough outlines several-fold.
WEB_TOLERANCE = 0.0001
MAX_CELLS = 100_000
MERCATOR_MAX_LAT = 85.05112878
EARTH_RADIUS = 6378137.0
_LATITUDE_TTL_S = 300.0
_latitudes: dict[int, tuple[float, float]] = {}


def reference_latitude(session: Session, *, campaign: Campaign) -> float:
    """Where hexagons have their nominal size: the middle of the campaign's locations.

    Rounded to 0.1° and cached for a few minutes, so every worker draws the same grid and a
    tile does not pay for an extent query. Falls back to the cameras, then the equator.
    """
    now = time.monotonic()
    cached = _latitudes.get(campaign.id)
    if cached and cached[1] > now:
        return cached[0]
    value = None
    for table in (Location, Camera):
        centre = func.ST_Y(func.ST_Centroid(func.ST_Extent(table.geom)))
        value = session.scalar(select(centre).where(table.campaign_id == campaign.id))
        if value is not None:
            break
    latitude = round(float(value), 1) if value is not None else 0.0
    _latitudes[campaign.id] = (latitude, now + _LATITUDE_TTL_S)
    return latitude


def hexagon_size(cell_m: float, latitude: float) -> float:
    """The ST_HexagonGrid edge in EPSG:3857 units for an edge of `cell_m` metres at `latitude`."""
    return cell_m / math.cos(math.radians(min(abs(latitude), 80.0)))


def _mercator_y(lat: float) -> float:
    lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))
    return EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _cells_in(part: tuple[float, float, float, float], size: float) -> float:
    minlon, minlat, maxlon, maxlat = part
    width = EARTH_RADIUS * math.radians(maxlon - minlon)
    height = _mercator_y(maxlat) - _mercator_y(minlat)
    return width * height / (1.5 * math.sqrt(3) * size * size)


def _hexagon_feature(row: Any) -> dict[str, Any]:
    names = ("cameras", "street_furniture", "building", "other", "dome_ptz", "bullet")
    props: dict[str, Any] = {name: row[name] for name in names}
    props["unknown_type"] = row["unknown_type"]
    props["per_km2"] = round(row["cameras"] / row["area_km2"], 3) if row["area_km2"] else None
    geometry = json.loads(row["geometry"])
    fid = f"{row['i']}_{row['j']}"
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def hexagons(
    session: Session, *, campaign: Campaign, bbox: BBox | None, cell: int, status: str
) -> list[dict[str, Any]]:
    """Cameras per hexagon (edge `cell` metres) over the box, default the cameras' extent."""
    if bbox is None:
        where = [Camera.campaign_id == campaign.id, Camera.status.in_(statuses(status))]
        box = extent(session, geom=Camera.geom, where=where)
        if box is None:
            return []
        bbox = BBox(*box)
    size = hexagon_size(cell, reference_latitude(session, campaign=campaign))
    parts = bbox.parts()
    if sum(_cells_in(part, size) for part in parts) > MAX_CELLS:
        raise TooManyCells(
            f"That box holds more than {MAX_CELLS} cells; use a smaller box or larger cells."
        )
    seen: dict[str, dict[str, Any]] = {}
    for minlon, minlat, maxlon, maxlat in parts:
        params = {
            "campaign_id": campaign.id,
            "statuses": statuses(status),
            "size": size,
            "minlon": minlon,
            "maxlon": maxlon,
            "minlat": max(-MERCATOR_MAX_LAT, minlat),
            "maxlat": min(MERCATOR_MAX_LAT, maxlat),
        }
        for row in session.execute(load("density_hexagons"), params).mappings():
            feature = _hexagon_feature(row)
            seen.setdefault(feature["id"], feature)
    return list(seen.values())


def _share(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _area_feature(row: Any) -> dict[str, Any]:
    area_km2 = float(row["area_km2"] or 0.0)
    cameras, locations = int(row["cameras"]), int(row["locations"])
    props = {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "cameras": cameras,
        "area_km2": round(area_km2, 3),
        "per_km2": round(cameras / area_km2, 4) if area_km2 else None,
        "locations": locations,
        "per_location": _share(cameras, locations),
        "share_with_camera": _share(int(row["with_camera"]), locations),
        "coverage": _share(int(row["covered"]), locations),
    }
    geometry = json.loads(row["geometry"])
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": props}


def areas(
    session: Session,
    *,
    campaign: Campaign,
    kind: str | None = None,
    area_id: int | None = None,
    bbox: BBox | None = None,
    limit: int | None = None,
    offset: int = 0,
    tolerance: float = WEB_TOLERANCE,
    status: str = "confirmed",
) -> list[dict[str, Any]]:
    """Per-area statistics (see app/sql/density_areas.sql) with the area outlines."""
    params = {
        "campaign_id": campaign.id,
        "kind": kind,
        "area_id": area_id,
        "bbox": bbox.wkt() if bbox else None,
        "limit": limit,
        "offset": offset,
        "tolerance": tolerance,
        "statuses": statuses(status),
        "reach_m": REACH_M,
    }
    rows = session.execute(load("density_areas"), params).mappings()
    return [_area_feature(row) for row in rows]


def count_areas(session: Session, *, campaign: Campaign, bbox: BBox | None) -> int:
    """How many areas `areas` would return without limit."""
    query = select(func.count()).select_from(Area).where(Area.campaign_id == campaign.id)
    if bbox is not None:
        query = query.where(func.ST_Intersects(Area.geom, func.ST_GeomFromText(bbox.wkt(), 4326)))
    return int(session.scalar(query) or 0)
