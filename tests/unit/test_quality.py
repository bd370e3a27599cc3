"""Tests for app.domain.quality: stratified samples, weighted ratios, bootstrap intervals."""

from typing import Any

import pytest

from app.domain.known_answers import KnownCamera
from app.domain.quality import (
    CameraMatch,
    CrowdRates,
    DecoderEvidence,
    Unit,
    bootstrap_interval,
    draw_sample,
    estimate,
    flag_reasons,
    match_cameras,
    poisson_rate_bounds,
    stratum_of,
    weighted_ratio,
    wilson_bounds,
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


CROWD = CrowdRates(
    sensitivity=0.75,
    false_alarm=0.25,
    cameras_per_look=1.5,
    known_precision=0.9,
    known_recall=0.8,
)


def _decoder(**fields: float | int | None) -> DecoderEvidence:
    base: dict[str, Any] = {"looks": 10, "sensitivity": 0.75, "false_alarm": 0.25}
    base.update(fields)
    return DecoderEvidence(**base)


def test_interval_helpers_match_hand_computed_values() -> None:
    # Wilson, 8 of 10: centre (0.8 + 1.92/10) / 1.384 = 0.7167, half 0.2166 (textbook values).
    low, high = wilson_bounds(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-3), pytest.approx(0.9433, abs=1e-3))
    assert wilson_bounds(0, 0) == (0.0, 1.0)
    # Jeffreys interval of a Poisson rate, 10 events in 10 looks: Gamma(10.5) quantiles, i.e.
    # chi-square quantiles on 21 degrees of freedom (10.283 and 35.479, from tables) halved.
    low, high = poisson_rate_bounds(10, 10)
    assert (low, high) == (pytest.approx(0.5142, abs=2e-3), pytest.approx(1.7740, abs=2e-3))


def test_a_sloppy_but_honest_decoder_is_not_flagged() -> None:
    # Below the crowd on every rate, but not credibly far below it.
    sloppy = _decoder(sensitivity=0.55, false_alarm=0.45, known_tasks=5, known_matched=5)
    sloppy = DecoderEvidence(**{**vars(sloppy), "known_cameras": 12, "known_tags": 7})
    assert flag_reasons(sloppy, CROWD) == []


def test_a_spammer_is_flagged_for_each_credible_shortfall() -> None:
    spammer = DecoderEvidence(
        looks=10,
        sensitivity=0.28,
        false_alarm=0.92,
        known_tasks=4,
        known_matched=0,
        known_cameras=8,
        known_tags=9,
    )
    assert flag_reasons(spammer, CROWD) == [
        "false_alarms",
        "sensitivity",
        "known_precision",
        "known_recall",
    ]


def test_too_little_evidence_flags_nobody() -> None:
    # Two answers and two known tasks: the rates may be bad, the evidence is not credible.
    newcomer = DecoderEvidence(
        looks=2,
        sensitivity=0.3,
        false_alarm=0.9,
        known_tasks=2,
        known_matched=0,
        known_cameras=2,
        known_tags=3,
    )
    assert flag_reasons(newcomer, CROWD) == []
    # Without a campaign model (no run yet) only known answers could flag.
    unrated = CrowdRates(None, None, None, None, None)
    assert flag_reasons(_decoder(sensitivity=0.1, false_alarm=3.0), unrated) == []
