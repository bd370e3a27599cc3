"""The selection-aware reliability model (app.domain.reliability.py)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.reliability import (
    Candidate,
    CrowdModel,
    DecoderRates,
    estimate_reliability,
    histogram_start,
    posterior_from_rates,
)


def campaign(
    seed: int, *, panoramas: int = 800
) -> tuple[list[Candidate], dict[int, bool], dict[int, int]]:
    """Three viewers per panorama, misses and false tags, no known answers."""
    rng = random.Random(seed)
    decoders = list(range(120))
    sens = {d: rng.uniform(0.25, 0.7) for d in decoders}
    false = {d: rng.uniform(0.02, 0.2) for d in decoders}
    out: list[Candidate] = []
    truth: dict[int, bool] = {}
    looks: dict[int, int] = {}
    for _ in range(panoramas):
        viewers = rng.sample(decoders, 3)
        for d in viewers:
            looks[d] = looks.get(d, 0) + 1
        for _ in range(rng.choice((0, 1, 1, 2))):
            tagged = frozenset(d for d in viewers if rng.random() < sens[d])
            if tagged:
                truth[len(out)] = True
                out.append(Candidate(len(out), frozenset(viewers), tagged))
        for d in viewers:
            if rng.random() < false[d]:
                truth[len(out)] = False
                out.append(Candidate(len(out), frozenset(viewers), frozenset({d})))
    return out, truth, looks


def test_clusters_tagged_by_two_or_three_of_three_are_near_certain_without_known_answers() -> None:
    cands, _, looks = campaign(1)
    result = estimate_reliability(cands, looks=looks)
    for c in cands:
        if len(c.supporters) >= 2:
            assert result.posteriors[c.candidate_id] > 0.9


def test_decoder_rates_stay_plausible_without_known_answers() -> None:
    cands, _, looks = campaign(2)
    result = estimate_reliability(cands, looks=looks)
    mean_sens = sum(r.sensitivity for r in result.decoders.values()) / len(result.decoders)
    mean_false = sum(r.false_alarm for r in result.decoders.values()) / len(result.decoders)
    assert 0.3 < mean_sens < 0.65  # the crowd's true mean is 0.475
    assert 0.03 < mean_false < 0.25  # false tags per look; true mean 0.11
    assert result.model.coincidence < 0.05
    assert not result.model.anchored


def test_singletons_are_uncertain_and_real_ones_rank_higher() -> None:
    cands, truth, looks = campaign(3)
    result = estimate_reliability(cands, looks=looks)
    singles = [c for c in cands if len(c.supporters) == 1]
    real = [result.posteriors[c.candidate_id] for c in singles if truth[c.candidate_id]]
    fake = [result.posteriors[c.candidate_id] for c in singles if not truth[c.candidate_id]]
    assert 0.1 < sum(real) / len(real) < 0.95
    assert sum(real) / len(real) > sum(fake) / len(fake)


def test_the_agreement_histogram_gives_sensitivity_and_the_share_of_real() -> None:
    # Binomial(3, 0.5) for 1,000 real cameras seen: 429 / 429 / 143 of k = 1 / 2 / 3, + 300 false.
    s, real = histogram_start({1: 429 + 300, 2: 429, 3: 143}, 3)
    assert abs(s - 0.5) < 0.02
    assert abs(real - 1001 / 1301) < 0.03


def test_known_answers_fix_posteriors_and_anchor_the_model() -> None:
    cands, truth, looks = campaign(4)
    known = [
        Candidate(c.candidate_id, c.viewers, c.supporters, truth[c.candidate_id])
        if i % 5 == 0
        else c
        for i, c in enumerate(cands)
    ]
    result = estimate_reliability(known, looks=looks)
    assert result.model.anchored
    for i, c in enumerate(known):
        if i % 5 == 0:
            assert result.posteriors[c.candidate_id] == (1.0 if truth[c.candidate_id] else 0.0)


def test_a_known_camera_nobody_found_lowers_its_viewers_sensitivity() -> None:
    cands, _, looks = campaign(5, panoramas=200)
    base = estimate_reliability(cands, looks=looks)
    victim = next(iter(cands[0].viewers))
    missed = [
        Candidate(10_000 + k, frozenset({victim}), frozenset(), True, selected=False)
        for k in range(20)
    ]
    worse = estimate_reliability([*cands, *missed], looks=looks)
    assert worse.decoders[victim].sensitivity < base.decoders[victim].sensitivity


def test_estimates_are_deterministic() -> None:
    cands, _, looks = campaign(6, panoramas=150)
    assert estimate_reliability(cands, looks=looks) == estimate_reliability(cands, looks=looks)


def test_posterior_from_rates_agrees_with_the_model_and_keeps_known_truth() -> None:
    model = CrowdModel(prevalence=0.6, sensitivity=0.5, false_alarm=0.1, coincidence=0.02)
    rates = {1: DecoderRates(0.5, 0.1, 0), 2: DecoderRates(0.5, 0.1, 0)}
    everyone = frozenset({1, 2, 3})
    one = posterior_from_rates(Candidate(0, everyone, frozenset({1})), rates, model=model)
    two = posterior_from_rates(Candidate(0, everyone, frozenset({1, 2})), rates, model=model)
    three = posterior_from_rates(Candidate(0, everyone, everyone), rates, model=model)
    assert one < two < three
    assert three > 0.99
    known = Candidate(0, everyone, frozenset(), truth=False, selected=False)
    assert posterior_from_rates(known, rates, model=model) == 0.0


def test_posterior_from_rates_reproduces_the_fitted_posteriors() -> None:
    cands, _, looks = campaign(4, panoramas=300)
    result = estimate_reliability(cands, looks=looks)
    for c in cands[:200]:
        again = posterior_from_rates(c, result.decoders, model=result.model)
        assert abs(again - result.posteriors[c.candidate_id]) < 1e-9


def test_em_reaches_its_fixed_point_well_within_the_iteration_budget() -> None:
    cands, _, looks = campaign(5, panoramas=2000)
    result = estimate_reliability(cands, looks=looks)
    assert result.iterations < 150


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5))
def test_a_cluster_tagged_by_every_viewer_is_likely_whatever_the_campaign(
    seed: int, n: int
) -> None:
    rng = random.Random(seed)
    cands = []
    for k in range(rng.randint(1, 120)):
        viewers = frozenset(rng.sample(range(40), n))
        tagged = frozenset(d for d in viewers if rng.random() < rng.random())
        cands.append(Candidate(k, viewers, tagged or frozenset({min(viewers)})))
    everyone = frozenset(rng.sample(range(40), n))
    cands.append(Candidate(-1, everyone, everyone))
    result = estimate_reliability(cands)
    assert result.posteriors[-1] > 0.5
