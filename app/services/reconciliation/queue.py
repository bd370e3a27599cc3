"""The reconciliation queue: reconcile_jobs drained with FOR UPDATE SKIP LOCKED (DESIGN §3).

A submission that completes a task inserts a job in its own transaction and returns;
workers (a background thread in every app process, and `decoders reconcile`) claim
jobs one at a time, each in its own transaction, so any number of them share the
queue without double work, and jobs survive restarts because they live in the
database. A failed job is retried with a growing back-off and keeps its last error;
after MAX_ATTEMPTS it stays in the table for a coordinator (or a --full run) to see.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.models import Campaign
from app.services.reconciliation.common import ReconcileBusy, try_job_lock
from app.services.reconciliation.run import campaigns_due, reconcile_campaign, reconcile_task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Back-off before attempt k+1: 10 s, 40 s, 90 s, 160 s ...
BACKOFF_SECONDS = 10

_CLAIM = """
SELECT task_id, campaign_id FROM reconcile_jobs
WHERE available_at <= now() AND attempts < :max_attempts
  AND NOT (campaign_id = ANY(CAST(:busy AS bigint[])))
ORDER BY available_at, task_id
LIMIT 1
FOR UPDATE SKIP LOCKED
"""


@dataclass
class DrainResult:
    """How a drain went."""

    done: int = 0
    failed: int = 0
    busy_campaigns: set[int] = field(default_factory=set)
    campaigns: set[int] = field(default_factory=set)


def run_one_job(session: Session, *, result: DrainResult) -> bool:
    """Claim and run one job in the session's transaction; False when none is available."""
    row = (
        session.execute(
            text(_CLAIM), {"max_attempts": MAX_ATTEMPTS, "busy": sorted(result.busy_campaigns)}
        )
        .mappings()
        .first()
    )
    if row is None:
        return False
    task_id, campaign_id = int(row["task_id"]), int(row["campaign_id"])
    if not try_job_lock(session, campaign_id=campaign_id):
        # A campaign-wide run holds the lock; it recomputes or leaves this job for later.
        result.busy_campaigns.add(campaign_id)
        return True
    try:
        with session.begin_nested():
            reconcile_task(session, task_id=task_id)
    except Exception as exc:  # any failure is recorded on the job and retried later
        log.warning("reconciling task %s failed: %s", task_id, exc)
        session.execute(
            text(
                "UPDATE reconcile_jobs SET attempts = attempts + 1, last_error = :error, "
                "available_at = now() + make_interval(secs => :backoff * (attempts + 1) ^ 2) "
                "WHERE task_id = :t"
            ),
            {
                "t": task_id,
                "error": f"{type(exc).__name__}: {exc}"[:2000],
                "backoff": BACKOFF_SECONDS,
            },
        )
        result.failed += 1
        return True
    session.execute(text("DELETE FROM reconcile_jobs WHERE task_id = :t"), {"t": task_id})
    result.done += 1
    result.campaigns.add(campaign_id)
    return True


def drain(factory: sessionmaker[Session], *, limit: int = 200) -> DrainResult:
    """Run up to `limit` jobs, each in its own transaction."""
    result = DrainResult()
    for _ in range(limit):
        with session_scope(factory) as session:
            if not run_one_job(session, result=result):
                break
    return result


def run_due_campaigns(factory: sessionmaker[Session]) -> int:
    """Cross-task matching and reliability for campaigns with new results; return runs made."""
    with session_scope(factory) as session:
        due = campaigns_due(session)
    runs = 0
    for campaign_id in due:
        try:
            with session_scope(factory) as session:
                campaign = session.get_one(Campaign, campaign_id)
                reconcile_campaign(session, campaign=campaign)
            runs += 1
        except ReconcileBusy:
            continue  # someone else is on it
    return runs


class ReconcileWorker:
    """A background thread that drains the queue and periodically re-runs campaigns."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        poll_seconds: float = 2.0,
        campaign_every_seconds: float = 300.0,
    ) -> None:
        self._factory = factory
        self._poll = poll_seconds
        self._every = campaign_every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (daemon: it never keeps the process alive)."""
        self._thread = threading.Thread(target=self._loop, name="reconcile-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to finish its current job and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        next_run = time.monotonic() + self._every
        while not self._stop.is_set():
            busy = False
            try:
                result = drain(self._factory, limit=50)
                busy = result.done + result.failed > 0 and not result.busy_campaigns
                if self._every > 0 and time.monotonic() >= next_run:
                    run_due_campaigns(self._factory)
                    next_run = time.monotonic() + self._every
            except Exception:  # the database may be restarting: log, wait, retry
                log.exception("reconciliation worker")
            if not busy:
                self._stop.wait(self._poll)
