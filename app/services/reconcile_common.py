"""What the reconciliation steps share: method version, advisory locks, bulk COPY."""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict

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


class ReconcileBusy(Conflict):
    """Another reconciliation of the campaign is running."""

    code = "reconcile_running"


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


def _text(value: str) -> str:
    # COPY text format: backslash, tab and line breaks are escaped.
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"refusing to store {value}")
    return repr(value)


def _array(value: list[Any] | tuple[Any, ...]) -> str:
    return "{" + ",".join(str(int(v)) for v in value) + "}"


# Dispatch on the exact type: a million fields per full run make isinstance chains show.
_FORMATS: dict[type, Callable[[Any], str]] = {
    int: str,
    float: _float,
    str: _text,
    bool: lambda v: "t" if v else "f",
    list: _array,
    tuple: _array,
    datetime: lambda v: v.isoformat(),
    type(None): lambda _: r"\N",
}


def _field(value: Any) -> str:
    fmt = _FORMATS.get(type(value))
    if fmt is not None:
        return fmt(value)
    # The slow path, for numpy scalars and other numeric types.
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _float(float(value))
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows into a table on the session's connection (same transaction); return count."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_field(v) for v in row))
        buffer.write("\n")
        count += 1
    if count == 0:
        return 0
    buffer.seek(0)
    # psycopg2's COPY, on the very connection (and so the transaction) of the session.
    cursor: Any = session.connection().connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()
    return count


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
