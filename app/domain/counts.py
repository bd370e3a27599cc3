"""Per-task camera counts exactly as Amnesty's Decode Surveillance NYC published them.

The published method: for each intersection take the earliest N submissions (by
start time, then id); for every category report the median of the N decoders'
counts and how far they agreed; the total is the sum of the attachment medians.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

CATEGORIES = (
    "all",
    "street_furniture",
    "building",
    "other",
    "dome_ptz",
    "bullet",
    "unknown_type",
)
ATTACHMENT_CATEGORIES = ("street_furniture", "building", "other")
# A tag's camera type -> its count category; the category is "unknown_type" so
# the published column "type_unknown" is not mistaken for an unknown attachment.
_TYPE_CATEGORY = {"dome_ptz": "dome_ptz", "bullet": "bullet", "unknown": "unknown_type"}


@dataclass(frozen=True)
class SubmissionCounts:
    """One submission's counts per category (keys are CATEGORIES)."""

    submission_id: int
    started_at: datetime
    counts: Mapping[str, int]

    def __post_init__(self) -> None:
        missing = [c for c in CATEGORIES if c not in self.counts]
        if missing:
            raise ValueError(f"submission {self.submission_id} lacks {missing}")


@dataclass(frozen=True)
class TaskCounts:
    """A task's medians and agreement labels per category over its earliest N."""

    medians: dict[str, float]
    agreements: dict[str, str]
    total: float
    n: int
    submission_ids: tuple[int, ...]


def counts_from_tags(tags: Iterable[tuple[str, str | None]]) -> dict[str, int]:
    """Count a submission's (attachment, camera_type) tags per category."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for attachment, camera_type in tags:
        if attachment not in ATTACHMENT_CATEGORIES:
            raise ValueError(f"unknown attachment {attachment!r}")
        counts["all"] += 1
        counts[attachment] += 1
        # Amnesty asked the type only for street furniture, so imported tags
        # elsewhere carry None and count toward no type category.
        if camera_type is not None:
            if camera_type not in _TYPE_CATEGORY:
                raise ValueError(f"unknown camera type {camera_type!r}")
            counts[_TYPE_CATEGORY[camera_type]] += 1
    return counts


def earliest(submissions: Iterable[SubmissionCounts], n: int) -> list[SubmissionCounts]:
    """Return the first n submissions ordered by (started_at, submission_id)."""
    ordered = sorted(submissions, key=lambda s: (s.started_at, s.submission_id))
    return ordered[:n]


def median(values: Sequence[int]) -> float:
    """Return the median (mean of the middle two for an even count)."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def agreement(values: Sequence[int]) -> str:
    """Return how far the decoders' counts agree, in the published labels."""
    # Published labels for three decoders: "Unanimous", "2 vs 1", "All
    # disagree". Other N (a campaign may ask for 5 votes) extend them:
    # "Majority" when one value is held by more than half, else "Split".
    if not values:
        raise ValueError("agreement of no values")
    distinct = set(values)
    if len(distinct) == 1:
        return "Unanimous"
    if len(distinct) == len(values):
        return "All disagree"
    if len(values) == 3:
        return "2 vs 1"
    if max(values.count(v) for v in distinct) * 2 > len(values):
        return "Majority"
    return "Split"


def task_counts(submissions: Iterable[SubmissionCounts], n: int) -> TaskCounts | None:
    """Return the task's published counts over its earliest n, or None if fewer."""
    if n < 1:
        raise ValueError("n must be at least 1")
    chosen = earliest(submissions, n)
    if len(chosen) < n:
        return None
    medians: dict[str, float] = {}
    agreements: dict[str, str] = {}
    for category in CATEGORIES:
        values = [s.counts[category] for s in chosen]
        medians[category] = median(values)
        agreements[category] = agreement(values)
    # The published total sums the attachment medians; it can differ from the
    # median of "all" (e.g. 1,2,2 street and 0,1,0 building give 2 + 0).
    total = sum(medians[c] for c in ATTACHMENT_CATEGORIES)
    return TaskCounts(
        medians=medians,
        agreements=agreements,
        total=total,
        n=n,
        submission_ids=tuple(s.submission_id for s in chosen),
    )
