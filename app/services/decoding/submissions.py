"""Storing a decoder's answer exactly once (DESIGN §4): idempotent, one per decoder and task.

A submission is one call of the database function `decoders_submit` (migration 0011): the
lease's row lock, the replay check, the campaign's share lock, the task's checks, the vote,
the insert of the answer and its tags, completion and the lease's end, in one round trip.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import core_connection
from app.domain.counts import counts_from_tags
from app.errors import (
    AlreadySubmitted,
    AssignmentNotFound,
    CampaignClosed,
    IdempotencyConflict,
    LeaseExpired,
    LeaseUsed,
    NotYourLease,
    TaskExcluded,
    TaskFull,
)
from app.models import Task, User
from app.schemas.decoding import Feedback, SubmissionCreate
from app.services.decoding import known_answers
from app.services.decoding.assignment import check_not_suspended

# Two decoders reporting the same problem take a task out of the pool for a coordinator.
PROBLEM_REPORTS_TO_REVIEW = 2

_SUBMIT = text(
    "SELECT * FROM decoders_submit(:assignment_id, :user_id, :key, :hash, :outcome, "
    ":problem_kind, :problem_comment, :started_at, :counts, :tags, :reports)"
).bindparams(bindparam("counts", type_=JSONB), bindparam("tags", type_=JSONB))


@dataclass(frozen=True)
class Stored:
    """The stored submission (its id and task) and, on tutorial tasks, its feedback."""

    submission_id: int
    task_id: int
    feedback: Feedback | None


def request_hash(payload: SubmissionCreate) -> str:
    """A fingerprint of the body, without the key, to tell a retry from a different request."""
    body = payload.model_dump(mode="json", exclude={"idempotency_key"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _params(assignment_id: int, user: User, payload: SubmissionCreate) -> dict[str, object]:
    counts = counts_from_tags((t.attachment, t.camera_type) for t in payload.tags)
    started = payload.started_at
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return {
        "assignment_id": assignment_id,
        "user_id": user.id,
        "key": payload.idempotency_key,
        "hash": request_hash(payload),
        "outcome": payload.outcome,
        "problem_kind": payload.problem.kind if payload.problem else None,
        "problem_comment": payload.problem.comment if payload.problem else None,
        "started_at": started,
        "counts": counts,
        "tags": [{"ordinal": i, **tag.model_dump()} for i, tag in enumerate(payload.tags)],
        "reports": PROBLEM_REPORTS_TO_REVIEW,
    }


def submit(
    session: Session, *, assignment_id: int, user: User, payload: SubmissionCreate
) -> Stored:
    """Store a submission once; a retry with the same key returns the original."""
    check_not_suspended(user)
    try:
        row = core_connection(session).execute(_SUBMIT, _params(assignment_id, user, payload)).one()
    except IntegrityError as exc:
        # Two requests racing past the replay check: the same key on another lease is a
        # conflict (as it is once the first has committed); anything else, a second answer.
        if _constraint(exc) == "uq_submissions_user_id_idempotency_key":
            raise IdempotencyConflict(
                "This idempotency key was used with a different request."
            ) from exc
        raise AlreadySubmitted("You already answered this task.") from exc
    outcome = row.outcome
    if outcome == "not_found":
        raise AssignmentNotFound(f"No assignment {assignment_id}.")
    if outcome == "not_yours":
        raise NotYourLease("This lease belongs to someone else.")
    if outcome == "conflict":
        raise IdempotencyConflict("This idempotency key was used with a different request.")
    if outcome == "closed":
        raise CampaignClosed(f"Campaign '{row.detail}' is closed.")
    if outcome == "used":
        raise LeaseUsed(f"This lease was already {row.detail}.")
    if outcome == "expired":
        raise LeaseExpired("This lease has expired; ask for a new task.")
    # These two ended the lease; the error commits that end (keep_changes).
    if outcome == "excluded":
        raise TaskExcluded("A coordinator took this task out of the campaign.")
    if outcome == "full":
        raise TaskFull("This task already has all its votes.")
    # Transient: only what the known-answer functions read.
    task = Task(
        id=row.task_id,
        campaign_id=row.campaign_id,
        is_tutorial=row.is_tutorial,
        known_answer=row.known_answer,
    )
    if outcome == "replay":
        return Stored(row.submission_id, row.task_id, known_answers.feedback_for(task, payload))
    feedback = known_answers.record(session, task=task, user=user, payload=payload)
    return Stored(row.submission_id, row.task_id, feedback if task.is_tutorial else None)


def complete_task(session: Session, *, task: Task) -> None:
    """Mark a task complete and queue it for reconciliation (as decoders_submit does)."""
    task.status = "complete"
    task.completed_at = datetime.now(UTC)
    session.execute(
        text(
            "INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c) "
            "ON CONFLICT (task_id) DO NOTHING"
        ),
        {"t": task.id, "c": task.campaign_id},
    )


def _constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)
