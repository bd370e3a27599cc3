"""Coordinator moderation of tasks taken out of the pool by problem reports (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.errors import ImageReferenceRequired, TaskComplete, TaskExcluded, TaskNotFound
from app.models import Assignment, Campaign, Panorama, Submission, Task
from app.schemas.tasks import TaskFix, TaskSummary
from app.services.decoding.assignment import lock_campaign
from app.services.decoding.submissions import complete_task
from app.services.reconciliation import forget_tasks


def _summary(task: Task, panorama: Panorama, problems: int) -> TaskSummary:
    return TaskSummary(
        id=task.id,
        status=task.status,
        valid_submissions=task.valid_submissions,
        problem_reports=problems,
        provider=panorama.provider,
        image_url=panorama.image_url,
        pano_id=panorama.provider_id,
    )


def list_tasks(
    session: Session, *, campaign: Campaign, status: str, limit: int, offset: int
) -> Sequence[TaskSummary]:
    """Tasks of a campaign in one status, with their problem-report counts."""
    problems = (
        select(func.count())
        .where(Submission.task_id == Task.id, Submission.outcome == "problem")
        .scalar_subquery()
    )
    rows = session.execute(
        select(Task, Panorama, problems)
        .join(Panorama, Panorama.id == Task.panorama_id)
        .where(Task.campaign_id == campaign.id, Task.status == status)
        .order_by(Task.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_summary(t, p, n) for t, p, n in rows]


def _locked_task(session: Session, task_id: int) -> Task:
    task = session.scalars(select(Task).where(Task.id == task_id).with_for_update()).one_or_none()
    if task is None:
        raise TaskNotFound(f"No task {task_id}.")
    return task


def reopen(session: Session, *, task_id: int, fix: TaskFix) -> TaskSummary:
    """Put a task back in the pool, optionally with a corrected panorama.

    The problem reports are removed: they described the old image and must not send the
    fixed task straight back to review.
    """
    campaign_id = session.scalar(select(Task.campaign_id).where(Task.id == task_id))
    if campaign_id is None:
        raise TaskNotFound(f"No task {task_id}.")
    # Campaign (votes) then task, the one lock order: a vote or a vote-count change that
    # commits meanwhile is seen here, so the task cannot reopen with all its votes in.
    campaign = lock_campaign(session, campaign_id=campaign_id)
    task = _locked_task(session, task_id)
    if task.status == "complete":
        raise TaskComplete("A complete task cannot be reopened.")
    if task.status == "excluded":
        raise TaskExcluded("An excluded task stays out of the campaign.")
    panorama = session.get_one(Panorama, task.panorama_id)
    for field, value in fix.model_dump(exclude_unset=True).items():
        setattr(panorama, {"pano_id": "provider_id"}.get(field, field), value)
    if panorama.image_url is None and panorama.provider_id is None:
        # The panoramas table requires one of the two (ck_panoramas_has_image_reference).
        raise ImageReferenceRequired(
            "A panorama needs an image URL or a provider id; this fix would remove both."
        )
    session.execute(
        delete(Submission).where(Submission.task_id == task.id, Submission.outcome == "problem")
    )
    if not task.is_tutorial and task.valid_submissions >= campaign.votes_per_task:
        # Votes on live leases kept counting while it was in review: it is done, not open.
        complete_task(session, task=task)
    else:
        task.status = "open"
    session.flush()
    return _summary(task, panorama, 0)


def exclude(session: Session, *, task_id: int) -> TaskSummary:
    """Take a task out of the campaign for good, with its reconciled results."""
    # Assignments before their task, the one lock order (a submission holds its lease, then
    # waits for the task): lock the live leases first, end them once the task is locked.
    live = session.scalars(
        select(Assignment.id)
        .where(Assignment.task_id == task_id, Assignment.status == "live")
        .order_by(Assignment.id)
        .with_for_update()
    ).all()
    task = _locked_task(session, task_id)
    task.status = "excluded"
    # A lease created meanwhile stays live; its submission is refused and ends it.
    session.execute(
        update(Assignment)
        .where(Assignment.id.in_(live), Assignment.status == "live")
        .values(status="expired", finished_at=func.now())
    )
    session.flush()
    # Its cameras and counts leave every published output in this same transaction
    # (issue 9.4), not at the next --full run.
    forget_tasks(session, campaign_id=task.campaign_id, task_ids=[task.id])
    panorama = session.get_one(Panorama, task.panorama_id)
    return _summary(task, panorama, 0)
