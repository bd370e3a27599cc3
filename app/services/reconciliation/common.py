"""What the reconciliation steps share: method version, advisory locks, camera columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.reliability import DEFAULT_MODEL, CrowdModel
from app.errors import ReconcileBusy as ReconcileBusy  # its callers import it from here

# Stored with every result; bump it whenever a rule or threshold of DESIGN §5 changes so
# that published figures say which method produced them.
METHOD_VERSION = "2026.12-4"

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


@dataclass(frozen=True)
class Stored:
    """What the campaign's last run measured, for the steps that follow it."""

    model: CrowdModel
    spread_deg: float | None
    heights: dict[str, tuple[float, float]] | None
    noise: dict[int, float]  # click noise per decoder (°)
    max_range_m: float | None = None  # the pitch-prior clamp measured (None: MAX_RANGE_M)


# Everything but the per-decoder noise, and of that only the requested decoders': an
# incremental step needs its task's three, not the JSON of every decoder of the campaign.
_LATEST = """
SELECT (stats - 'decoder_noise') || jsonb_build_object('decoder_noise', (
         SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
         FROM jsonb_each(stats -> 'decoder_noise') e
         WHERE CAST(:all AS boolean) OR e.key = ANY(CAST(:users AS text[]))))
FROM reconcile_runs WHERE campaign_id = :c AND stats ? 'model' ORDER BY id DESC LIMIT 1
"""


def latest_model(
    session: Session, *, campaign_id: int, users: Sequence[int] | None = None
) -> Stored:
    """The crowd model, click spread, mounting heights, pitch-prior clamp and (these users')
    click noise of the campaign's last run."""
    params = {"c": campaign_id, "all": users is None, "users": [str(u) for u in users or []]}
    stats = session.scalar(text(_LATEST), params)
    if not isinstance(stats, dict) or not isinstance(stats.get("model"), dict):
        return Stored(DEFAULT_MODEL, None, None, {})
    m = stats["model"]
    spread = stats.get("spread_deg")
    model = CrowdModel(
        prevalence=float(m.get("prevalence", DEFAULT_MODEL.prevalence)),
        sensitivity=float(m.get("sensitivity", DEFAULT_MODEL.sensitivity)),
        false_alarm=float(m.get("false_alarm", DEFAULT_MODEL.false_alarm)),
        coincidence=float(m.get("coincidence", DEFAULT_MODEL.coincidence)),
        anchored=bool(m.get("anchored", False)),
    )
    raw = stats.get("heights")
    heights = (
        {str(a): (float(v[0]), float(v[1])) for a, v in raw.items()}
        if isinstance(raw, dict)
        else None
    )
    per_decoder = stats.get("decoder_noise")
    noise = (
        {int(u): float(v) for u, v in per_decoder.items()} if isinstance(per_decoder, dict) else {}
    )
    clamp = stats.get("max_range_m")
    return Stored(
        model,
        float(spread) if spread is not None else None,
        heights,
        noise,
        float(clamp) if clamp is not None else None,
    )
