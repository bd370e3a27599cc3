"""Tests for app.domain.triangulation: local projection and crossing bearing rays."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.triangulation import (
    Ray,
    destination,
    from_local,
    intersect_rays,
    ray_crossing,
    to_local,
)

FAST = settings(max_examples=200, deadline=None)
coords = st.floats(min_value=-500.0, max_value=500.0)


def bearing_to(x0: float, y0: float, x: float, y: float) -> float:
    return math.degrees(math.atan2(x - x0, y - y0)) % 360.0


@st.composite
def ray_geometries(draw: st.DrawFn) -> tuple[tuple[float, float], list[Ray]]:
    """A target point and 2-5 exact rays to it, with at least one 10° crossing."""
    target = (draw(coords), draw(coords))
    origins = draw(st.lists(st.tuples(coords, coords), min_size=2, max_size=5))
    assume(all(math.dist(o, target) > 5.0 for o in origins))
    rays = [Ray(x, y, bearing_to(x, y, *target), draw(st.floats(0.2, 5.0))) for x, y in origins]
    widest = max(abs(math.sin(math.radians(a.bearing - b.bearing))) for a in rays for b in rays)
    assume(widest > math.sin(math.radians(10.0)))
    return target, rays


def test_to_local_measures_metres_north_and_east() -> None:
    x, y = to_local(40.7, -74.0, 40.7 + 0.001, -74.0)
    assert math.isclose(y, 111.195, rel_tol=1e-4)
    assert abs(x) < 1e-9
    x, _ = to_local(40.7, -74.0, 40.7, -74.0 + 0.001)
    assert math.isclose(x, 111.195 * math.cos(math.radians(40.7)), rel_tol=1e-4)


@FAST
@given(
    st.floats(-70, 70),
    st.floats(-180, 180, exclude_max=True),
    st.floats(-5000, 5000),
    st.floats(-5000, 5000),
)
def test_from_local_inverts_to_local(lat0: float, lon0: float, x: float, y: float) -> None:
    lat, lon = from_local(lat0, lon0, x, y)
    x2, y2 = to_local(lat0, lon0, lat, lon)
    assert math.isclose(x2, x, abs_tol=1e-6)
    assert math.isclose(y2, y, abs_tol=1e-6)


@FAST
@given(st.floats(-60, 60), st.floats(-179, 179), st.floats(0, 360), st.floats(0, 2000))
def test_destination_agrees_with_the_local_plane_nearby(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    lat2, lon2 = destination(lat, lon, bearing, distance)
    x, y = to_local(lat, lon, lat2, lon2)
    assert math.hypot(x, y) == pytest.approx(distance, rel=1e-3, abs=1e-6)


def test_ray_crossing_of_perpendicular_rays() -> None:
    crossing = ray_crossing(Ray(0.0, 0.0, 90.0), Ray(10.0, -10.0, 0.0))
    assert crossing is not None
    x, y, range_a, range_b = crossing
    assert (round(x, 9), round(y, 9), round(range_a, 9), round(range_b, 9)) == (10, 0, 10, 10)


def test_ray_crossing_reports_negative_range_behind_a_ray() -> None:
    crossing = ray_crossing(Ray(0.0, 0.0, 270.0), Ray(10.0, -10.0, 0.0))
    assert crossing is not None
    assert crossing[2] < 0 < crossing[3]


def test_ray_crossing_of_near_parallel_rays_is_none() -> None:
    assert ray_crossing(Ray(0.0, 0.0, 0.0), Ray(5.0, 0.0, 1.0)) is None
    assert ray_crossing(Ray(0.0, 0.0, 0.0), Ray(5.0, 100.0, 180.5)) is None


@FAST
@given(ray_geometries())
def test_intersect_rays_recovers_the_point_from_exact_rays(
    geometry: tuple[tuple[float, float], list[Ray]],
) -> None:
    (tx, ty), rays = geometry
    result = intersect_rays(rays)
    assert result is not None
    assert math.hypot(result.x - tx, result.y - ty) < 1e-6
    assert result.rms_residual_m < 1e-6


@FAST
@given(ray_geometries(), st.floats(-1e5, 1e5), st.floats(-1e5, 1e5))
def test_intersect_rays_moves_with_its_rays(
    geometry: tuple[tuple[float, float], list[Ray]], dx: float, dy: float
) -> None:
    _, rays = geometry
    moved = [Ray(r.x + dx, r.y + dy, r.bearing, r.weight) for r in rays]
    here, there = intersect_rays(rays), intersect_rays(moved)
    assert here is not None and there is not None
    assert math.hypot(there.x - dx - here.x, there.y - dy - here.y) < 1e-6
    assert math.isclose(there.uncertainty_m, here.uncertainty_m, rel_tol=1e-6)


def test_two_exact_rays_still_claim_the_click_noise_floor() -> None:
    result = intersect_rays([Ray(0.0, 0.0, 90.0), Ray(10.0, -10.0, 0.0)])
    assert result is not None
    assert math.isclose(result.uncertainty_m, 10 * math.tan(math.radians(0.5)), rel_tol=1e-9)
    assert result.ranges == (10.0, 10.0)


def test_narrow_crossings_are_less_certain_than_wide_ones() -> None:
    wide = intersect_rays([Ray(-20.0, 0.0, 45.0), Ray(20.0, 0.0, 315.0)])
    narrow = intersect_rays([Ray(-2.0, 0.0, 5.71), Ray(2.0, 0.0, 354.29)])
    assert wide is not None and narrow is not None
    assert narrow.uncertainty_m > 3 * wide.uncertainty_m


def test_disagreeing_rays_report_their_residuals() -> None:
    rays = [Ray(0.0, 0.0, 45.0), Ray(20.0, 0.0, 315.0), Ray(10.0, -10.0, 5.0)]
    result = intersect_rays(rays)
    assert result is not None
    assert result.rms_residual_m > 0.1
    floor_only = intersect_rays(rays[:2])
    assert floor_only is not None
    assert result.uncertainty_m > floor_only.uncertainty_m


def test_point_behind_a_ray_is_rejected() -> None:
    assert intersect_rays([Ray(0.0, 0.0, 270.0), Ray(10.0, -10.0, 0.0)]) is None


def test_parallel_rays_are_rejected() -> None:
    assert intersect_rays([Ray(0.0, 0.0, 0.0), Ray(5.0, 0.0, 0.5), Ray(9.0, 0.0, 1.0)]) is None


def test_one_ray_is_not_enough() -> None:
    assert intersect_rays([Ray(0.0, 0.0, 0.0)]) is None
