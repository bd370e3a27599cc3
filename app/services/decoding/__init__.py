"""Decoding: task leases, submissions, tutorial feedback, flags, the review queue."""

from app.services.decoding.assignment import (
    Lease,
    lease_in,
    next_task_for,
    panorama_position,
    skip,
)
from app.services.decoding.flags import add_flag, campaign_flags, task_flags
from app.services.decoding.submissions import submit
from app.services.decoding.task_review import exclude, list_tasks, reopen

__all__ = [
    "Lease",
    "add_flag",
    "campaign_flags",
    "exclude",
    "lease_in",
    "list_tasks",
    "next_task_for",
    "panorama_position",
    "reopen",
    "skip",
    "submit",
    "task_flags",
]
