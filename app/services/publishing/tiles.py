"""Mapbox vector tiles of a campaign's cameras and density hexagons (ST_AsMVT), cached."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from sqlalchemy.orm import Session

from app.errors import LayerNotFound, TileOutOfRange
from app.models import Camera, Campaign
from app.schemas.publishing import statuses
from app.services.publishing.density import MERCATOR_MAX_LAT, hexagon_size, reference_latitude
from app.services.publishing.layers import extent, memo, result_version
from app.services.publishing.tile_cache import TileCache, TileKey
from app.sql import load

LAYERS = ("cameras", "hexagons")
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64  # tile units: enough for a symbol on the edge to be drawn whole in both tiles
# Hexagon edges per zoom come from this ladder, so cells have round sizes and the same sizes
# as the density API; about this many cells span a tile.
CELL_LADDER = (50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000)
CELLS_PER_TILE = 20
EQUATOR_M = 40_075_016.686


def check_tile(z: int, x: int, y: int) -> None:
    """Invalid unless z is 0..22 and x, y are within the zoom's grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"Zoom must be 0..{MAX_ZOOM}.")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileOutOfRange(f"x and y must be 0..{2**z - 1} at zoom {z}.")


def _lat(y: float, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tile_bounds(z: int, x: int, y: int, *, margin: float = 0.0) -> tuple[float, ...]:
    """The tile's lon/lat box widened by `margin` tiles on each side, clamped to the world."""
    n = 2**z
    west = max(-180.0, (x - margin) / n * 360 - 180)
    east = min(180.0, (x + 1 + margin) / n * 360 - 180)
    # Past the Mercator edge (about 85.05°) the widened box runs to the pole.
    north = _lat(y - margin, n) if y - margin >= 0 else 90.0
    south = _lat(y + 1 + margin, n) if y + 1 + margin <= n else -90.0
    return west, south, east, north


def cell_for_zoom(z: int, latitude: float) -> int:
    """The ladder's hexagon edge (metres) closest to 1/CELLS_PER_TILE of the tile's width."""
    tile_m = EQUATOR_M * math.cos(math.radians(min(abs(latitude), MERCATOR_MAX_LAT))) / 2**z
    target = tile_m / CELLS_PER_TILE
    return min(CELL_LADDER, key=lambda cell: abs(math.log(cell / target)))


def tile_key(
    session: Session, *, campaign: Campaign, layer: str, z: int, x: int, y: int, status: str
) -> TileKey:
    """What the tile depends on (LayerNotFound, TileOutOfRange before any work)."""
    if layer not in LAYERS:
        raise LayerNotFound(f"No tile layer '{layer}'; try {', '.join(LAYERS)}.")
    check_tile(z, x, y)
    version = result_version(session, campaign=campaign)
    variant = ""
    if layer == "hexagons":
        # The grid rests on the reference latitude, which follows the locations.
        variant = f"{reference_latitude(session, campaign=campaign):.1f}"
    return TileKey(campaign.id, version, layer, status, z, x, y, variant)


def render(session: Session, *, key: TileKey) -> bytes:
    """The tile's bytes (empty when it holds no feature)."""
    z, x, y = key.z, key.x, key.y
    params: dict[str, object] = {
        "campaign_id": key.campaign_id,
        "statuses": statuses(key.status),
        "z": z,
        "x": x,
        "y": y,
        "extent": EXTENT,
        "buffer": BUFFER,
    }
    if key.layer == "cameras":
        box = tile_bounds(z, x, y, margin=BUFFER / EXTENT)
        params.update(zip(("minlon", "minlat", "maxlon", "maxlat"), box, strict=True))
    else:
        latitude = float(key.variant)
        params["size"] = hexagon_size(cell_for_zoom(z, latitude), latitude)
    data = session.scalar(load(f"tile_{key.layer}"), params)
    return bytes(data) if data else b""


def cached(session: Session, *, cache: TileCache, key: TileKey) -> bytes:
    """The tile from the cache, rendered and kept when it is not there yet."""
    data = cache.get(key)
    if data is None:
        data = render(session, key=key)
        cache.put(key, data)
    return data


def etag(key: TileKey) -> str:
    """A strong validator from the result version: known before the tile is read or drawn."""
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


FIELDS = {
    "cameras": {
        "id": "Number",
        "attachment": "String",
        "camera_type": "String",
        "status": "String",
        "confidence": "Number",
        "bearing": "Number",
    },
    "hexagons": {
        "cameras": "Number",
        "street_furniture": "Number",
        "dome_ptz": "Number",
        "per_km2": "Number",
    },
}


def tilejson(
    session: Session, *, campaign: Campaign, layer: str, tiles_url: str, status: str
) -> dict[str, Any]:
    """A TileJSON 3.0.0 document for one tile layer of the campaign."""
    if layer not in LAYERS:
        raise LayerNotFound(f"No tile layer '{layer}'; try {', '.join(LAYERS)}.")
    where = [Camera.campaign_id == campaign.id, Camera.status.in_(statuses(status))]
    bounds = memo(
        session, campaign, ("tile-bounds", status),
        lambda: extent(session, geom=Camera.geom, where=where),
    )  # fmt: skip
    box = bounds or [-180.0, -85.0511287798066, 180.0, 85.0511287798066]
    centre = [round((box[0] + box[2]) / 2, 6), round((box[1] + box[3]) / 2, 6), 14]
    return {
        "tilejson": "3.0.0",
        "name": f"{campaign.name}: {layer}",
        "description": campaign.description or campaign.name,
        "version": "1.0.0",
        "attribution": f"{campaign.name} ({campaign.licence})",
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": box,
        "center": centre,
        "vector_layers": [
            {"id": layer, "fields": FIELDS[layer], "minzoom": 0, "maxzoom": MAX_ZOOM}
        ],
    }
