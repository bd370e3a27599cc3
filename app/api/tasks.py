"""Coordinator moderation of tasks: review queue, reopen with a fixed panorama, exclude."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from app.api.deps import BODY_ERRORS, STAFF_ERRORS, CoordinatorUser, SessionDep
from app.errors import (
    CampaignNotFound,
    CsrfFailed,
    InvalidRequest,
    TaskComplete,
    TaskExcluded,
    TaskNotFound,
)
from app.schemas.common import error_responses
from app.schemas.tasks import TaskFix, TaskList, TaskSummary
from app.services import decoding as service
from app.services.campaigns import get_campaign

router = APIRouter(tags=["tasks"])


@router.get(
    "/campaigns/{slug}/tasks",
    response_model=TaskList,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def list_tasks(
    slug: str,
    _: CoordinatorUser,
    session: SessionDep,
    status: Literal["open", "complete", "review", "excluded"] = "review",
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000_000),
) -> TaskList:
    """Tasks in one status (default: waiting for review after problem reports)."""
    campaign = get_campaign(session, slug=slug)
    items = service.list_tasks(
        session, campaign=campaign, status=status, limit=limit, offset=offset
    )
    return TaskList(tasks=list(items))


@router.post(
    "/tasks/{task_id}/reopen",
    response_model=TaskSummary,
    responses=error_responses(
        *STAFF_ERRORS, CsrfFailed, TaskNotFound, TaskComplete, TaskExcluded, *BODY_ERRORS
    ),
)
def reopen_task(task_id: int, fix: TaskFix, _: CoordinatorUser, session: SessionDep) -> TaskSummary:
    """Fix a task's panorama (optional) and put it back in the pool."""
    return service.reopen(session, task_id=task_id, fix=fix)


@router.post(
    "/tasks/{task_id}/exclude",
    response_model=TaskSummary,
    responses=error_responses(*STAFF_ERRORS, CsrfFailed, TaskNotFound, InvalidRequest),
)
def exclude_task(task_id: int, _: CoordinatorUser, session: SessionDep) -> TaskSummary:
    """Take a task out of the campaign for good."""
    return service.exclude(session, task_id=task_id)
