"""What the reconciliation steps share: method version, advisory locks, camera columns."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import ReconcileBusy as ReconcileBusy  # its callers import it from here

# Stored with every result; bump it whenever a rule or threshold of DESIGN §5 changes so
# that published figures say which method produced them.
METHOD_VERSION = "2026.11-1"

# Advisory lock namespaces (first key; the campaign id is the second). 7301 is taken by
# assignment (one decoder's lease requests).
# Column order of the COPY into `cameras` (both the per-task and the cross-panorama writers).
CAMERA_COLUMNS = (
    "id",
    "campaign_id",
    "task_id",
    "status",
    "confidence",
    "attachment",
    "camera_type",
    "bearing",
    "pitch",
    "geom",
    "location_method",
    "uncertainty_m",
    "support",
    "voters",
    "n_panoramas",
    "method_version",
)
RUN_LOCK = 7302  # exclusive: one campaign-wide reconciliation at a time
JOB_LOCK = 7303  # shared by queue jobs, exclusive for a campaign-wide run

Progress = Callable[[str, int, int], None]


def lock_campaign_run(session: Session, *, campaign_id: int, slug: str) -> None:
    """Take the campaign's run lock (or fail at once) and wait out in-flight queue jobs."""
    got = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:ns, CAST(:c AS int))"),
        {"ns": RUN_LOCK, "c": campaign_id},
    )
    if not got:
        raise ReconcileBusy(f"A reconciliation of campaign '{slug}' is already running.")
    # Queue jobs hold the shared job lock for a few milliseconds each; waiting for them
    # means no job writes a task between this run's delete and its insert.
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, CAST(:c AS int))"),
        {"ns": JOB_LOCK, "c": campaign_id},
    )


def try_job_lock(session: Session, *, campaign_id: int) -> bool:
    """Share the campaign's job lock for this transaction, unless a run holds it."""
    return bool(
        session.scalar(
            text("SELECT pg_try_advisory_xact_lock_shared(:ns, CAST(:c AS int))"),
            {"ns": JOB_LOCK, "c": campaign_id},
        )
    )


def next_ids(session: Session, sequence: str, n: int) -> list[int]:
    """Reserve n ids of a table's sequence, so rows and their children can be COPYed."""
    if n == 0:
        return []
    rows = session.execute(
        text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
        {"seq": sequence, "n": n},
    ).scalars()
    return [int(i) for i in rows]


def latest_prevalence(session: Session, *, campaign_id: int) -> float:
    """The share of real cameras among candidates in the campaign's last run, else 0.5."""
    value = session.scalar(
        text(
            "SELECT (stats->>'prevalence')::float FROM reconcile_runs "
            "WHERE campaign_id = :c AND stats ? 'prevalence' ORDER BY id DESC LIMIT 1"
        ),
        {"c": campaign_id},
    )
    return float(value) if value is not None and 0.0 < float(value) < 1.0 else 0.5
