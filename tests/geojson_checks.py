"""RFC 7946 checks for the GeoJSON the API publishes."""

from __future__ import annotations

import itertools
from typing import Any


def _positions(geometry: dict[str, Any]) -> list[list[float]]:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return [coords]
    if kind == "Polygon":
        return [p for ring in coords for p in ring]
    if kind == "MultiPolygon":
        return [p for polygon in coords for ring in polygon for p in ring]
    raise AssertionError(f"unexpected geometry {kind}")


def _signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def _check_rings(geometry: dict[str, Any]) -> None:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            assert len(ring) >= 4, "a linear ring has at least four positions (§3.1.6)"
            assert ring[0] == ring[-1], "a linear ring is closed (§3.1.6)"
            # Right-hand rule (§3.1.6): exterior counterclockwise, holes clockwise.
            assert (_signed_area(ring) > 0) == (index == 0)


def assert_feature(feature: dict[str, Any]) -> None:
    """A Feature per RFC 7946: lon/lat in range, at most 7 decimals, closed rings."""
    assert feature["type"] == "Feature"
    assert "crs" not in feature
    assert isinstance(feature["properties"], dict)
    geometry = feature["geometry"]
    for lon, lat, *rest in _positions(geometry):
        assert not rest, "2D positions only"
        assert -180 <= lon <= 180 and -90 <= lat <= 90, (lon, lat)
        assert round(lon, 7) == lon and round(lat, 7) == lat, "at most 7 decimals"
    if geometry["type"] != "Point":
        _check_rings(geometry)


def assert_collection(doc: dict[str, Any]) -> None:
    """A FeatureCollection per RFC 7946 (no `crs` member, §4)."""
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    for feature in doc["features"]:
        assert_feature(feature)
