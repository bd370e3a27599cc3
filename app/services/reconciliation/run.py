"""Reconciliation use cases (DESIGN §5): one task incrementally, or a whole campaign.

- `reconcile_task`: counts and cameras of one completed task (the queue's job, < 50 ms).
- `reconcile_campaign`: under a campaign advisory lock, recompute pending tasks (queued,
  never reconciled, or reconciled by an older method version; with full=True, all), then
  match cameras across panoramas and re-estimate decoder reliability; recorded as a
  reconcile_runs row. Everything happens in the caller's transaction, so readers see the
  old results until it commits, and a failure leaves them untouched.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.locating import (
    MAX_RANGE_M,
    MOUNT_HEIGHT_PRIOR_M,
    Heights,
    mount_heights,
    range_clamp,
)
from app.errors import TaskNotFound
from app.models import Campaign, DecoderQuality, ReconcileRun, Submission, Task, User
from app.services.reconciliation.common import (
    METHOD_VERSION,
    Progress,
    ReconcileBusy,
    latest_model,
    lock_campaign_run,
    try_job_lock,
)
from app.services.reconciliation.cross import match_campaign
from app.services.reconciliation.heights import replace_pitch_priors
from app.services.reconciliation.reliability import estimate_campaign
from app.services.reconciliation.tasks import reconcile_tasks

__all__ = [
    "METHOD_VERSION",
    "ReconcileBusy",
    "RunSummary",
    "campaigns_due",
    "decoder_quality",
    "get_run",
    "queued_jobs",
    "recent_runs",
    "reconcile_campaign",
    "reconcile_task",
    "try_job_lock",
]


@dataclass
class RunSummary:
    """What a campaign reconciliation did."""

    run_id: int
    kind: str
    method_version: str
    tasks: int
    cameras: int
    merged: int
    statuses: dict[str, int] = field(default_factory=dict)
    decoders: int = 0
    prevalence: float = 0.5
    model: dict[str, Any] = field(default_factory=dict)
    spread_deg: float | None = None
    heights: dict[str, list[float]] = field(default_factory=dict)
    max_range_m: float | None = None
    decoder_noise: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def reconcile_task(session: Session, *, task_id: int) -> int:
    """Recompute one task's counts and cameras; return its number of cameras."""
    task = session.get(Task, task_id)
    if task is None:
        raise TaskNotFound(f"No task {task_id}.")
    campaign = session.get_one(Campaign, task.campaign_id)
    done = reconcile_tasks(
        session, campaign_id=campaign.id, votes=campaign.votes_per_task, task_ids=[task_id]
    )
    return done.cameras


def _pending_jobs(session: Session, *, campaign_id: int) -> list[int]:
    """Lock and return the campaign's queued tasks (those a worker holds are left to it)."""
    return [
        int(t)
        for t in session.scalars(
            text(
                "SELECT task_id FROM reconcile_jobs WHERE campaign_id = :c "
                "ORDER BY task_id FOR UPDATE SKIP LOCKED"
            ),
            {"c": campaign_id},
        )
    ]


# Tasks with their votes but no results (loaded in bulk, or their job was lost), or with
# results of an older method version: a campaign run brings them up to date.
_STALE = """
SELECT t.id FROM tasks t LEFT JOIN task_counts tc ON tc.task_id = t.id
WHERE t.campaign_id = :c AND NOT t.is_tutorial AND t.status <> 'excluded'
  AND (tc.task_id IS NULL OR tc.method_version <> :version)
  AND (SELECT count(*) FROM submissions s JOIN users u ON u.id = s.user_id
       WHERE s.task_id = t.id AND s.outcome IN ('cameras', 'no_cameras')
         AND u.suspended_at IS NULL) >= :votes
"""


def _pending_tasks(session: Session, *, campaign: Campaign) -> tuple[list[int], list[int]]:
    """(tasks to recompute, queued jobs among them)."""
    jobs = _pending_jobs(session, campaign_id=campaign.id)
    params = {"c": campaign.id, "version": METHOD_VERSION, "votes": campaign.votes_per_task}
    stale = {int(t) for t in session.scalars(text(_STALE), params)}
    return sorted(stale | set(jobs)), jobs


def _delete_jobs(session: Session, *, campaign_id: int, task_ids: Sequence[int] | None) -> None:
    if task_ids is None:
        session.execute(
            text("DELETE FROM reconcile_jobs WHERE campaign_id = :c"), {"c": campaign_id}
        )
    elif task_ids:
        session.execute(
            text("DELETE FROM reconcile_jobs WHERE task_id = ANY(:ids)"), {"ids": list(task_ids)}
        )


class _Laps:
    """Seconds per step of a run, for its statistics and the benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._clock, 3)
        self._clock = now


def _recompute_tasks(
    session: Session, *, campaign: Campaign, full: bool, progress: Progress | None
) -> tuple[int, float | None, Heights, float | None, dict[int, float]]:
    """Recompute the pending (or all) tasks, drop the queue jobs they cover.

    Returns the tasks recomputed, the click spread, the mounting heights and pitch-prior
    clamp (None: MAX_RANGE_M) the campaign's cameras are now placed with, and the
    decoders' click noise.
    """
    # With full=True every task is recomputed, so every queued job is covered: dropping
    # them all is safe because the job lock keeps workers out until this commits.
    task_ids, jobs = (None, None) if full else _pending_tasks(session, campaign=campaign)
    spread: float | None
    noise: dict[int, float]
    if task_ids is None or task_ids:
        # A full run places cameras with the priors and MAX_RANGE_M and measures heights and
        # the clamp afresh, so that it depends on the data alone (and a second one gives
        # identical results).
        done = reconcile_tasks(
            session,
            campaign_id=campaign.id,
            votes=campaign.votes_per_task,
            task_ids=task_ids,
            progress=progress,
            stored_heights=not full,
        )
        tasks, spread, heights, noise = done.tasks, done.spread_deg, done.heights, done.noise
        clamp = done.max_range_m
        if not full:
            # The step read only its tasks' decoders; the run keeps everyone's.
            noise = latest_model(session, campaign_id=campaign.id).noise
    else:
        stored = latest_model(session, campaign_id=campaign.id)
        tasks, spread, heights, noise = 0, stored.spread_deg, stored.heights, stored.noise
        clamp = stored.max_range_m
    _delete_jobs(session, campaign_id=campaign.id, task_ids=jobs)
    return tasks, spread, heights or MOUNT_HEIGHT_PRIOR_M, clamp, noise


def reconcile_campaign(
    session: Session, *, campaign: Campaign, full: bool = False, progress: Progress | None = None
) -> RunSummary:
    """Recompute queued (or all) tasks, cross-task matches and reliability, under a lock."""
    lock_campaign_run(session, campaign_id=campaign.id, slug=campaign.slug)
    # The campaign-wide statements look expensive to the planner, which then JIT-compiles
    # them: measured at 43k tasks, compiling costs seconds and the compiled PostGIS index
    # probes run ~10x slower. app.db.make_engine turns JIT off already; this covers any
    # other connection (tests, benchmarks, scripts) for this transaction only.
    session.execute(text("SET LOCAL jit = off"))
    # started_at defaults to the transaction's now(), the computed_at of every result this
    # run writes: campaigns_due compares the two on the database's clock alone.
    run = ReconcileRun(
        campaign_id=campaign.id, kind="full" if full else "campaign", method_version=METHOD_VERSION
    )
    session.add(run)
    session.flush()
    laps = _Laps()
    tasks, spread, used, used_clamp, noise = _recompute_tasks(
        session, campaign=campaign, full=full, progress=progress
    )
    laps.lap("tasks")
    if progress:
        progress("matching", 0, 1)
    matched = match_campaign(session, campaign_id=campaign.id, spread_deg=spread or 0.0)
    heights = mount_heights(matched.heights)
    clamp = range_clamp(matched.ranges)
    if heights != dict(used) or clamp != (used_clamp or MAX_RANGE_M):
        replace_pitch_priors(
            session,
            campaign_id=campaign.id,
            heights=heights,
            spread_deg=spread or 0.0,
            max_range_m=clamp,
        )
    laps.lap("matching")
    if progress:
        progress("reliability", 0, 1)
    stats = estimate_campaign(session, campaign_id=campaign.id)
    laps.lap("reliability")
    summary = RunSummary(
        run_id=run.id,
        kind=run.kind,
        method_version=METHOD_VERSION,
        tasks=tasks,
        cameras=sum(n for s, n in stats.statuses.items() if s != "merged"),
        merged=matched.groups,
        statuses=stats.statuses,
        decoders=stats.decoders,
        prevalence=stats.model.prevalence,
        model=asdict(stats.model),
        spread_deg=spread,
        heights={a: list(v) for a, v in heights.items()},
        max_range_m=clamp,
        decoder_noise={str(u): v for u, v in sorted(noise.items())},
        seconds=laps.seconds,
    )
    run.tasks, run.cameras = summary.tasks, summary.cameras
    run.finished_at = session.scalar(select(func.clock_timestamp()))
    run.stats = {k: v for k, v in asdict(summary).items() if k not in ("run_id", "kind")}
    session.flush()
    return summary


def campaigns_due(session: Session) -> list[int]:
    """Campaigns with tasks reconciled since their last campaign-wide run."""
    rows = session.scalars(
        text(
            "SELECT c.id FROM campaigns c WHERE EXISTS ("
            " SELECT 1 FROM task_counts tc WHERE tc.campaign_id = c.id AND tc.computed_at > "
            " coalesce((SELECT max(r.started_at) FROM reconcile_runs r "
            "           WHERE r.campaign_id = c.id AND r.finished_at IS NOT NULL), '-infinity'))"
            " ORDER BY c.id"
        )
    )
    return [int(c) for c in rows]


def decoder_quality(session: Session, *, campaign: Campaign) -> list[dict[str, Any]]:
    """Per decoder of the campaign: known-answer results, estimated rates, submissions."""
    submissions = (
        select(Submission.user_id, func.count().label("n"))
        .where(Submission.campaign_id == campaign.id)
        .group_by(Submission.user_id)
        .subquery()
    )
    rows = session.execute(
        select(
            DecoderQuality.__table__,
            User.public_id,
            func.coalesce(submissions.c.n, 0).label("n_submissions"),
        )
        .join(User, User.id == DecoderQuality.user_id)
        .outerjoin(submissions, submissions.c.user_id == DecoderQuality.user_id)
        .where(DecoderQuality.campaign_id == campaign.id)
        .order_by(DecoderQuality.sensitivity.asc().nulls_last(), User.public_id)
    ).mappings()
    return [
        {
            "decoder": q["public_id"],
            "submissions": int(q["n_submissions"]),
            "known_tasks": q["known_tasks"],
            "known_matched": q["known_matched"],
            "known_cameras": q["known_cameras"],
            "known_tags": q["known_tags"],
            "sensitivity": q["sensitivity"],
            "false_alarm": q["false_alarm"],
            "updated_at": q["updated_at"],
        }
        for q in rows
    ]


def recent_runs(session: Session, *, campaign: Campaign, limit: int = 20) -> list[ReconcileRun]:
    """The campaign's latest reconciliation runs, newest first."""
    return list(
        session.scalars(
            select(ReconcileRun)
            .where(ReconcileRun.campaign_id == campaign.id)
            .order_by(ReconcileRun.id.desc())
            .limit(limit)
        )
    )


def get_run(session: Session, *, run_id: int) -> ReconcileRun:
    """One reconciliation run."""
    return session.get_one(ReconcileRun, run_id)


def queued_jobs(session: Session, *, campaign: Campaign) -> int:
    """How many tasks of the campaign wait in the reconciliation queue."""
    return int(
        session.scalar(
            text("SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c"), {"c": campaign.id}
        )
        or 0
    )
