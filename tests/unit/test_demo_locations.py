"""The demo's NYC intersections: real places, in the borough they name, spaced as intended."""

import itertools
import json
import math

import pytest
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from app.demo.data import (
    BOROUGHS_GEOJSON,
    DEMO_LOCATIONS_CSV,
    DemoLocation,
    load_demo_locations,
)

BOROUGHS = {"Manhattan", "Brooklyn", "Queens", "Bronx", "Staten Island"}
MERGE_RADIUS_M = 5.0  # the import merges locations closer than this into one task
NEAR_DUPLICATES = {
    frozenset({"Broadway & W 42nd St", "Broadway & W 42nd St (north corner)"}),
    frozenset({"Flatbush Ave & Atlantic Ave", "Atlantic Ave & Flatbush Ave"}),
}


def _metres(a: DemoLocation, b: DemoLocation) -> float:
    """Haversine distance on a 6,371,008.8 m sphere (ample for pairs a few km apart)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def locations() -> list[DemoLocation]:
    return load_demo_locations()


@pytest.fixture(scope="module")
def borough_shapes() -> dict[str, BaseGeometry]:
    data = json.loads(BOROUGHS_GEOJSON.read_text(encoding="utf-8"))
    return {f["properties"]["BoroName"]: shape(f["geometry"]) for f in data["features"]}


def test_csv_has_the_documented_columns() -> None:
    header = DEMO_LOCATIONS_CSV.read_text(encoding="utf-8").splitlines()[0]
    assert header == "name,borough,lat,lon"


def test_between_50_and_55_locations_with_unique_names(locations: list[DemoLocation]) -> None:
    assert 50 <= len(locations) <= 55
    assert len({loc.name for loc in locations}) == len(locations)


def test_all_five_boroughs_are_present(locations: list[DemoLocation]) -> None:
    assert {loc.borough for loc in locations} == BOROUGHS


def test_coordinates_have_six_decimals(locations: list[DemoLocation]) -> None:
    rows = DEMO_LOCATIONS_CSV.read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        lat, lon = row.split(",")[-2:]
        assert len(lat.split(".")[1]) == 6 and len(lon.split(".")[1]) == 6, row


def test_every_location_lies_in_the_borough_it_names(
    locations: list[DemoLocation], borough_shapes: dict[str, BaseGeometry]
) -> None:
    outside = [
        loc.name
        for loc in locations
        if not borough_shapes[loc.borough].contains(Point(loc.lon, loc.lat))
    ]
    assert outside == []


def test_exactly_the_two_near_duplicate_pairs_are_within_merge_radius(
    locations: list[DemoLocation],
) -> None:
    close = {
        frozenset({a.name, b.name})
        for a, b in itertools.combinations(locations, 2)
        if _metres(a, b) < MERGE_RADIUS_M
    }
    assert close == NEAR_DUPLICATES


def test_all_other_pairs_are_more_than_30_m_apart(locations: list[DemoLocation]) -> None:
    crowded = [
        (a.name, b.name, round(_metres(a, b), 1))
        for a, b in itertools.combinations(locations, 2)
        if frozenset({a.name, b.name}) not in NEAR_DUPLICATES and _metres(a, b) <= 30.0
    ]
    assert crowded == []


def test_boroughs_geojson_is_a_verbatim_copy_with_its_legacy_crs() -> None:
    data = json.loads(BOROUGHS_GEOJSON.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "crs" in data
    assert {f["properties"]["BoroName"] for f in data["features"]} == BOROUGHS
