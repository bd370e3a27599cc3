"""The in-memory 5 m rule of panorama imports: distances and the location grid."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.imports.panorama_plan import Grid, PlannedLocation, metres

M_PER_DEG = 111_195.0  # of latitude, on the mean-radius sphere


def loc(i: int, lat: float, lon: float, task: int | None = None) -> PlannedLocation:
    return PlannedLocation(i, f"L{i}", lat, lon, task, None)


def test_metres_matches_a_known_distance() -> None:
    assert metres((40.0, -74.0), (40.0 + 10 / M_PER_DEG, -74.0)) == pytest.approx(10.0, rel=1e-6)


@given(st.floats(-80, 80), st.floats(-179, 179), st.floats(0, 2 * math.pi), st.floats(0.1, 4.9))
def test_the_grid_finds_any_point_within_5_m(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    dlat = distance * math.cos(bearing) / M_PER_DEG
    dlon = distance * math.sin(bearing) / (M_PER_DEG * math.cos(math.radians(lat)))
    grid = Grid([loc(1, lat + dlat, lon + dlon, task=7)])
    found = grid.nearest(lat, lon, only=lambda _: True)
    assert found is not None and found.task_id == 7


def test_the_grid_ignores_points_beyond_5_m_and_prefers_the_nearest() -> None:
    grid = Grid(
        [
            loc(1, 40.0 + 6 / M_PER_DEG, -74.0, task=1),
            loc(2, 40.0 + 4 / M_PER_DEG, -74.0, task=2),
            loc(3, 40.0 + 2 / M_PER_DEG, -74.0, task=None),
        ]
    )
    found = grid.nearest(40.0, -74.0, only=lambda c: c.task_id is not None)
    assert found is not None and found.id == 2
    assert grid.nearest(40.0 + 12 / M_PER_DEG, -74.0, only=lambda _: True) is None
