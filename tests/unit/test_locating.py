"""Tests for app.domain.locating: distance from a base click or a pitch prior."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.locating import (
    CAMERA_HEIGHT_M,
    MAX_RANGE_M,
    MIN_RANGE_M,
    distance_from_base,
    range_from_base,
    range_from_pitch,
)

FAST = settings(max_examples=200, deadline=None)
attachments = st.sampled_from(["street_furniture", "building", "other"])


def test_base_at_45_degrees_down_is_camera_height_away() -> None:
    assert distance_from_base(-45.0) == pytest.approx(CAMERA_HEIGHT_M)


def test_base_distance_uses_the_given_camera_height() -> None:
    assert distance_from_base(-45.0, camera_height=3.0) == pytest.approx(3.0)


def test_base_near_the_horizon_gives_no_distance() -> None:
    assert distance_from_base(-0.5) is None
    assert distance_from_base(-1.0) is None
    assert distance_from_base(10.0) is None


def test_range_from_base_is_a_base_click_estimate() -> None:
    estimate = range_from_base(-math.degrees(math.atan(2.5 / 20.0)))
    assert estimate is not None
    assert estimate.method == "base_click"
    assert estimate.distance_m == pytest.approx(20.0)


def test_base_click_uncertainty_grows_toward_the_horizon() -> None:
    near, far = range_from_base(-20.0), range_from_base(-2.0)
    assert near is not None and far is not None
    assert far.uncertainty_m > 10 * near.uncertainty_m


def test_base_click_uncertainty_scales_with_the_noise() -> None:
    quiet, noisy = range_from_base(-5.0, noise_deg=0.3), range_from_base(-5.0, noise_deg=0.6)
    assert quiet is not None and noisy is not None
    assert noisy.uncertainty_m == pytest.approx(2 * quiet.uncertainty_m)


def test_range_from_base_near_the_horizon_is_none() -> None:
    assert range_from_base(-0.2) is None


def test_pitch_prior_puts_a_pole_camera_at_its_mount_height() -> None:
    # Street furniture mounts at 4.5 m: 2 m above the camera, seen 11.31° up.
    estimate = range_from_pitch(math.degrees(math.atan(2.0 / 10.0)), "street_furniture")
    assert estimate.distance_m == pytest.approx(10.0)
    assert estimate.method == "pitch_prior"


def test_pitch_prior_clamps_to_the_plausible_band() -> None:
    assert range_from_pitch(1.5, "street_furniture").distance_m == MAX_RANGE_M
    assert range_from_pitch(85.0, "street_furniture").distance_m == 3.0


def test_pitch_at_the_horizon_falls_back_to_a_wide_default() -> None:
    # Under 1° the camera is far or mounted at eye height: the clamp, spanning the band.
    estimate = range_from_pitch(0.5, "building")
    assert estimate.method == "pitch_prior"
    assert estimate.distance_m == MAX_RANGE_M
    assert estimate.uncertainty_m == MAX_RANGE_M - MIN_RANGE_M


def test_pitch_prior_is_less_sure_than_a_base_click() -> None:
    prior = range_from_pitch(math.degrees(math.atan(2.0 / 10.0)), "street_furniture")
    base = range_from_base(-math.degrees(math.atan(2.5 / 10.0)))
    assert base is not None
    assert prior.uncertainty_m > 3 * base.uncertainty_m


def test_unknown_attachment_is_rejected() -> None:
    with pytest.raises(ValueError):
        range_from_pitch(10.0, "tree")


@FAST
@given(st.floats(-90, 90), attachments)
def test_pitch_prior_always_lands_in_the_plausible_band(pitch: float, attachment: str) -> None:
    estimate = range_from_pitch(pitch, attachment)
    assert 3.0 <= estimate.distance_m <= 40.0
    assert 0.0 < estimate.uncertainty_m <= 37.0


@FAST
@given(st.floats(-89.9, -1.01))
def test_base_distance_is_positive_and_shrinks_as_the_click_drops(pitch: float) -> None:
    here, lower = distance_from_base(pitch), distance_from_base(pitch - 0.05)
    assert here is not None and lower is not None
    assert 0.0 < lower < here


def test_mount_heights_take_the_measured_median_once_there_are_enough() -> None:
    from app.domain.locating import MIN_HEIGHT_SAMPLES, MOUNT_HEIGHT_PRIOR_M, mount_heights

    many = [("building", 5.0 + 0.1 * (k % 11)) for k in range(MIN_HEIGHT_SAMPLES)]
    few = [("street_furniture", 8.0)] * (MIN_HEIGHT_SAMPLES - 1)
    misfits = [("building", 1.0), ("building", 35.0)] * 10
    heights = mount_heights([*many, *few, *misfits])
    assert heights["building"][0] == pytest.approx(5.5, abs=0.05)
    assert heights["building"][1] >= 0.5
    assert heights["street_furniture"] == MOUNT_HEIGHT_PRIOR_M["street_furniture"]
    assert heights["other"] == MOUNT_HEIGHT_PRIOR_M["other"]


def test_pitch_prior_uses_the_given_heights() -> None:
    prior = range_from_pitch(10.0, "building")
    measured = range_from_pitch(10.0, "building", heights={"building": (6.5, 1.0)})
    assert measured.distance_m == pytest.approx(4.0 / math.tan(math.radians(10.0)))
    assert measured.distance_m > prior.distance_m


def test_range_clamp_falls_back_to_the_fixed_clamp_without_enough_measured_ranges() -> None:
    from app.domain.locating import MIN_RANGE_SAMPLES, range_clamp

    assert range_clamp([]) == MAX_RANGE_M
    assert range_clamp([12.0] * (MIN_RANGE_SAMPLES - 1)) == MAX_RANGE_M
    # Misfits (under MIN_RANGE_M, not finite) do not count towards the samples.
    misfits = [1.0, math.nan, math.inf] * MIN_RANGE_SAMPLES
    assert range_clamp([25.0] * (MIN_RANGE_SAMPLES - 1) + misfits) == MAX_RANGE_M


def test_range_clamp_is_the_quantile_of_the_measured_ranges() -> None:
    from app.domain.locating import RANGE_QUANTILE, range_clamp

    ranges = [float(d) for d in range(5, 46)]  # 5..45 m, evenly
    assert range_clamp(ranges) == pytest.approx(5 + RANGE_QUANTILE * 40, abs=0.05)
    assert range_clamp(list(reversed(ranges))) == range_clamp(ranges)


def test_range_clamp_stays_within_its_bounds() -> None:
    from app.domain.locating import MIN_RANGE_SAMPLES, RANGE_CLAMP_BOUNDS_M, range_clamp

    low, high = RANGE_CLAMP_BOUNDS_M
    assert range_clamp([8.0] * MIN_RANGE_SAMPLES) == low
    assert range_clamp([80.0] * MIN_RANGE_SAMPLES) == high


@given(st.lists(st.floats(0.0, 200.0), max_size=80))
@FAST
def test_range_clamp_is_bounded_and_order_free(ranges: list[float]) -> None:
    from app.domain.locating import RANGE_CLAMP_BOUNDS_M, range_clamp

    clamp = range_clamp(ranges)
    assert RANGE_CLAMP_BOUNDS_M[0] <= clamp <= RANGE_CLAMP_BOUNDS_M[1]
    assert range_clamp(sorted(ranges)) == clamp


def test_pitch_prior_takes_the_given_clamp() -> None:
    far = range_from_pitch(2.0, "street_furniture", max_range_m=25.0)
    assert far.distance_m == 25.0
    assert far.uncertainty_m <= 25.0 - MIN_RANGE_M
    horizon = range_from_pitch(0.5, "building", max_range_m=25.0)
    assert (horizon.distance_m, horizon.uncertainty_m) == (25.0, 25.0 - MIN_RANGE_M)
    default = range_from_pitch(0.5, "building")
    assert (default.distance_m, default.uncertainty_m) == (MAX_RANGE_M, MAX_RANGE_M - MIN_RANGE_M)
    near = range_from_pitch(20.0, "street_furniture", max_range_m=25.0)
    assert near == range_from_pitch(20.0, "street_furniture")
