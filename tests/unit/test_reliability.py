"""Tests for app.domain.reliability: Dawid-Skene EM over candidate cameras."""

import numpy as np
import pytest

from app.domain.reliability import Candidate, ReliabilityResult, estimate_reliability

RELIABLE = range(40)
SPAMMERS = range(40, 45)


def simulate(
    seed: int, *, n_candidates: int = 3000, n_known: int = 150
) -> tuple[list[Candidate], dict[int, bool]]:
    """Reliable decoders tag real cameras and rarely anything else; spammers tag at random."""
    rng = np.random.default_rng(seed)
    sensitivity = {d: rng.uniform(0.75, 0.95) for d in RELIABLE} | dict.fromkeys(SPAMMERS, 0.4)
    false_alarm = {d: rng.uniform(0.02, 0.10) for d in RELIABLE} | dict.fromkeys(SPAMMERS, 0.4)
    candidates: list[Candidate] = []
    truth: dict[int, bool] = {}
    for cid in range(n_candidates + n_known):
        real = bool(rng.random() < 0.5)
        viewers = frozenset(int(v) for v in rng.choice(45, size=3, replace=False))
        rate = sensitivity if real else false_alarm
        supporters = frozenset(v for v in viewers if rng.random() < rate[v])
        known = cid >= n_candidates
        if not supporters and not known:
            continue  # an unknown candidate exists only because someone tagged it
        truth[cid] = real
        candidates.append(Candidate(cid, viewers, supporters, real if known else None))
    return candidates, truth


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random real candidate outscores a random fake one."""
    s, y = np.array(scores), np.array(labels)
    pos, neg = s[y], s[~y]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


@pytest.fixture(scope="module")
def simulated() -> tuple[list[Candidate], dict[int, bool], ReliabilityResult]:
    candidates, truth = simulate(seed=11)
    return candidates, truth, estimate_reliability(candidates)


def test_posteriors_separate_real_from_fake_candidates(
    simulated: tuple[list[Candidate], dict[int, bool], ReliabilityResult],
) -> None:
    candidates, truth, result = simulated
    unknown = [c.candidate_id for c in candidates if c.truth is None]
    scores = [result.posteriors[c] for c in unknown]
    labels = [truth[c] for c in unknown]
    assert auc(scores, labels) > 0.9
    accuracy = np.mean([(s > 0.5) == y for s, y in zip(scores, labels, strict=True)])
    assert accuracy > 0.9


def test_spammers_get_low_sensitivity_and_high_false_alarm(
    simulated: tuple[list[Candidate], dict[int, bool], ReliabilityResult],
) -> None:
    _, _, result = simulated
    spam = [result.decoders[d] for d in SPAMMERS]
    good = [result.decoders[d] for d in RELIABLE]
    assert max(r.sensitivity for r in spam) < min(r.sensitivity for r in good)
    assert min(r.false_alarm for r in spam) > max(r.false_alarm for r in good)
    assert all(r.false_alarm > 0.25 for r in spam)


def test_known_answers_fix_their_posteriors() -> None:
    candidates = [
        Candidate(1, frozenset({1, 2, 3}), frozenset(), truth=True),  # everyone missed it
        Candidate(2, frozenset({1, 2, 3}), frozenset({1, 2, 3}), truth=False),
        Candidate(3, frozenset({1, 2, 3}), frozenset({1, 2})),
    ]
    result = estimate_reliability(candidates)
    assert result.posteriors[1] == 1.0
    assert result.posteriors[2] == 0.0
    assert 0.0 < result.posteriors[3] < 1.0


def test_known_answers_are_counted_per_decoder() -> None:
    candidates = [
        Candidate(1, frozenset({1, 2}), frozenset({1}), truth=True),
        Candidate(2, frozenset({1}), frozenset({1})),
    ]
    result = estimate_reliability(candidates)
    assert (result.decoders[1].n_known, result.decoders[2].n_known) == (1, 1)


def test_missing_known_cameras_lowers_sensitivity() -> None:
    finds = [Candidate(i, frozenset({1}), frozenset({1}), truth=True) for i in range(20)]
    misses = [Candidate(100 + i, frozenset({2}), frozenset(), truth=True) for i in range(20)]
    result = estimate_reliability(finds + misses)
    assert result.decoders[1].sensitivity > 0.9
    assert result.decoders[2].sensitivity < 0.3


def test_a_decoder_with_one_vote_stays_near_the_prior() -> None:
    result = estimate_reliability([Candidate(1, frozenset({7}), frozenset(), truth=True)])
    assert result.decoders[7].sensitivity == pytest.approx(8 / 11)
    assert result.decoders[7].false_alarm == pytest.approx(0.1)


def test_estimates_are_deterministic() -> None:
    candidates, _ = simulate(seed=3, n_candidates=500, n_known=20)
    assert estimate_reliability(candidates) == estimate_reliability(candidates)


def test_em_stops_when_converged() -> None:
    candidates, _ = simulate(seed=5, n_candidates=500, n_known=20)
    result = estimate_reliability(candidates, max_iter=500)
    assert 1 <= result.iterations < 500
    assert 0.0 < result.prevalence < 1.0


def test_no_candidates_give_an_empty_result() -> None:
    result = estimate_reliability([])
    assert (result.posteriors, result.decoders) == ({}, {})


def test_supporters_must_be_viewers() -> None:
    with pytest.raises(ValueError):
        Candidate(1, frozenset({1}), frozenset({2}))


def test_duplicate_candidate_ids_are_rejected() -> None:
    twice = [Candidate(1, frozenset({1}), frozenset()), Candidate(1, frozenset({2}), frozenset())]
    with pytest.raises(ValueError):
        estimate_reliability(twice)


def test_posterior_from_rates_rises_with_each_reliable_tag() -> None:
    from app.domain.reliability import DecoderRates, posterior_from_rates

    rates = {
        1: DecoderRates(0.9, 0.05, 0),
        2: DecoderRates(0.9, 0.05, 0),
        3: DecoderRates(0.9, 0.05, 0),
    }
    viewers = frozenset({1, 2, 3})
    one = posterior_from_rates(Candidate(1, viewers, frozenset({1})), rates)
    two = posterior_from_rates(Candidate(2, viewers, frozenset({1, 2})), rates)
    three = posterior_from_rates(Candidate(3, viewers, frozenset({1, 2, 3})), rates)
    assert one < 0.5 < two < three < 1.0


def test_posterior_from_rates_discounts_a_spammer() -> None:
    from app.domain.reliability import DecoderRates, posterior_from_rates

    spammer = {1: DecoderRates(0.4, 0.6, 0)}
    careful = {1: DecoderRates(0.9, 0.05, 0)}
    cand = Candidate(1, frozenset({1, 2, 3}), frozenset({1}))
    assert posterior_from_rates(cand, spammer) < posterior_from_rates(cand, careful)


def test_posterior_from_rates_agrees_with_one_em_e_step() -> None:
    from app.domain.reliability import posterior_from_rates

    candidates, _ = simulate(3, n_candidates=400, n_known=40)
    result = estimate_reliability(candidates)
    for cand in candidates[:50]:
        if cand.truth is None:
            again = posterior_from_rates(cand, result.decoders, prevalence=result.prevalence)
            assert again == pytest.approx(result.posteriors[cand.candidate_id], abs=1e-4)


def test_posterior_from_rates_keeps_known_truth() -> None:
    from app.domain.reliability import posterior_from_rates

    assert posterior_from_rates(Candidate(1, frozenset({1}), frozenset(), truth=True), {}) == 1.0
