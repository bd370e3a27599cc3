"""Tests for app.domain.quality: stratified samples, weighted ratios, bootstrap intervals."""

import pytest

from app.domain.known_answers import KnownCamera
from app.domain.quality import (
    CameraMatch,
    Unit,
    bootstrap_interval,
    draw_sample,
    estimate,
    match_cameras,
    stratum_of,
    weighted_ratio,
)


def test_stratum_joins_count_class_and_agreement() -> None:
    assert stratum_of(0, "Unanimous") == "0|Unanimous"
    assert stratum_of(4, "2 vs 1") == "3-4|2 vs 1"
    assert stratum_of(7, "All disagree") == "5+|All disagree"


def test_sample_is_reproducible_from_its_seed() -> None:
    population = {"0|Unanimous": list(range(100)), "1|2 vs 1": list(range(100, 110))}
    first, _ = draw_sample(population, per_stratum=5, seed=42)
    again, _ = draw_sample(population, per_stratum=5, seed=42)
    other, _ = draw_sample(population, per_stratum=5, seed=43)
    assert first == again
    assert [d.task_id for d in first] != [d.task_id for d in other]


def test_sample_weights_are_population_over_drawn() -> None:
    drawn, strata = draw_sample({"a": list(range(100)), "b": [1000, 1001]}, per_stratum=4, seed=1)
    weights = {d.stratum: d.weight for d in drawn}
    assert weights == {"a": 25.0, "b": 1.0}  # a small stratum is taken whole
    assert (strata["a"].population, strata["a"].drawn) == (100, 4)
    assert sorted(d.rank for d in drawn) == list(range(6))


def test_weighted_ratio_by_hand() -> None:
    # Σ w·crowd / Σ w·expert = (10·1 + 1·3) / (10·1 + 1·1) = 13 / 11.
    units = [Unit("a", 10.0, 1, 1), Unit("b", 1.0, 3, 1)]
    assert weighted_ratio(units) == pytest.approx(13 / 11)
    assert weighted_ratio([Unit("a", 1.0, 2, 0)]) is None


def test_bootstrap_of_one_task_per_stratum_is_the_point() -> None:
    # Each stratum holds one task, so every replicate redraws the same sample.
    low, high = bootstrap_interval([Unit("a", 10.0, 1, 1), Unit("b", 1.0, 3, 1)]) or (0, 0)
    assert low == pytest.approx(13 / 11) and high == pytest.approx(13 / 11)


def test_bootstrap_hand_computed_two_tasks() -> None:
    # One stratum, tasks A (crowd 2, expert 1) and B (crowd 1, expert 2). Resamples of two:
    # AA -> 4/2 = 2 (p 1/4), AB or BA -> 3/3 = 1 (p 1/2), BB -> 2/4 = 0.5 (p 1/4). Both
    # extremes hold 25 % of the mass, far more than the 2.5 % tails: the interval is [0.5, 2].
    units = [Unit("s", 1.0, 2, 1), Unit("s", 1.0, 1, 2)]
    result = estimate(units, seed=7)
    assert result.value == pytest.approx(1.0)
    assert (result.low, result.high) == (pytest.approx(0.5), pytest.approx(2.0))
    assert result.tasks == 2


def test_bootstrap_without_denominator_is_undefined() -> None:
    assert bootstrap_interval([Unit("s", 1.0, 1, 0)]) is None
    assert estimate([]).value is None


def test_camera_matching_per_category() -> None:
    expert = [
        KnownCamera(10, 5, "street_furniture", "dome_ptz"),
        KnownCamera(200, 8, "building", "bullet"),
    ]
    crowd = [
        KnownCamera(11, 5, "street_furniture", "dome_ptz"),
        KnownCamera(90, 5, "building", "bullet"),
    ]
    assert match_cameras(expert, crowd, category="all") == CameraMatch(2, 2, 1)
    assert match_cameras(expert, crowd, category="building") == CameraMatch(1, 1, 0)
    assert match_cameras(expert, crowd, category="dome_ptz") == CameraMatch(1, 1, 1)
