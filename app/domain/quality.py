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


# Moderation flags (issue 10.3). A careful decoder finds most cameras (sensitivity well above
# one half) and rarely tags nothing (false alarms near zero); one tagging at random does
# neither, so the gap between the two rates collapses. Known answers, where a decoder met
# enough of them, flag on their own: half of one's tags off every known camera is not noise.
FLAG_RELIABILITY_BELOW = 0.35
FLAG_KNOWN_TASKS = 3
FLAG_KNOWN_PRECISION_BELOW = 0.5
FLAG_KNOWN_RECALL_BELOW = 0.25


def flag_decoder(
    *,
    sensitivity: float | None,
    false_alarm: float | None,
    known_tasks: int,
    known_recall: float | None,
    known_precision: float | None,
) -> bool:
    """Whether a decoder's estimated reliability or known-answer results call for a look."""
    rated = sensitivity is not None and false_alarm is not None
    if rated and sensitivity - false_alarm < FLAG_RELIABILITY_BELOW:  # type: ignore[operator]
        return True
    if known_tasks < FLAG_KNOWN_TASKS:
        return False
    low_precision = known_precision is not None and known_precision < FLAG_KNOWN_PRECISION_BELOW
    low_recall = known_recall is not None and known_recall < FLAG_KNOWN_RECALL_BELOW
    return low_precision or low_recall
