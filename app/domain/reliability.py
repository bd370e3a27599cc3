"""Decoder reliability and camera truth, well-posed without known answers (DESIGN §5.4).

Candidates exist only because somebody tagged them, so the likelihood is conditioned on
that selection:

- a **real** camera is tagged by each viewer d with probability s_d (sensitivity); given
  that it became a candidate, P(S | real) = prod_S s_d prod_{V-S} (1 - s_d) / (1 - P0),
  P0 = prod_V (1 - s_d) (zero-truncated: the all-missed cameras are never observed);
- a **false** candidate is a spurious tag: one creator among the viewers, drawn in
  proportion to each viewer's false tags per look lambda_d, and every other viewer tags
  the same spot by coincidence with a campaign-wide probability c:
  P(S | false) = (sum_S lambda_d / sum_V lambda_d) c^(|S|-1) (1 - c)^(|V|-|S|).

A symmetric "tagged / did not tag" false-alarm model makes the creator of a false
candidate look like a decoder who tags everything, and with a free prevalence it
degenerates on selected data (every rate drifts to 0.25-0.45, a 3-of-3 cluster gets 0.3).
Here the creator is explained by lambda and agreement by c, which is small.

Estimation is EM. Truncation is handled by the classical augmentation: each real
candidate stands for P0 / (1 - P0) unseen all-missed copies, which add "not tagged" to
its viewers' counts (closed-form M-step). Priors, all empirical Bayes from the campaign:
- start values from the agreement histogram (app.domain.reliability.histogram_start):
  the ratio of all-N to (N-1)-of-N clusters gives the campaign's sensitivity, since
  false candidates almost never gather N - 1 supporters; that fixes how many singletons
  real cameras explain, and the rest are false;
- each decoder's s_d and lambda_d are shrunk towards the campaign's pooled rates with
  SHRINK pseudo-looks (a decoder with 10 looks sits halfway between own and campaign);
- c has a Beta(1, 49) prior (mean 0.02): two volunteers clicking the same spurious spot
  within a few degrees is rare;
- the prevalence among candidates has a Beta(1, 1) prior.
Known answers (truth) fix their candidates' posteriors; known cameras that nobody found
enter unselected (no truncation term), which is what anchors sensitivity in absolute terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SHRINK = 10.0  # pseudo-looks pulling a decoder's rates towards the campaign's
COINCIDENCE_PRIOR = (1.0, 49.0)
PREVALENCE_PRIOR = (1.0, 1.0)
# Rates are clamped away from 0 and 1 so that no single vote can overrule everything.
_EPS = 1e-4
# A model is anchored when known answers say which candidates are real and which are not.
MIN_ANCHORS = 20


@dataclass(frozen=True)
class Candidate:
    """A candidate camera: who could have seen it, who tagged it, truth, and selection."""

    candidate_id: int
    viewers: frozenset[int]
    supporters: frozenset[int]
    truth: bool | None = None
    # False for a known camera that no cluster matched: it exists regardless of tags.
    selected: bool = True

    def __post_init__(self) -> None:
        if not self.supporters <= self.viewers:
            raise ValueError(f"candidate {self.candidate_id}: supporter not a viewer")


@dataclass(frozen=True)
class DecoderRates:
    """A decoder's P(tag | real camera), false tags per look and known-answer count."""

    sensitivity: float
    false_alarm: float  # false tags per look (panorama)
    n_known: int


@dataclass(frozen=True)
class CrowdModel:
    """Campaign-level parameters: what a decoder with no votes is assumed to do."""

    prevalence: float
    sensitivity: float
    false_alarm: float
    coincidence: float
    anchored: bool = False


@dataclass(frozen=True)
class ReliabilityResult:
    """Posterior P(real) per candidate, rates per decoder, the campaign model, iterations."""

    posteriors: dict[int, float]
    decoders: dict[int, DecoderRates]
    model: CrowdModel
    iterations: int

    @property
    def prevalence(self) -> float:
        """Share of real cameras among the unknown candidates."""
        return self.model.prevalence


DEFAULT_MODEL = CrowdModel(prevalence=0.5, sensitivity=0.6, false_alarm=0.1, coincidence=0.02)


def histogram_start(histogram: Mapping[int, int], n: int) -> tuple[float, float]:
    """(sensitivity, share of real) from counts of clusters with k of n supporters."""
    total = sum(histogram.values())
    if n < 2 or total == 0:
        return DEFAULT_MODEL.sensitivity, DEFAULT_MODEL.prevalence
    top, below = histogram.get(n, 0), histogram.get(n - 1, 0)
    # h_n / h_(n-1) = s / (n (1 - s)) for a binomial(n, s); +0.5 keeps it finite.
    r = (top + 0.5) / (below + 0.5)
    s = min(0.95, max(0.05, n * r / (1 + n * r)))
    p0 = (1 - s) ** n
    multi = sum(v for k, v in histogram.items() if k >= 2)
    p_multi = (1 - p0 - n * s * (1 - s) ** (n - 1)) / (1 - p0)
    real = multi / p_multi if n >= 2 else total * 0.5
    return s, min(0.95, max(0.05, real / total))


@dataclass(frozen=True)
class _Votes:
    cand: IntArray
    dec: IntArray
    tagged: FloatArray
    n_cand: int
    n_view: FloatArray
    n_sup: FloatArray
    selected: npt.NDArray[np.bool_]
    known: npt.NDArray[np.bool_]
    known_value: FloatArray
    decoder_ids: npt.NDArray[np.int64]
    looks: FloatArray


def _flatten(candidates: Sequence[Candidate], looks: Mapping[int, int] | None) -> _Votes:
    n = len(candidates)
    lengths = np.fromiter((len(c.viewers) for c in candidates), np.intp, count=n)
    total = int(lengths.sum())
    order = [sorted(c.viewers) for c in candidates]
    viewers = np.fromiter(chain.from_iterable(order), np.int64, count=total)
    tagged = np.fromiter(
        chain.from_iterable(
            (v in c.supporters for v in o) for c, o in zip(candidates, order, strict=True)
        ),
        np.float64,
        count=total,
    )
    decoder_ids, dec = np.unique(viewers, return_inverse=True)
    dec = dec.astype(np.intp).ravel()
    cand = np.repeat(np.arange(n, dtype=np.intp), lengths)
    views = np.bincount(dec, minlength=len(decoder_ids)).astype(np.float64)
    if looks is not None:
        given = np.array([float(looks.get(int(d), 0)) for d in decoder_ids])
        views = np.maximum(given, 1.0)
    return _Votes(
        cand=cand,
        dec=dec,
        tagged=tagged,
        n_cand=n,
        n_view=lengths.astype(np.float64),
        n_sup=np.asarray(np.bincount(cand, weights=tagged, minlength=n), dtype=np.float64),
        selected=np.fromiter((c.selected for c in candidates), bool, count=n),
        known=np.fromiter((c.truth is not None for c in candidates), bool, count=n),
        known_value=np.fromiter((c.truth is True for c in candidates), np.float64, count=n),
        decoder_ids=decoder_ids,
        looks=views,
    )


def _log_likelihoods(
    v: _Votes, sens: FloatArray, lam: FloatArray, c: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(log L_real, log L_false, P0) per candidate."""
    ls, lm = np.log(sens)[v.dec], np.log1p(-sens)[v.dec]
    log_p0 = np.bincount(v.cand, weights=lm, minlength=v.n_cand)
    per_vote = np.where(v.tagged > 0, ls, lm)
    log_real = np.asarray(np.bincount(v.cand, weights=per_vote, minlength=v.n_cand), np.float64)
    p0: FloatArray = np.exp(log_p0)
    trunc = np.where(v.selected, np.log(np.maximum(1.0 - p0, 1e-300)), 0.0)
    log_real = log_real - trunc
    lam_v = np.bincount(v.cand, weights=lam[v.dec], minlength=v.n_cand)
    lam_s = np.bincount(v.cand, weights=lam[v.dec] * v.tagged, minlength=v.n_cand)
    extra = np.maximum(v.n_sup - 1.0, 0.0)
    misses = v.n_view - v.n_sup
    creator = np.where(
        v.n_sup > 0, np.log(np.maximum(lam_s, 1e-300) / np.maximum(lam_v, 1e-300)), 0.0
    )
    log_false: FloatArray = creator + extra * math.log(c) + misses * math.log1p(-c)
    return log_real, log_false, p0


def _e_step(
    v: _Votes, sens: FloatArray, lam: FloatArray, c: float, prevalence: float
) -> FloatArray:
    log_real, log_false, _ = _log_likelihoods(v, sens, lam, c)
    logit = log_real - log_false + math.log(prevalence) - math.log1p(-prevalence)
    q: FloatArray = np.exp(-np.logaddexp(0.0, -logit))
    return np.where(v.known, v.known_value, q)


@dataclass(frozen=True)
class _Params:
    sens: FloatArray
    lam: FloatArray
    c: float
    prevalence: float
    campaign_sens: float
    campaign_lam: float


def _p0(v: _Votes, sens: FloatArray) -> FloatArray:
    """P(every viewer missed it | real) per candidate."""
    p0: FloatArray = np.exp(np.bincount(v.cand, weights=np.log1p(-sens)[v.dec], minlength=v.n_cand))
    return p0


def _m_step(v: _Votes, q: FloatArray, sens: FloatArray, lam: FloatArray) -> _Params:
    n_dec = len(v.decoder_ids)
    p0 = _p0(v, sens)
    ghosts = np.where(v.selected, p0 / np.maximum(1.0 - p0, 1e-12), 0.0)
    # Cap the augmentation: a candidate seen by one weak decoder would otherwise stand for
    # dozens of unseen copies and let a few such candidates set everyone's sensitivity.
    ghosts = np.minimum(ghosts, 3.0)
    weight = q[v.cand]
    hits = np.bincount(v.dec, weights=weight * v.tagged, minlength=n_dec)
    seen = np.bincount(v.dec, weights=weight * (1.0 + ghosts[v.cand]), minlength=n_dec)
    campaign_sens = float((hits.sum() + 1.0) / (seen.sum() + 2.0))
    new_sens = (hits + SHRINK * campaign_sens) / (seen + SHRINK)
    # False mass: each false candidate's creator, shared among its supporters by lambda.
    lam_s = np.bincount(v.cand, weights=lam[v.dec] * v.tagged, minlength=v.n_cand)
    share = np.where(v.tagged > 0, lam[v.dec] / np.maximum(lam_s[v.cand], 1e-300), 0.0)
    created = np.bincount(v.dec, weights=(1.0 - q[v.cand]) * share, minlength=n_dec)
    campaign_lam = float((created.sum() + 0.1) / (v.looks.sum() + 1.0))
    new_lam = (created + SHRINK * campaign_lam) / (v.looks + SHRINK)
    false_w = 1.0 - q
    a, b = COINCIDENCE_PRIOR
    c = float(
        (np.sum(false_w * np.maximum(v.n_sup - 1, 0)) + a)
        / (np.sum(false_w * np.maximum(v.n_view - 1, 0)) + a + b)
    )
    unknown = ~v.known & v.selected
    pa, pb = PREVALENCE_PRIOR
    prevalence = float((q[unknown].sum() + pa) / (unknown.sum() + pa + pb))
    return _Params(
        sens=np.clip(new_sens, _EPS, 1 - _EPS),
        lam=np.clip(new_lam, _EPS, None),
        c=min(max(c, _EPS), 0.5),
        prevalence=min(max(prevalence, 0.01), 0.99),
        campaign_sens=campaign_sens,
        campaign_lam=campaign_lam,
    )


def _histogram(candidates: Sequence[Candidate]) -> tuple[dict[int, int], int]:
    """Agreement histogram over unknown candidates seen by the most common number of viewers."""
    sizes: dict[int, int] = {}
    for c in candidates:
        if c.truth is None:
            sizes[len(c.viewers)] = sizes.get(len(c.viewers), 0) + 1
    if not sizes:
        return {}, 0
    n = max(sizes, key=lambda k: (sizes[k], k))
    hist: dict[int, int] = {}
    for c in candidates:
        if c.truth is None and len(c.viewers) == n:
            hist[len(c.supporters)] = hist.get(len(c.supporters), 0) + 1
    return hist, n


def _posteriors(v: _Votes, p: _Params) -> FloatArray:
    return _e_step(v, p.sens, p.lam, p.c, p.prevalence)


def _em_map(v: _Votes, params: _Params, q: FloatArray | None = None) -> _Params:
    """One EM iteration from these parameters (q: their posteriors, if already known)."""
    q = _posteriors(v, params) if q is None else q
    return _m_step(v, q, params.sens, params.lam)


def _vector(p: _Params) -> FloatArray:
    return np.concatenate([p.sens, p.lam, [p.c, p.prevalence]])


def _unvector(x: FloatArray, like: _Params) -> _Params:
    n = len(like.sens)
    return _Params(
        sens=np.clip(x[:n], _EPS, 1 - _EPS),
        lam=np.clip(x[n : 2 * n], _EPS, None),
        c=float(min(max(x[2 * n], _EPS), 0.5)),
        prevalence=float(min(max(x[2 * n + 1], 0.01), 0.99)),
        campaign_sens=like.campaign_sens,
        campaign_lam=like.campaign_lam,
    )


def _squarem(
    v: _Votes, params: _Params, *, max_iter: int, tol: float
) -> tuple[_Params, FloatArray, int]:
    """EM to a fixed point, accelerated by SQUAREM (Varadhan & Roland 2008, scheme S3).

    Plain EM on this model creeps: the truncation augmentation and the shrinkage make the
    map nearly flat, and 200 iterations left posteriors still moving by 1e-3. Two EM steps
    give a secant direction; the step along it is extrapolated (steplength <= -1, i.e. at
    least the two EM steps) and then stabilised by one more EM step, which also restores
    the parameters' bounds. Stops when no posterior moves by `tol` between cycles; each
    EM evaluation counts as one iteration.
    """
    q = _posteriors(v, params)
    iterations = 0
    while iterations < max_iter:
        p1 = _em_map(v, params, q)
        p2 = _em_map(v, p1)
        x0, x1, x2 = _vector(params), _vector(p1), _vector(p2)
        r, d = x1 - x0, x2 - 2 * x1 + x0
        rr, dd = float(r @ r), float(d @ d)
        alpha = min(-math.sqrt(rr / dd), -1.0) if dd > 0 else -1.0
        jumped = _unvector(x0 - 2 * alpha * r + alpha * alpha * d, p2)
        params = _em_map(v, jumped)
        iterations += 3
        updated = _posteriors(v, params)
        change = float(np.max(np.abs(updated - q), initial=0.0))
        q = updated
        if change < tol:
            break
    return params, q, iterations


def estimate_reliability(
    candidates: Sequence[Candidate],
    *,
    looks: Mapping[int, int] | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> ReliabilityResult:
    """Estimate candidate posteriors, decoder rates and the campaign model by EM."""
    ids = [c.candidate_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be unique")
    v = _flatten(candidates, looks)
    hist, n = _histogram(candidates)
    s0, prevalence = histogram_start(hist, n)
    n_dec = len(v.decoder_ids)
    false_share = (1.0 - prevalence) * max(len(candidates), 1)
    lam0 = false_share / max(float(v.looks.sum()), 1.0)
    sens = np.full(n_dec, s0)
    lam = np.full(n_dec, max(lam0, _EPS))
    c = COINCIDENCE_PRIOR[0] / sum(COINCIDENCE_PRIOR)
    params = _Params(sens, lam, c, prevalence, s0, lam0)
    params, q, iterations = _squarem(v, params, max_iter=max_iter, tol=tol)
    known = v.known
    anchored = bool(
        np.sum(known & (v.known_value > 0)) >= MIN_ANCHORS
        and np.sum(known & (v.known_value == 0)) >= MIN_ANCHORS
    )
    model = CrowdModel(
        prevalence=params.prevalence,
        sensitivity=params.campaign_sens,
        false_alarm=params.campaign_lam,
        coincidence=params.c,
        anchored=anchored,
    )
    n_known = np.bincount(v.dec, weights=v.known[v.cand], minlength=n_dec)
    decoders = {
        int(d): DecoderRates(float(s), float(f), int(k))
        for d, s, f, k in zip(v.decoder_ids, params.sens, params.lam, n_known, strict=True)
    }
    return ReliabilityResult(dict(zip(ids, q.tolist(), strict=True)), decoders, model, iterations)


def posterior_from_rates(
    candidate: Candidate,
    rates: Mapping[int, DecoderRates],
    *,
    model: CrowdModel = DEFAULT_MODEL,
) -> float:
    """One E-step for a new candidate with decoder rates and a model from an earlier run."""
    if candidate.truth is not None:
        return 1.0 if candidate.truth else 0.0
    # The E-step's likelihoods for one candidate in plain floats: the incremental step
    # scores each camera of a task this way, and numpy's per-call overhead on arrays of
    # three viewers is ten times the arithmetic.
    default = DecoderRates(model.sensitivity, model.false_alarm, 0)
    c = min(max(model.coincidence, _EPS), 0.5)
    prevalence = min(max(model.prevalence, 0.01), 0.99)
    log_real = log_p0 = lam_viewers = lam_supporters = 0.0
    for d in sorted(candidate.viewers):
        r = rates.get(d, default)
        s = min(max(r.sensitivity, _EPS), 1 - _EPS)
        lam = max(r.false_alarm, _EPS)
        lam_viewers += lam
        log_p0 += math.log1p(-s)
        if d in candidate.supporters:
            log_real += math.log(s)
            lam_supporters += lam
        else:
            log_real += math.log1p(-s)
    if candidate.selected:
        log_real -= math.log(max(1.0 - math.exp(log_p0), 1e-300))
    n_sup = len(candidate.supporters)
    creator = math.log(max(lam_supporters, 1e-300) / max(lam_viewers, 1e-300)) if n_sup else 0.0
    misses = len(candidate.viewers) - n_sup
    log_false = creator + max(n_sup - 1, 0) * math.log(c) + misses * math.log1p(-c)
    logit = log_real - log_false + math.log(prevalence) - math.log1p(-prevalence)
    # Overflow-free sigmoid.
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    z = math.exp(logit)
    return z / (1.0 + z)
