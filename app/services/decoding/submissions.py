"""Storing a decoder's answer exactly once (DESIGN §4): idempotent, one per decoder and task."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.counts import counts_from_tags
from app.errors import AlreadySubmitted, IdempotencyConflict, TaskExcluded, TaskFull
from app.models import Assignment, Campaign, Submission, Tag, Task, User
from app.schemas.decoding import Feedback, SubmissionCreate
from app.services.decoding import known_answers
from app.services.decoding.assignment import (
    check_live,
    check_not_suspended,
    check_open_for_answers,
    end_lease,
    get_assignment,
    lock_campaign,
)

# Two decoders reporting the same problem take a task out of the pool for a coordinator.
PROBLEM_REPORTS_TO_REVIEW = 2


@dataclass(frozen=True)
class Stored:
    """The stored submission and, on tutorial tasks, its feedback."""

    submission: Submission
    feedback: Feedback | None


def request_hash(payload: SubmissionCreate) -> str:
    """A fingerprint of the body, without the key, to tell a retry from a different request."""
    body = payload.model_dump(mode="json", exclude={"idempotency_key"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _replay(
    session: Session, *, user: User, assignment_id: int, payload: SubmissionCreate
) -> Stored | None:
    """The original result of a retried request, or None for a new key."""
    existing = session.scalars(
        select(Submission).where(
            Submission.user_id == user.id, Submission.idempotency_key == payload.idempotency_key
        )
    ).one_or_none()
    if existing is None:
        return None
    # The same body sent for another lease is a new answer that reused a key, not a retry.
    if existing.request_hash != request_hash(payload) or existing.assignment_id != assignment_id:
        raise IdempotencyConflict("This idempotency key was used with a different request.")
    task = session.get_one(Task, existing.task_id)
    return Stored(existing, known_answers.feedback_for(task, payload))


def _started_at(assignment: Assignment, claimed: datetime | None) -> datetime:
    # The lease's creation is when the task was shown; a client's own clock is trusted only
    # inside the lease's lifetime, so nobody can jump the "earliest N" queue.
    if claimed is None:
        return assignment.created_at
    claimed = claimed if claimed.tzinfo else claimed.replace(tzinfo=UTC)
    return min(max(claimed, assignment.created_at), datetime.now(UTC))


def _count_vote(session: Session, *, task: Task, campaign: Campaign) -> None:
    """Add one valid vote; the conditional UPDATE is the last guard against over-voting."""
    row = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.valid_submissions < campaign.votes_per_task)
        .values(valid_submissions=Task.valid_submissions + 1)
        .returning(Task.valid_submissions)
    ).first()
    if row is None and not task.is_tutorial:
        # Unreachable while _refuse_vote runs first under the same locks; kept as the guard.
        raise TaskFull("This task already has all its votes.")
    if row is not None:  # the new count, without another round trip to read it back
        set_committed_value(task, "valid_submissions", row.valid_submissions)
    # Only an open task completes: one in review waits for its coordinator.
    complete = task.valid_submissions >= campaign.votes_per_task
    if task.status == "open" and not task.is_tutorial and complete:
        complete_task(session, task=task)


def complete_task(session: Session, *, task: Task) -> None:
    """Mark a task complete and queue it for reconciliation."""
    task.status = "complete"
    task.completed_at = datetime.now(UTC)
    session.execute(
        text(
            "INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c) "
            "ON CONFLICT (task_id) DO NOTHING"
        ),
        {"t": task.id, "c": task.campaign_id},
    )


def _refuse_vote(
    session: Session,
    *,
    assignment: Assignment,
    task: Task,
    campaign: Campaign,
    payload: SubmissionCreate,
) -> None:
    """End the lease and refuse when the task can take no answer: it left, or is full.

    Checked before anything is written, so the error can commit the lease's end alone: the
    decoder's next lease request then gets another task instead of this one again.
    """
    if task.status == "excluded":
        end_lease(session, assignment)
        raise TaskExcluded("A coordinator took this task out of the campaign.")
    full = task.valid_submissions >= campaign.votes_per_task
    if full and payload.outcome != "problem" and not task.is_tutorial:
        end_lease(session, assignment)
        raise TaskFull("This task already has all its votes.")


def _maybe_review(session: Session, *, task: Task, kind: str) -> None:
    same = session.scalar(
        select(func.count()).where(
            Submission.task_id == task.id,
            Submission.outcome == "problem",
            Submission.problem_kind == kind,
        )
    )
    if (same or 0) >= PROBLEM_REPORTS_TO_REVIEW and task.status == "open":
        task.status = "review"


def _insert(
    session: Session, *, assignment: Assignment, user: User, payload: SubmissionCreate
) -> Submission:
    counts = counts_from_tags((t.attachment, t.camera_type) for t in payload.tags)
    submission = Submission(
        campaign_id=assignment.campaign_id,
        task_id=assignment.task_id,
        user_id=user.id,
        assignment_id=assignment.id,
        idempotency_key=payload.idempotency_key,
        request_hash=request_hash(payload),
        outcome=payload.outcome,
        problem_kind=payload.problem.kind if payload.problem else None,
        problem_comment=payload.problem.comment if payload.problem else None,
        started_at=_started_at(assignment, payload.started_at),
        **{f"n_{k}": v for k, v in counts.items()},
    )
    session.add(submission)
    session.flush()
    session.add_all(
        Tag(
            submission_id=submission.id,
            task_id=assignment.task_id,
            user_id=user.id,
            ordinal=i,
            **tag.model_dump(),
        )
        for i, tag in enumerate(payload.tags)
    )
    return submission


def submit(
    session: Session, *, assignment_id: int, user: User, payload: SubmissionCreate
) -> Stored:
    """Store a submission once; a retry with the same key returns the original."""
    check_not_suspended(user)
    assignment = get_assignment(session, assignment_id=assignment_id, user=user)
    # The assignment row lock is held now, so a concurrent retry has committed: replay it.
    replay = _replay(session, user=user, assignment_id=assignment_id, payload=payload)
    if replay is not None:
        return replay
    # Status and votes are read under the campaign's share lock: a coordinator's change waits.
    campaign = lock_campaign(session, campaign_id=assignment.campaign_id)
    check_open_for_answers(campaign)
    check_live(assignment)
    task = session.scalars(
        select(Task)
        .where(Task.id == assignment.task_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    _refuse_vote(session, assignment=assignment, task=task, campaign=campaign, payload=payload)
    # No savepoint: a violation ends the request, whose transaction rolls back whole anyway.
    try:
        submission = _insert(session, assignment=assignment, user=user, payload=payload)
    except IntegrityError as exc:
        raise AlreadySubmitted("You already answered this task.") from exc
    if payload.outcome == "problem":
        assert payload.problem is not None
        _maybe_review(session, task=task, kind=payload.problem.kind)
    else:
        _count_vote(session, task=task, campaign=campaign)
    assignment.status = "submitted"
    assignment.finished_at = datetime.now(UTC)
    feedback = known_answers.record(session, task=task, user=user, payload=payload)
    session.flush()
    return Stored(submission, feedback if task.is_tutorial else None)
