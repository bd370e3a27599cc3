"""Rows of the published layers shaped as RFC 7946 features and flat CSV records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from app.models.results import COUNT_CATEGORIES

# RFC 7946 §11.2: 7 decimals of a degree are about a centimetre, finer than any camera fix.
DECIMALS = 7

CAMERA_PROPERTIES = (
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
# The imagery a feature rests on (issue 11): licences and credit lines of its panoramas, and
# for cameras whether every one of them allows deriving data for OpenStreetMap.
IMAGERY_PROPERTIES = ("imagery_licences", "imagery_attributions")
CAMERA_IMAGERY_PROPERTIES = (*IMAGERY_PROPERTIES, "osm_compatible")
OSM_KEYS = (
    "man_made",
    "surveillance",
    "surveillance:type",
    "camera:type",
    "camera:mount",
    "camera:direction",
)
COUNT_PROPERTIES = (
    "task_id",
    "n",
    *(f"median_{c}" for c in COUNT_CATEGORIES),
    *(f"agreement_{c}" for c in COUNT_CATEGORIES),
    "total",
    "image_date",
    "provider",
    "pano_id",
    "method_version",
    "computed_at",
)
TAG_PROPERTIES = (
    "id",
    "task_id",
    "decoder",
    "heading",
    "pitch",
    "zoom",
    "attachment",
    "camera_type",
    "base_heading",
    "base_pitch",
    "submitted",
)

# Our vocabulary → OpenStreetMap's (wiki: Tag:man_made=surveillance). `unknown` and `other`
# have no OSM value, so the key is left out rather than guessed.
_OSM_CAMERA_TYPE = {"dome_ptz": "dome", "bullet": "fixed"}
_OSM_MOUNT = {"street_furniture": "pole", "building": "wall"}


@cache
def _osm_base(attachment: str, camera_type: str) -> dict[str, Any]:
    # Shared between features (a dump has thousands of cameras and a handful of combinations):
    # callers copy before changing it.
    return osm_tags(attachment, camera_type)


def osm_tags(attachment: str, camera_type: str, direction: float | None = None) -> dict[str, Any]:
    """The OSM surveillance tags a camera maps to."""
    tags: dict[str, Any] = {"man_made": "surveillance"}
    # A camera on a street light, traffic signal or sign post at an intersection is in the
    # public right of way and looks at the street: OSM's `surveillance=public`. A camera on a
    # building may watch a private doorway, so nothing is claimed for it.
    if attachment == "street_furniture":
        tags["surveillance"] = "public"
    tags["surveillance:type"] = "camera"
    if camera_type in _OSM_CAMERA_TYPE:
        tags["camera:type"] = _OSM_CAMERA_TYPE[camera_type]
    if attachment in _OSM_MOUNT:
        tags["camera:mount"] = _OSM_MOUNT[attachment]
    # `camera:direction` is where the lens points. We observe only the bearing from the
    # panorama to the camera, not the lens, so callers pass a direction only when one is known.
    if direction is not None:
        tags["camera:direction"] = round(direction) % 360
    return tags


def point(lon: float, lat: float) -> dict[str, Any]:
    """A GeoJSON Point in lon/lat order, rounded."""
    return {"type": "Point", "coordinates": [round(lon, DECIMALS), round(lat, DECIMALS)]}


def feature(fid: Any, lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    """A point Feature."""
    return {"type": "Feature", "id": fid, "geometry": point(lon, lat), "properties": props}


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def camera_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """A reconciled camera with its OSM tags."""
    props = {name: row[name] for name in CAMERA_PROPERTIES}
    props["computed_at"] = _iso(row["computed_at"])
    # .get: a row from a query without the imagery lateral rests on nothing known.
    props["imagery_licences"] = row.get("imagery_licences") or []
    props["imagery_attributions"] = row.get("imagery_attributions") or []
    props["osm_compatible"] = bool(row.get("osm_compatible"))
    props["osm"] = _osm_base(row["attachment"], row["camera_type"])
    return feature(row["id"], row["lon"], row["lat"], props)


def area_columns(kinds: Sequence[str]) -> list[str]:
    """One `area_<kind>` property per kind of area in the campaign."""
    return [f"area_{kind}" for kind in kinds]


def count_feature(row: Mapping[str, Any], kinds: Sequence[str]) -> dict[str, Any]:
    """A task's counts at its panorama, with the areas containing it."""
    props: dict[str, Any] = {"task_id": row["task_id"], "n": row["n"]}
    for category in COUNT_CATEGORIES:
        props[f"median_{category}"] = row[f"median_{category}"]
    for category in COUNT_CATEGORIES:
        props[f"agreement_{category}"] = row[f"agreement_{category}"]
    captured = row["captured_at"]
    props["total"] = row["total"]
    props["image_date"] = captured.strftime("%Y-%m") if captured else None
    props["provider"] = row["provider"]
    props["pano_id"] = row["provider_id"]
    props["method_version"] = row["method_version"]
    props["computed_at"] = _iso(row["computed_at"])
    props.update(_imagery(row))
    names: dict[str, list[str]] = {}
    for kind, name in row["areas"] or ():
        names.setdefault(kind, []).append(name)
    for kind in kinds:
        props[f"area_{kind}"] = "; ".join(sorted(names[kind])) if kind in names else None
    return feature(row["task_id"], row["lon"], row["lat"], props)


def tag_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """One anonymised tag at its panorama: the decoder is a pseudonymous public id."""
    props = {name: row[name] for name in TAG_PROPERTIES if name != "submitted"}
    # The day only: a timestamp to the second could help tie a tag to a person's session.
    props["submitted"] = row["submitted_at"].date().isoformat()
    props.update(_imagery(row))
    return feature(row["id"], row["lon"], row["lat"], props)


def _imagery(row: Mapping[str, Any]) -> dict[str, list[str]]:
    """The licence and credit of the one panorama a count or a tag was read from."""
    licence, credit = row.get("licence"), row.get("attribution")
    return {
        "imagery_licences": [licence] if licence else [],
        "imagery_attributions": [credit] if credit else [],
    }


def csv_header(properties: Sequence[str], *, osm: bool = False) -> list[str]:
    """CSV columns: lon, lat, the properties, and `osm:<key>` columns for cameras."""
    return ["lon", "lat", *properties, *((f"osm:{k}" for k in OSM_KEYS) if osm else ())]


def csv_plan(header: Sequence[str]) -> list[tuple[bool, str]]:
    """For each column after lon, lat: (is an OSM tag, key), worked out once per dump."""
    return [(c.startswith("osm:"), c[4:] if c.startswith("osm:") else c) for c in header[2:]]


def csv_record(feature: Mapping[str, Any], plan: Sequence[tuple[bool, str]]) -> list[Any]:
    """A feature flattened along a `csv_plan` (nested OSM tags become `osm:<key>` columns)."""
    lon, lat = feature["geometry"]["coordinates"]
    props = feature["properties"]
    osm = props.get("osm") or {}
    values = ((osm if is_osm else props).get(key) for is_osm, key in plan)
    # Lists (the imagery licences and credits) become one cell, "; "-separated.
    return [lon, lat, *("; ".join(v) if isinstance(v, list) else v for v in values)]
