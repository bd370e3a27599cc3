"""Street imagery decisions: search tiles, the panorama a location gets, OSM compatibility."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.domain.imagery import (
    MAX_BBOX_SQ_DEG,
    BBox,
    Candidate,
    Point,
    area_tiles,
    attribution,
    choose,
    location_tiles,
    normalise_licence,
    osm_compatible,
    thin,
)
from app.services.imagery.mapillary import url_expiry

LAT, LON = 40.758, -73.9857
M = 1 / 111_320  # a metre of latitude in degrees


def pano(pid: str, north_m: float, day: date | None, *, is_pano: bool = True) -> Candidate:
    return Candidate(
        "mapillary", pid, LAT + north_m * M, LON, 0.0, day, is_pano, "CC-BY-SA-4.0", None, None
    )


def test_the_newest_panorama_within_reach_wins() -> None:
    old_near = pano("old", 1, date(2019, 5, 1))
    new_farther = pano("new", 12, date(2022, 1, 1))
    picked = choose([old_near, new_farther], lat=LAT, lon=LON, max_distance_m=15)
    assert picked is not None and picked[0].provider_id == "new"
    assert round(picked[1]) == 12


def test_on_the_same_day_the_nearest_wins() -> None:
    day = date(2022, 1, 1)
    picked = choose([pano("a", 9, day), pano("b", 3, day)], lat=LAT, lon=LON, max_distance_m=15)
    assert picked is not None and picked[0].provider_id == "b"


def test_images_out_of_reach_flat_or_outside_the_window_are_never_chosen() -> None:
    candidates = [
        pano("far", 16, date(2023, 1, 1)),
        pano("flat", 1, date(2023, 1, 1), is_pano=False),
        pano("old", 2, date(2018, 12, 31)),
        pano("undated", 2, None),
    ]
    assert choose(candidates, lat=LAT, lon=LON, max_distance_m=15, since=date(2019, 1, 1)) is None
    picked = choose(candidates, lat=LAT, lon=LON, max_distance_m=15)
    assert picked is not None and picked[0].provider_id == "old"


@given(
    st.lists(st.tuples(st.floats(-60, 60), st.floats(-179, 179)), min_size=1, max_size=40),
    st.floats(1, 100),
)
def test_location_tiles_stay_under_the_mapillary_limit_and_cover_each_location(
    points: list[tuple[float, float]], reach: float
) -> None:
    tiles = location_tiles(
        [Point(i, lat, lon) for i, (lat, lon) in enumerate(points)], reach_m=reach
    )
    assert sum(len(t.locations) for t in tiles) == len(points)
    for tile in tiles:
        assert tile.bbox.area < MAX_BBOX_SQ_DEG
        for p in tile.locations:
            # The box reaches `reach` metres beyond each of its locations.
            assert tile.bbox.contains(p.lat + reach * M * 0.99, p.lon)
            assert tile.bbox.contains(p.lat - reach * M * 0.99, p.lon)


def test_area_tiles_cover_the_box() -> None:
    tiles = list(area_tiles(BBox(-74.0, 40.70, -73.99, 40.71)))
    assert len(tiles) == 3 * 3  # 0.01° at 0.005° cells, the edges in extra cells
    assert all(t.bbox.area < MAX_BBOX_SQ_DEG for t in tiles)
    assert len({t.key for t in tiles}) == len(tiles)


def test_thinning_keeps_the_newest_and_spaces_the_rest() -> None:
    candidates = [
        pano("a", 0, date(2020, 1, 1)),
        pano("b", 5, date(2023, 1, 1)),
        pano("c", 40, None),
    ]
    kept = thin(candidates, spacing_m=20)
    assert [c.provider_id for c in kept] == ["b", "c"]
    assert thin(candidates, spacing_m=20, taken=[(LAT + 40 * M, LON)]) == [candidates[1]]


def test_osm_compatibility_by_provider_and_licence() -> None:
    assert osm_compatible("mapillary", "CC-BY-SA-4.0")
    assert osm_compatible("panoramax", "etalab-2.0")
    assert osm_compatible("panoramax", "CC-BY-SA-4.0")
    assert not osm_compatible("panoramax", "CC-BY-NC-4.0")
    assert not osm_compatible("panoramax", None)
    assert not osm_compatible("google", "CC0-1.0")  # Google's terms, whatever a row says
    assert not osm_compatible("equirect", None)


def test_licences_and_credits() -> None:
    assert normalise_licence("cc-by-sa-4.0") == "CC-BY-SA-4.0"
    assert normalise_licence("Etalab") == "etalab-2.0"
    assert normalise_licence("") is None
    assert attribution("Mapillary", "ana", "CC-BY-SA-4.0") == "© ana, Mapillary, CC BY-SA 4.0"
    assert attribution("Panoramax (x)", None, None) == "Panoramax (x)"


def test_signed_url_expiry_is_read_from_oe() -> None:
    expires = url_expiry("https://cdn.example/a.jpg?stp=x&oe=5F000000")
    assert expires is not None and expires.year == 2020
    assert url_expiry("https://cdn.example/a.jpg") is None
    assert url_expiry("https://cdn.example/a.jpg?oe=zz") is None
