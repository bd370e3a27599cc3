"""Coordinator moderation of tasks taken out of the pool by problem reports (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.errors import ImageReferenceRequired, TaskComplete, TaskExcluded, TaskNotFound
from app.models import Assignment, Campaign, Panorama, Submission, Task
from app.schemas.tasks import TaskFix, TaskSummary


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
    task.status = "open"
    session.flush()
    return _summary(task, panorama, 0)


def exclude(session: Session, *, task_id: int) -> TaskSummary:
    """Take a task out of the campaign for good."""
    task = _locked_task(session, task_id)
    task.status = "excluded"
    session.execute(
        update(Assignment)
        .where(Assignment.task_id == task.id, Assignment.status == "live")
        .values(status="expired", finished_at=func.now())
    )
    session.flush()
    panorama = session.get_one(Panorama, task.panorama_id)
    return _summary(task, panorama, 0)
