"""Tests for app.domain.sphere: directions in Street View's point-of-view convention."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.sphere import (
    angular_distance,
    circular_mean,
    direction_vector,
    field_of_view,
    mean_direction,
    normalize_heading,
)

headings = st.floats(min_value=0.0, max_value=360.0, exclude_max=True)
pitches = st.floats(min_value=-89.0, max_value=89.0)
FAST = settings(max_examples=200, deadline=None)


def close(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1e-12) -> bool:
    return all(math.isclose(x, y, abs_tol=tol) for x, y in zip(a, b, strict=True))


def test_direction_vector_points_north_east_and_up() -> None:
    assert close(direction_vector(0.0, 0.0), (0.0, 1.0, 0.0))
    assert close(direction_vector(90.0, 0.0), (1.0, 0.0, 0.0))
    assert close(direction_vector(123.0, 90.0), (0.0, 0.0, 1.0))


@FAST
@given(headings, pitches)
def test_direction_vector_is_unit_length(heading: float, pitch: float) -> None:
    assert math.isclose(math.hypot(*direction_vector(heading, pitch)), 1.0, rel_tol=1e-12)


def test_angular_distance_wraps_around_north() -> None:
    assert math.isclose(angular_distance(359.0, 0.0, 1.0, 0.0), 2.0, rel_tol=1e-9)


def test_angular_distance_is_exact_for_tiny_angles() -> None:
    assert math.isclose(angular_distance(10.0, 5.0, 10.0, 5.0 + 1e-7), 1e-7, rel_tol=1e-6)


def test_angular_distance_between_opposite_directions_is_180() -> None:
    assert math.isclose(angular_distance(0.0, 0.0, 180.0, 0.0), 180.0)


@FAST
@given(headings, pitches, headings, pitches)
def test_angular_distance_matches_the_vector_angle(
    h1: float, p1: float, h2: float, p2: float
) -> None:
    a, b = direction_vector(h1, p1), direction_vector(h2, p2)
    dot = max(-1.0, min(1.0, sum(x * y for x, y in zip(a, b, strict=True))))
    expected = math.degrees(math.acos(dot))
    assert math.isclose(angular_distance(h1, p1, h2, p2), expected, abs_tol=1e-5)
    assert math.isclose(angular_distance(h1, p1, h2, p2), angular_distance(h2, p2, h1, p1))


def test_circular_mean_of_angles_straddling_north_is_north() -> None:
    assert math.isclose(circular_mean([350.0, 10.0]), 0.0, abs_tol=1e-9)


def test_circular_mean_follows_the_weights() -> None:
    assert math.isclose(circular_mean([0.0, 90.0], [1.0, 0.0]), 0.0, abs_tol=1e-9)
    assert math.isclose(circular_mean([0.0, 90.0], [1.0, 1.0]), 45.0)


@FAST
@given(st.lists(headings, min_size=1, max_size=6))
def test_circular_mean_lies_in_range(angles: list[float]) -> None:
    assert 0.0 <= circular_mean(angles) < 360.0


@FAST
@given(
    st.lists(st.floats(min_value=-20.0, max_value=20.0), min_size=1, max_size=6),
    headings,
)
def test_circular_mean_rotates_with_its_angles(offsets: list[float], rotation: float) -> None:
    expected = normalize_heading(rotation + sum(offsets) / len(offsets))
    got = circular_mean([rotation + o for o in offsets])
    assert angular_distance(got, 0.0, expected, 0.0) < 0.5


def test_mean_direction_of_two_points_is_their_great_circle_midpoint() -> None:
    heading, pitch = mean_direction([(358.0, 10.0), (2.0, 10.0)])
    assert angular_distance(heading, 0.0, 0.0, 0.0) < 1e-9
    to_first = angular_distance(heading, pitch, 358.0, 10.0)
    to_second = angular_distance(heading, pitch, 2.0, 10.0)
    assert math.isclose(to_first, to_second, rel_tol=1e-9)
    assert math.isclose(to_first * 2, angular_distance(358.0, 10.0, 2.0, 10.0), rel_tol=1e-9)


def test_mean_direction_averages_pitch() -> None:
    _, pitch = mean_direction([(45.0, 0.0), (45.0, 20.0)])
    assert math.isclose(pitch, 10.0, rel_tol=1e-9)


def test_field_of_view_halves_with_each_zoom_step() -> None:
    assert [field_of_view(z) for z in (0, 1, 2, 3)] == [180.0, 90.0, 45.0, 22.5]


def test_normalize_heading_folds_into_0_360() -> None:
    assert normalize_heading(-10.0) == 350.0
    assert normalize_heading(360.0) == 0.0
    assert normalize_heading(725.0) == 5.0
    assert normalize_heading(-1e-17) == 0.0
