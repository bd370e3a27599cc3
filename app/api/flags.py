"""Discussion flags on tasks."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from app.api.deps import (
    BODY_ERRORS,
    STAFF_ERRORS,
    USER_ERRORS,
    CoordinatorUser,
    CurrentUser,
    SessionDep,
)
from app.errors import CampaignNotFound, CsrfFailed, InvalidRequest, TaskNotFound
from app.schemas.common import error_responses
from app.schemas.decoding import FlagCreate, FlagList, FlagRead
from app.services import decoding as service
from app.services.campaigns import get_campaign

router = APIRouter(tags=["flags"])


@router.post(
    "/tasks/{task_id}/flags",
    response_model=FlagRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(*USER_ERRORS, CsrfFailed, TaskNotFound, *BODY_ERRORS),
)
def add_flag(task_id: int, payload: FlagCreate, user: CurrentUser, session: SessionDep) -> FlagRead:
    """Open or join the discussion thread of a task."""
    return service.add_flag(session, task_id=task_id, user=user, body=payload.body)


@router.get(
    "/tasks/{task_id}/flags",
    response_model=FlagList,
    responses=error_responses(*USER_ERRORS, TaskNotFound, InvalidRequest),
)
def list_flags(task_id: int, user: CurrentUser, session: SessionDep) -> FlagList:
    """The thread of a task (authors by pseudonym)."""
    return FlagList(flags=list(service.task_flags(session, task_id=task_id, user=user)))


@router.get(
    "/campaigns/{slug}/flags",
    response_model=FlagList,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def recent_flags(
    slug: str,
    _: CoordinatorUser,
    session: SessionDep,
    limit: int = Query(default=50, ge=1, le=500),
) -> FlagList:
    """Recent flags of a campaign, newest first (coordinators)."""
    campaign = get_campaign(session, slug=slug)
    return FlagList(flags=list(service.campaign_flags(session, campaign=campaign, limit=limit)))
