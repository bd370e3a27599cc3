"""Decoder reliability and camera truth estimated jointly (DESIGN §5.4).

A binary Dawid-Skene model: each candidate camera is real with probability
`prevalence`; a decoder who could have seen it tags it with probability
`sensitivity` if it is real and `false_alarm` if it is not. EM alternates the
posterior of each candidate (E) with each decoder's rates (M). Known-answer
candidates keep their truth and so anchor the rates.

Caveat for readers of the rates: unknown candidates exist only because someone
tagged them. Real cameras that everybody missed are visible only through known
answers, so sensitivity runs optimistic; and a false candidate's viewers are
often the very decoder who created it, so false-alarm rates read as "share of
the dubious candidates you saw that you tagged" (~0.3 for a careful decoder,
~0.7 for a random tagger in simulation), not a per-look probability. They rank
decoders well; do not read them as absolute rates.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
# Stored rates come from a Beta posterior and never reach 0 or 1; clamp anyway
# so a hand-edited rate cannot make a log blow up.
_RATE_EPS = 1e-6


@dataclass(frozen=True)
class Candidate:
    """A candidate camera: who could have seen it, who tagged it, and known truth."""

    candidate_id: int
    viewers: frozenset[int]
    supporters: frozenset[int]
    truth: bool | None = None

    def __post_init__(self) -> None:
        if not self.supporters <= self.viewers:
            raise ValueError(f"candidate {self.candidate_id}: supporter not a viewer")


@dataclass(frozen=True)
class DecoderRates:
    """A decoder's estimated P(tag | real), P(tag | not real) and known-answer count."""

    sensitivity: float
    false_alarm: float
    n_known: int


@dataclass(frozen=True)
class ReliabilityResult:
    """Posterior P(real) per candidate, rates per decoder, prevalence, EM iterations."""

    posteriors: dict[int, float]
    decoders: dict[int, DecoderRates]
    prevalence: float
    iterations: int


@dataclass(frozen=True)
class _Votes:
    """Flattened (candidate, decoder, tagged) triples: one per viewer of a candidate."""

    cand: IntArray
    dec: IntArray
    tagged: FloatArray
    n_cand: int
    decoder_ids: npt.NDArray[np.int64]
    known: npt.NDArray[np.bool_]
    known_value: FloatArray
    initial: FloatArray


def _flatten(candidates: Sequence[Candidate]) -> _Votes:
    """Build index arrays once so every EM step is a handful of bincounts."""
    n = len(candidates)
    lengths = np.fromiter((len(c.viewers) for c in candidates), np.intp, count=n)
    total = int(lengths.sum())
    viewers = np.fromiter(chain.from_iterable(c.viewers for c in candidates), np.int64, count=total)
    tagged = np.fromiter(
        chain.from_iterable((v in c.supporters for v in c.viewers) for c in candidates),
        np.float64,
        count=total,
    )
    decoder_ids, dec = np.unique(viewers, return_inverse=True)
    cand = np.repeat(np.arange(n, dtype=np.intp), lengths)
    known = np.fromiter((c.truth is not None for c in candidates), bool, count=n)
    known_value = np.fromiter((c.truth is True for c in candidates), np.float64, count=n)
    # Start from the share of viewers who tagged it (majority-vote-like), which
    # also keeps EM away from the label-swapped solution.
    share = np.bincount(cand, weights=tagged, minlength=n)
    initial = np.where(lengths > 0, share / np.maximum(lengths, 1), 0.5)
    initial = np.where(known, known_value, initial)
    return _Votes(
        cand=cand,
        dec=dec.astype(np.intp).ravel(),
        tagged=tagged,
        n_cand=n,
        decoder_ids=decoder_ids,
        known=known,
        known_value=known_value,
        initial=initial,
    )


def _rates(votes: _Votes, q: FloatArray, prior: tuple[float, float], *, real: bool) -> FloatArray:
    """Per-decoder P(tag | real) (or | not real), priors as Beta pseudo-counts."""
    weight = q[votes.cand] if real else 1.0 - q[votes.cand]
    n_dec = len(votes.decoder_ids)
    hits = np.bincount(votes.dec, weights=weight * votes.tagged, minlength=n_dec)
    seen = np.bincount(votes.dec, weights=weight, minlength=n_dec)
    # (hits + a) / (seen + a + b): a decoder with few votes stays near the
    # prior's mean, and rates never reach 0 or 1 (whose logs would let one
    # vote overrule everything).
    a, b = prior
    rates: FloatArray = (hits + a) / (seen + a + b)
    return rates


def _prevalence(votes: _Votes, q: FloatArray) -> float:
    """Share of real cameras among unknown candidates (all if none), Beta(1,1)."""
    pool = q[~votes.known] if not votes.known.all() else q
    return float((pool.sum() + 1.0) / (len(pool) + 2.0))


def _posterior(
    votes: _Votes, sens: FloatArray, false_alarm: FloatArray, prevalence: float
) -> FloatArray:
    """E-step: P(real | tags) per candidate, summed as log-likelihood ratios."""
    log_ratio_tag = np.log(sens) - np.log(false_alarm)
    log_ratio_miss = np.log1p(-sens) - np.log1p(-false_alarm)
    per_vote = np.where(votes.tagged > 0, log_ratio_tag[votes.dec], log_ratio_miss[votes.dec])
    prior_logit = np.log(prevalence) - np.log1p(-prevalence)
    logit = np.bincount(votes.cand, weights=per_vote, minlength=votes.n_cand) + prior_logit
    # sigmoid(x) = exp(-log(1 + exp(-x))), overflow-free for any x.
    q: FloatArray = np.exp(-np.logaddexp(0.0, -logit))
    return np.where(votes.known, votes.known_value, q)


def estimate_reliability(
    candidates: Sequence[Candidate],
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    prior_sensitivity: tuple[float, float] = (8.0, 2.0),
    prior_false_alarm: tuple[float, float] = (1.0, 9.0),
) -> ReliabilityResult:
    """Estimate candidate posteriors and decoder rates by EM (Dawid-Skene)."""
    if min(*prior_sensitivity, *prior_false_alarm) <= 0:
        raise ValueError("prior pseudo-counts must be positive")
    ids = [c.candidate_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be unique")
    votes = _flatten(candidates)
    q = votes.initial
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        sens = _rates(votes, q, prior_sensitivity, real=True)
        false_alarm = _rates(votes, q, prior_false_alarm, real=False)
        updated = _posterior(votes, sens, false_alarm, _prevalence(votes, q))
        change = float(np.max(np.abs(updated - q), initial=0.0))
        q = updated
        if change < tol:
            break
    # Report rates and prevalence consistent with the final posteriors.
    sens = _rates(votes, q, prior_sensitivity, real=True)
    false_alarm = _rates(votes, q, prior_false_alarm, real=False)
    return ReliabilityResult(
        posteriors=dict(zip(ids, q.tolist(), strict=True)),
        decoders=_decoder_rates(votes, sens, false_alarm),
        prevalence=_prevalence(votes, q),
        iterations=iterations,
    )


def _decoder_rates(
    votes: _Votes, sens: FloatArray, false_alarm: FloatArray
) -> dict[int, DecoderRates]:
    """Package per-decoder rates with how many known answers each decoder saw."""
    n_known = np.bincount(
        votes.dec, weights=votes.known[votes.cand], minlength=len(votes.decoder_ids)
    )
    return {
        int(d): DecoderRates(sensitivity=s, false_alarm=f, n_known=int(k))
        for d, s, f, k in zip(
            votes.decoder_ids.tolist(),
            sens.tolist(),
            false_alarm.tolist(),
            n_known.tolist(),
            strict=True,
        )
    }


# The priors' means: what estimate_reliability assumes of a decoder it has no
# votes for (Beta(8, 2) sensitivity, Beta(1, 9) false alarm).
DEFAULT_RATES = DecoderRates(sensitivity=0.8, false_alarm=0.1, n_known=0)


def posterior_from_rates(
    candidate: Candidate,
    rates: Mapping[int, DecoderRates],
    *,
    prevalence: float = 0.5,
    default: DecoderRates = DEFAULT_RATES,
) -> float:
    """One E-step for a new candidate with decoder rates from an earlier EM run."""
    if candidate.truth is not None:
        return 1.0 if candidate.truth else 0.0
    if not 0.0 < prevalence < 1.0:
        raise ValueError("prevalence must be strictly between 0 and 1")
    logit = math.log(prevalence) - math.log1p(-prevalence)
    for viewer in sorted(candidate.viewers):
        r = rates.get(viewer, default)
        s = min(max(r.sensitivity, _RATE_EPS), 1.0 - _RATE_EPS)
        f = min(max(r.false_alarm, _RATE_EPS), 1.0 - _RATE_EPS)
        if viewer in candidate.supporters:
            logit += math.log(s) - math.log(f)
        else:
            logit += math.log1p(-s) - math.log1p(-f)
    # Overflow-free sigmoid.
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    z = math.exp(logit)
    return z / (1.0 + z)
