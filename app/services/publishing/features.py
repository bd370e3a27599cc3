"""The OpenStreetMap vocabulary of published cameras, and GeoJSON shapes built in Python.

The features of the published layers are built by PostgreSQL from their one definition in
app/services/publishing/properties.py; what stays here is shared with it (decimals, the OSM
mapping) or serves the few answers assembled in Python (density, the OsmChange export).
"""

from __future__ import annotations

from typing import Any

# RFC 7946 §11.2: 7 decimals of a degree are about a centimetre, finer than any camera fix.
DECIMALS = 7

OSM_KEYS = (
    "man_made",
    "surveillance",
    "surveillance:type",
    "camera:type",
    "camera:mount",
    "camera:direction",
)

# Our vocabulary → OpenStreetMap's (wiki: Tag:man_made=surveillance). `unknown` and `other`
# have no OSM value, so the key is left out rather than guessed.
OSM_CAMERA_TYPE = {"dome_ptz": "dome", "bullet": "fixed"}
OSM_MOUNT = {"street_furniture": "pole", "building": "wall"}


def osm_tags(attachment: str, camera_type: str, direction: float | None = None) -> dict[str, Any]:
    """The OSM surveillance tags a camera maps to."""
    tags: dict[str, Any] = {"man_made": "surveillance"}
    # A camera on a street light, traffic signal or sign post at an intersection is in the
    # public right of way and looks at the street: OSM's `surveillance=public`. A camera on a
    # building may watch a private doorway, so nothing is claimed for it.
    if attachment == "street_furniture":
        tags["surveillance"] = "public"
    tags["surveillance:type"] = "camera"
    if camera_type in OSM_CAMERA_TYPE:
        tags["camera:type"] = OSM_CAMERA_TYPE[camera_type]
    if attachment in OSM_MOUNT:
        tags["camera:mount"] = OSM_MOUNT[attachment]
    # `camera:direction` is where the lens points. We observe only the bearing from the
    # panorama to the camera, not the lens, so callers pass a direction only when one is known.
    if direction is not None:
        tags["camera:direction"] = round(direction) % 360
    return tags


def point(lon: float, lat: float) -> dict[str, Any]:
    """A GeoJSON Point in lon/lat order, rounded."""
    return {"type": "Point", "coordinates": [round(lon, DECIMALS), round(lat, DECIMALS)]}
