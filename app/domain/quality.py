"""Quality assurance math (DESIGN §5.5): stratified samples, weighted ratios, bootstrap intervals.

The methodology note reviewed a stratified sample of intersections by hand and reported the
crowd/expert count ratio with a weighted-bootstrap 95 % interval. Every figure here is a ratio
of importance-weighted sums over sampled tasks (Σ w·numerator / Σ w·denominator): the count
ratio (crowd median / expert count), camera recall (matched / expert cameras) and precision
(matched / crowd cameras). The bootstrap resamples tasks with replacement within each stratum,
keeping its size, so each replicate is a sample the same design could have drawn.
"""

import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.known_answers import KnownCamera, TagDirection, match_known
from app.domain.reliability import SHRINK

# The report's categories: attachments (street furniture, building) and types (dome, bullet).
QA_CATEGORIES = ("all", "street_furniture", "building", "dome_ptz", "bullet")
BOOTSTRAP_REPLICATES = 2000


def in_category(camera: KnownCamera, category: str) -> bool:
    """Whether a camera counts in a report category."""
    if category == "all":
        return True
    if category in ("street_furniture", "building"):
        return camera.attachment == category
    return camera.camera_type == category


def count_class(count: float) -> str:
    """The median-count class of a stratum: 0, 1, 2, 3-4, 5+ (cameras are rare and skewed)."""
    if count < 3:
        return str(int(count))  # medians of 3 votes are integers
    return "3-4" if count < 5 else "5+"


def stratum_of(count: float, agreement: str) -> str:
    """A task's stratum: its median-count class and its agreement class."""
    return f"{count_class(count)}|{agreement}"


@dataclass(frozen=True)
class Drawn:
    """A sampled task: its stratum, importance weight (population / drawn) and queue rank."""

    task_id: int
    stratum: str
    weight: float
    rank: int


@dataclass(frozen=True)
class StratumDraw:
    """How one stratum was sampled."""

    population: int
    drawn: int
    weight: float


def draw_sample(
    population: Mapping[str, Sequence[int]], *, per_stratum: int, seed: int
) -> tuple[list[Drawn], dict[str, StratumDraw]]:
    """Draw up to `per_stratum` tasks from each stratum, reproducibly from `seed`."""
    picks: list[tuple[int, str, float]] = []
    strata: dict[str, StratumDraw] = {}
    for stratum in sorted(population):
        ids = sorted(set(population[stratum]))
        if not ids:
            continue
        # One generator per stratum: adding a stratum does not change the others' draws.
        chosen = random.Random(f"{seed}:{stratum}").sample(ids, min(per_stratum, len(ids)))
        weight = len(ids) / len(chosen)
        strata[stratum] = StratumDraw(len(ids), len(chosen), weight)
        picks.extend((task_id, stratum, weight) for task_id in sorted(chosen))
    order = list(range(len(picks)))
    random.Random(seed).shuffle(order)
    return [
        Drawn(task_id, stratum, weight, rank)
        for rank, (task_id, stratum, weight) in zip(order, picks, strict=True)
    ], strata


@dataclass(frozen=True)
class Unit:
    """One sampled task's contribution to a ratio."""

    stratum: str
    weight: float
    numerator: float
    denominator: float


@dataclass(frozen=True)
class Estimate:
    """A weighted ratio with its bootstrap interval (None when undefined: no denominator)."""

    value: float | None
    low: float | None
    high: float | None
    tasks: int


def weighted_ratio(units: Sequence[Unit]) -> float | None:
    """Σ w·numerator / Σ w·denominator, or None when the denominator is zero."""
    den = sum(u.weight * u.denominator for u in units)
    if den <= 0:
        return None
    return sum(u.weight * u.numerator for u in units) / den


def _quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default)."""
    position = q * (len(values) - 1)
    lo, hi = math.floor(position), math.ceil(position)
    return values[lo] + (values[hi] - values[lo]) * (position - lo)


def bootstrap_interval(
    units: Sequence[Unit],
    *,
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Stratified weighted-bootstrap percentile interval of `weighted_ratio`."""
    by_stratum: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_stratum[unit.stratum].append(unit)
    groups = [by_stratum[s] for s in sorted(by_stratum)]
    rng = random.Random(seed)
    values: list[float] = []
    for _ in range(replicates):
        resample = [rng.choice(group) for group in groups for _ in group]
        value = weighted_ratio(resample)
        if value is not None:  # a replicate without any expert camera has no ratio
            values.append(value)
    if not values:
        return None
    values.sort()
    tail = (1.0 - level) / 2.0
    return _quantile(values, tail), _quantile(values, 1.0 - tail)


def estimate(units: Sequence[Unit], *, seed: int = 0) -> Estimate:
    """The weighted ratio and its 95 % interval."""
    interval = bootstrap_interval(units, seed=seed)
    low, high = interval if interval else (None, None)
    return Estimate(weighted_ratio(units), low, high, len(units))


@dataclass(frozen=True)
class CameraMatch:
    """Cameras of one task and category: the expert's, the crowd's, and how many matched."""

    expert: int
    crowd: int
    matched: int


def match_cameras(
    expert: Sequence[KnownCamera], crowd: Sequence[KnownCamera], *, category: str
) -> CameraMatch:
    """Match the crowd's cameras to the expert's within a category (one-to-one, ≤ 5°)."""
    truth = [k for k in expert if in_category(k, category)]
    found = [c for c in crowd if in_category(c, category)]
    tags = [TagDirection(c.heading, c.pitch, c.attachment, c.camera_type) for c in found]
    result = match_known(tags, truth)
    return CameraMatch(len(truth), len(found), len(result.matched))


# Moderation flags (issue 10.3). A decoder is flagged when the evidence says, with 95 %
# credibility, that they are far worse than the campaign's crowd, not merely below average:
# a crowd always has its sloppy half, and suspending it throws good votes away with the bad
# (the first rule, sensitivity - false alarms < 0.35, flagged five sloppy volunteers for three
# spammers and lowered precision in bench/moderation.py). Three tests, each campaign-relative:
# - false tags per look: the lower credible bound of the decoder's rate is above
#   FLAG_FALSE_ALARM_FACTOR x the campaign's (a spammer tags several spots per panorama);
# - sensitivity: the upper credible bound is below FLAG_SENSITIVITY_FACTOR x the campaign's;
# - known answers (after FLAG_KNOWN_TASKS of them): the upper bound of the decoder's known
#   precision or recall is below FLAG_KNOWN_FACTOR x the campaign's pooled one.
# The reliability model stores shrunk rates, (own evidence + SHRINK x campaign rate) /
# (exposure + SHRINK), so the decoder's own evidence is recovered from the rate and the
# exposure (their answers: looks for false tags; expected camera sightings for sensitivity).
FLAG_FALSE_ALARM_FACTOR = 3.0
FLAG_SENSITIVITY_FACTOR = 0.5
FLAG_KNOWN_FACTOR = 0.5
FLAG_KNOWN_TASKS = 3
FLAG_MIN_LOOKS = 5
_Z = 1.959963984540054  # two-sided 95 %


@dataclass(frozen=True)
class CrowdRates:
    """What the campaign's crowd does, to judge one decoder against."""

    sensitivity: float | None  # the reliability model's campaign rates
    false_alarm: float | None  # false tags per look
    cameras_per_look: float | None  # candidate cameras a look shows (sensitivity's exposure)
    known_precision: float | None  # pooled over the campaign's decoders
    known_recall: float | None


@dataclass(frozen=True)
class DecoderEvidence:
    """One decoder's rates and the evidence behind them."""

    looks: int  # answers that count (not problem reports)
    sensitivity: float | None
    false_alarm: float | None
    known_tasks: int = 0
    known_matched: int = 0
    known_cameras: int = 0
    known_tags: int = 0


def poisson_rate_bounds(events: float, exposure: float) -> tuple[float, float]:
    """95 % interval of a Poisson rate (Jeffreys prior; Wilson-Hilferty chi-square quantiles)."""
    if exposure <= 0:
        return 0.0, math.inf

    def gamma_quantile(shape: float, z: float) -> float:
        # Gamma(shape, 1) quantile through chi-square with 2*shape degrees of freedom.
        nu = 2.0 * shape
        cube = 1.0 - 2.0 / (9.0 * nu) + z * math.sqrt(2.0 / (9.0 * nu))
        return max(0.0, nu * cube**3 / 2.0)

    shape = events + 0.5
    return gamma_quantile(shape, -_Z) / exposure, gamma_quantile(shape, _Z) / exposure


def wilson_bounds(successes: float, trials: float) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion; (0, 1) without trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = min(max(successes / trials, 0.0), 1.0)
    z2 = _Z * _Z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _own_evidence(rate: float, exposure: float, campaign: float) -> float:
    """Invert the model's shrinkage: the decoder's own count behind a shrunk rate."""
    return max(0.0, rate * (exposure + SHRINK) - SHRINK * campaign)


def flag_reasons(decoder: DecoderEvidence, crowd: CrowdRates) -> list[str]:
    """Why a decoder is credibly far worse than the crowd (empty: not flagged)."""
    reasons = []
    d, c = decoder, crowd
    if d.looks >= FLAG_MIN_LOOKS and d.false_alarm is not None and c.false_alarm:
        events = _own_evidence(d.false_alarm, d.looks, c.false_alarm)
        low, _ = poisson_rate_bounds(events, d.looks)
        if low > FLAG_FALSE_ALARM_FACTOR * c.false_alarm:
            reasons.append("false_alarms")
    if (
        d.looks >= FLAG_MIN_LOOKS
        and d.sensitivity is not None
        and c.sensitivity
        and c.cameras_per_look
    ):
        seen = d.looks * c.cameras_per_look
        hits = _own_evidence(d.sensitivity, seen, c.sensitivity)
        _, high = wilson_bounds(min(hits, seen), seen)
        if high < FLAG_SENSITIVITY_FACTOR * c.sensitivity:
            reasons.append("sensitivity")
    if d.known_tasks >= FLAG_KNOWN_TASKS:
        _, precision_high = wilson_bounds(d.known_matched, d.known_tags)
        if (
            d.known_tags
            and c.known_precision
            and precision_high < FLAG_KNOWN_FACTOR * (c.known_precision)
        ):
            reasons.append("known_precision")
        _, recall_high = wilson_bounds(d.known_matched, d.known_cameras)
        if d.known_cameras and c.known_recall and recall_high < FLAG_KNOWN_FACTOR * c.known_recall:
            reasons.append("known_recall")
    return reasons
