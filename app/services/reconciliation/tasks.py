"""Per-task reconciliation: published counts and single-panorama cameras (DESIGN §5.1-5.3).

One code path serves the incremental step (one task, from the queue) and the full
recomputation (every task of a campaign): rows are read with a few set-based
queries, each task is computed by the pure domain functions, and results are
written with COPY. Only tasks with at least N valid submissions get results,
computed from their earliest N (by start time, then id); tutorial and excluded
tasks get none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.cameras import CameraEstimate, ObservedTag, estimate_cameras
from app.domain.clustering import TagPoint, click_spread, decoder_spreads
from app.domain.counts import CATEGORIES, SubmissionCounts, TaskCounts, task_counts
from app.domain.known_answers import KnownCamera
from app.domain.locating import CLICK_NOISE_DEG, Heights
from app.domain.reliability import Candidate, CrowdModel, DecoderRates, posterior_from_rates
from app.domain.status import camera_status, is_majority
from app.services.bulk import copy_rows
from app.services.reconciliation.common import (
    CAMERA_COLUMNS,
    METHOD_VERSION,
    Progress,
    latest_model,
    next_ids,
)
from app.services.reconciliation.known import known_cameras, truths

_N_COLUMNS = ", ".join(f"s.n_{c}" for c in CATEGORIES)
_RANKED = f"""
WITH ranked AS (
    SELECT s.id, s.task_id, s.user_id, s.started_at, {_N_COLUMNS},
           row_number() OVER (PARTITION BY s.task_id ORDER BY s.started_at, s.id) AS rank,
           count(*) OVER (PARTITION BY s.task_id) AS n_valid
    FROM submissions s JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.user_id
    WHERE s.campaign_id = :campaign_id AND s.outcome IN ('cameras', 'no_cameras')
      AND u.suspended_at IS NULL  -- a suspended decoder's votes do not count (issue 10.3)
      AND NOT t.is_tutorial AND t.status <> 'excluded' {{task_filter}}
)
SELECT id, task_id, user_id, started_at, {", ".join(f"n_{c}" for c in CATEGORIES)}
FROM ranked WHERE rank <= :n AND n_valid >= :n
ORDER BY task_id, rank
"""
_TAGS = """
SELECT task_id, id, submission_id, user_id, heading, pitch, zoom, attachment, camera_type,
       base_heading, base_pitch
FROM tags WHERE submission_id = ANY(:ids) ORDER BY task_id, id
"""
_TASKS = """
SELECT t.id, ST_Y(p.geom) AS lat, ST_X(p.geom) AS lon, t.known_answer
FROM tasks t JOIN panoramas p ON p.id = t.panorama_id
WHERE t.campaign_id = :campaign_id AND NOT t.is_tutorial {task_filter}
ORDER BY t.id
"""
_COUNT_COLUMNS = (
    "task_id",
    "campaign_id",
    "n",
    "submission_ids",
    *(f"median_{c}" for c in CATEGORIES),
    *(f"agreement_{c}" for c in CATEGORIES),
    "total",
    "method_version",
)


@dataclass
class TaskInput:
    """What one task's reconciliation reads."""

    task_id: int
    lat: float
    lon: float
    known: list[KnownCamera] | None
    submissions: list[SubmissionCounts] = field(default_factory=list)
    users: dict[int, int] = field(default_factory=dict)  # submission id -> user id
    tags: list[ObservedTag] = field(default_factory=list)


@dataclass(frozen=True)
class ScoredCamera:
    """A camera estimate with its confidence and status."""

    estimate: CameraEstimate
    confidence: float
    status: str


@dataclass(frozen=True)
class TasksDone:
    """How many tasks got counts and cameras were written; the spread and heights used."""

    tasks: int
    cameras: int
    spread_deg: float
    heights: Heights | None  # mounting heights the cameras were placed with (None: priors)
    noise: dict[int, float]  # click noise per decoder used
    max_range_m: float | None = None  # the pitch-prior clamp used (None: MAX_RANGE_M)


@dataclass(frozen=True)
class TaskResult:
    """One task's counts and cameras."""

    task_id: int
    counts: TaskCounts | None
    cameras: list[ScoredCamera]


def load_inputs(
    session: Session, *, campaign_id: int, votes: int, task_ids: Sequence[int] | None
) -> dict[int, TaskInput]:
    """Read the tasks' panoramas, earliest N valid submissions and their tags."""
    params: dict[str, Any] = {
        "campaign_id": campaign_id,
        "n": votes,
        "task_ids": list(task_ids or []),
    }
    task_filter = "" if task_ids is None else "AND t.id = ANY(:task_ids)"
    inputs = {
        int(r["id"]): TaskInput(
            int(r["id"]), float(r["lat"]), float(r["lon"]), known_cameras(r["known_answer"])
        )
        for r in session.execute(text(_TASKS.format(task_filter=task_filter)), params).mappings()
    }
    sub_filter = "" if task_ids is None else "AND s.task_id = ANY(:task_ids)"
    submission_ids: list[int] = []
    ranked = session.execute(text(_RANKED.format(task_filter=sub_filter)), params).mappings()
    for row in ranked:
        inp = inputs.get(int(row["task_id"]))
        if inp is None:
            continue
        sid = int(row["id"])
        submission_ids.append(sid)
        inp.users[sid] = int(row["user_id"])
        counts = {c: int(row[f"n_{c}"]) for c in CATEGORIES}
        inp.submissions.append(SubmissionCounts(sid, row["started_at"], counts))
    for row in session.execute(text(_TAGS), {"ids": submission_ids}).mappings():
        inputs[int(row["task_id"])].tags.append(
            ObservedTag(
                tag_id=int(row["id"]),
                submission_id=int(row["submission_id"]),
                decoder_id=int(row["user_id"]),
                heading=float(row["heading"]),
                pitch=float(row["pitch"]),
                zoom=float(row["zoom"]),
                attachment=str(row["attachment"]),
                camera_type=row["camera_type"],
                base_heading=row["base_heading"],
                base_pitch=row["base_pitch"],
            )
        )
    return inputs


def load_rates(
    session: Session, *, campaign_id: int, users: Sequence[int] | None = None
) -> dict[int, DecoderRates]:
    """Decoder rates from the last reliability run (all of the campaign's, or these users')."""
    query = (
        "SELECT user_id, sensitivity, false_alarm, known_tasks FROM decoder_quality "
        "WHERE campaign_id = :c AND sensitivity IS NOT NULL AND false_alarm IS NOT NULL"
    )
    if users is not None:
        query += " AND user_id = ANY(:users)"
    rows = session.execute(text(query), {"c": campaign_id, "users": list(users or [])}).mappings()
    return {
        int(r["user_id"]): DecoderRates(
            float(r["sensitivity"]), float(r["false_alarm"]), int(r["known_tasks"])
        )
        for r in rows
    }


def compute(
    inp: TaskInput,
    *,
    votes: int,
    rates: dict[int, DecoderRates],
    model: CrowdModel,
    spread_deg: float = 0.0,
    heights: Heights | None = None,
    noise: dict[int, float] | None = None,
    max_range_m: float | None = None,
) -> TaskResult:
    """Counts and scored cameras of one task (pure: no database)."""
    counts = task_counts(inp.submissions, votes)
    if counts is None:
        return TaskResult(inp.task_id, None, [])
    viewers = frozenset(inp.users.values())
    weights = {u: rates[u].sensitivity for u in viewers if u in rates}
    estimates = estimate_cameras(
        inp.tags,
        voters=votes,
        lat=inp.lat,
        lon=inp.lon,
        weights=weights,
        spread_deg=spread_deg,
        heights=heights,
        noise=noise,
        max_range_m=max_range_m,
    )
    scored = []
    known = truths([(e.heading, e.pitch) for e in estimates], inp.known)
    for est, truth in zip(estimates, known, strict=True):
        candidate = Candidate(0, viewers, est.supporters & viewers, truth)
        confidence = posterior_from_rates(candidate, rates, model=model)
        status = camera_status(
            majority=est.majority, confidence=confidence, truth=truth, anchored=model.anchored
        )
        scored.append(ScoredCamera(est, confidence, status))
    return TaskResult(inp.task_id, counts, scored)


def campaign_spread(inputs: dict[int, TaskInput], stored: float | None) -> float:
    """The click spread measured on these tasks' tags if there are enough, else the stored one."""
    measured = click_spread(_points(inputs))
    value = measured if measured is not None else stored
    return value or 0.0


def _points(inputs: dict[int, TaskInput]) -> Iterator[list[TagPoint]]:
    for inp in inputs.values():
        yield [TagPoint(t.tag_id, t.submission_id, t.heading, t.pitch, t.zoom) for t in inp.tags]


def measure_noise(inputs: dict[int, TaskInput], *, spread_deg: float) -> dict[int, float]:
    """Each decoder's click noise measured on these tasks (app.domain.clustering)."""
    owners = {sid: user for inp in inputs.values() for sid, user in inp.users.items()}
    campaign = max(spread_deg, CLICK_NOISE_DEG)
    return decoder_spreads(_points(inputs), owners=owners, campaign_deg=campaign)


def clear(session: Session, *, campaign_id: int, task_ids: Sequence[int] | None) -> None:
    """Delete the tasks' cameras and counts; dissolve triangulated cameras they were part of."""
    if task_ids is None:
        session.execute(text("DELETE FROM cameras WHERE campaign_id = :c"), {"c": campaign_id})
        session.execute(text("DELETE FROM task_counts WHERE campaign_id = :c"), {"c": campaign_id})
        return
    ids = list(task_ids)
    parents = session.scalars(
        text(
            "SELECT DISTINCT merged_into_id FROM cameras "
            "WHERE task_id = ANY(:ids) AND merged_into_id IS NOT NULL"
        ),
        {"ids": ids},
    ).all()
    if parents:
        restore_sightings(session, parent_ids=[int(p) for p in parents])
    session.execute(text("DELETE FROM cameras WHERE task_id = ANY(:ids)"), {"ids": ids})
    session.execute(text("DELETE FROM task_counts WHERE task_id = ANY(:ids)"), {"ids": ids})


def restore_sightings(session: Session, *, parent_ids: list[int]) -> None:
    """Turn the sightings of these triangulated cameras back into cameras, then drop them."""
    rows = session.execute(
        text("SELECT id, support, voters, confidence FROM cameras WHERE merged_into_id = ANY(:p)"),
        {"p": parent_ids},
    ).mappings()
    for r in rows:
        status = camera_status(
            majority=is_majority(r["support"], r["voters"]), confidence=r["confidence"]
        )
        session.execute(
            text("UPDATE cameras SET status = :s, merged_into_id = NULL WHERE id = :id"),
            {"s": status, "id": r["id"]},
        )
    session.execute(text("DELETE FROM cameras WHERE id = ANY(:p)"), {"p": parent_ids})


def write(session: Session, *, campaign_id: int, results: Sequence[TaskResult]) -> int:
    """COPY the results' counts, cameras and camera tags; return the number of cameras."""
    with_counts = [r for r in results if r.counts is not None]
    copy_rows(
        session, "task_counts", _COUNT_COLUMNS, (_count_row(campaign_id, r) for r in with_counts)
    )
    cameras = [(r.task_id, c) for r in results for c in r.cameras]
    ids = next_ids(session, "cameras_id_seq", len(cameras))
    copy_rows(
        session,
        "cameras",
        CAMERA_COLUMNS,
        (_camera_row(cid, campaign_id, tid, c) for cid, (tid, c) in zip(ids, cameras, strict=True)),
    )
    copy_rows(
        session,
        "camera_tags",
        ("camera_id", "tag_id"),
        (
            (cid, tag_id)
            for cid, (_, c) in zip(ids, cameras, strict=True)
            for tag_id in c.estimate.tag_ids
        ),
    )
    return len(cameras)


def _count_row(campaign_id: int, result: TaskResult) -> list[Any]:
    counts = result.counts
    assert counts is not None
    return [
        result.task_id,
        campaign_id,
        counts.n,
        list(counts.submission_ids),
        *(counts.medians[c] for c in CATEGORIES),
        *(counts.agreements[c] for c in CATEGORIES),
        counts.total,
        METHOD_VERSION,
    ]


def _camera_row(camera_id: int, campaign_id: int, task_id: int, cam: ScoredCamera) -> list[Any]:
    est = cam.estimate
    return [
        camera_id,
        campaign_id,
        task_id,
        cam.status,
        cam.confidence,
        est.attachment,
        est.camera_type,
        est.heading,
        est.pitch,
        f"SRID=4326;POINT({est.lon!r} {est.lat!r})",
        est.location_method,
        est.uncertainty_m,
        est.support,
        est.voters,
        1,
        METHOD_VERSION,
    ]


def reconcile_tasks(
    session: Session,
    *,
    campaign_id: int,
    votes: int,
    task_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    stored_heights: bool = True,
) -> TasksDone:
    """Recompute the given tasks (None: every task of the campaign).

    Pitch-prior cameras are placed with the mounting heights and clamp of the last run, or
    with the priors and MAX_RANGE_M when `stored_heights` is False (a full run, which
    measures them afresh).
    """
    inputs = load_inputs(session, campaign_id=campaign_id, votes=votes, task_ids=task_ids)
    users = (
        None if task_ids is None else sorted({u for i in inputs.values() for u in i.users.values()})
    )
    rates = load_rates(session, campaign_id=campaign_id, users=users)
    stored = latest_model(session, campaign_id=campaign_id, users=users)
    spread = campaign_spread(inputs, stored.spread_deg)
    heights = stored.heights if stored_heights else None
    clamp = stored.max_range_m if stored_heights else None
    # A full run measures every decoder's noise afresh; other steps use the last run's.
    noise = measure_noise(inputs, spread_deg=spread) if task_ids is None else stored.noise
    results: list[TaskResult] = []
    total = len(inputs)
    for done, inp in enumerate(inputs.values(), start=1):
        results.append(
            compute(
                inp,
                votes=votes,
                rates=rates,
                model=stored.model,
                spread_deg=spread,
                heights=heights,
                noise=noise,
                max_range_m=clamp,
            )
        )
        if progress is not None and (done % 1000 == 0 or done == total):
            progress("tasks", done, total)
    clear(session, campaign_id=campaign_id, task_ids=task_ids)
    cameras = write(session, campaign_id=campaign_id, results=results)
    return TasksDone(
        sum(1 for r in results if r.counts is not None), cameras, spread, heights, noise, clamp
    )


def forget_tasks(session: Session, *, campaign_id: int, task_ids: Sequence[int]) -> None:
    """Remove the tasks' cameras, counts and queued jobs (an excluded task publishes nothing)."""
    clear(session, campaign_id=campaign_id, task_ids=task_ids)
    session.execute(
        text("DELETE FROM reconcile_jobs WHERE task_id = ANY(:ids)"), {"ids": list(task_ids)}
    )
