"""Reconciliation (DESIGN §5): per-task counts and cameras, matching, reliability."""

from app.services.reconciliation.common import METHOD_VERSION, ReconcileBusy
from app.services.reconciliation.queue import DrainResult, ReconcileWorker, drain, run_one_job
from app.services.reconciliation.run import (
    decoder_quality,
    get_run,
    queued_jobs,
    recent_runs,
    reconcile_campaign,
)
from app.services.reconciliation.tasks import forget_tasks

__all__ = [
    "METHOD_VERSION",
    "DrainResult",
    "ReconcileBusy",
    "ReconcileWorker",
    "decoder_quality",
    "drain",
    "forget_tasks",
    "get_run",
    "queued_jobs",
    "recent_runs",
    "reconcile_campaign",
    "run_one_job",
]
