"""Campaigns: public listing, coordinator management, progress."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import (
    AUTH_ERRORS,
    BODY_ERRORS,
    STAFF_ERRORS,
    CoordinatorUser,
    OptionalUser,
    SessionDep,
)
from app.api.public_cache import cached
from app.errors import CampaignClosed, CampaignExists, CampaignNotFound, CsrfFailed, InvalidRequest
from app.schemas.campaigns import CampaignCreate, CampaignList, CampaignRead, CampaignUpdate
from app.schemas.common import error_responses
from app.schemas.decoding import ProgressRead
from app.services import accounts
from app.services import campaigns as service
from app.services.progress import campaign_progress

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("", response_model=CampaignList, responses=error_responses(*AUTH_ERRORS))
def list_campaigns(session: SessionDep, user: OptionalUser) -> CampaignList:
    """Campaigns (drafts only for coordinators)."""
    staff = user is not None and accounts.has_role(user, "coordinator")
    items = service.list_campaigns(session, include_drafts=staff)
    return CampaignList(campaigns=[CampaignRead.model_validate(c) for c in items])


@router.post(
    "",
    response_model=CampaignRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(*STAFF_ERRORS, CsrfFailed, CampaignExists, *BODY_ERRORS),
)
def create_campaign(
    payload: CampaignCreate, _: CoordinatorUser, session: SessionDep
) -> CampaignRead:
    """Create a campaign as a draft (coordinators)."""
    return CampaignRead.model_validate(service.create_campaign(session, payload=payload))


@router.get(
    "/{slug}",
    response_model=CampaignRead,
    responses=error_responses(*AUTH_ERRORS, CampaignNotFound, InvalidRequest),
)
def get_campaign(slug: str, session: SessionDep, user: OptionalUser) -> CampaignRead:
    """One campaign and its settings (drafts only for coordinators)."""
    return CampaignRead.model_validate(service.visible_campaign(session, slug=slug, user=user))


@router.patch(
    "/{slug}",
    response_model=CampaignRead,
    responses=error_responses(*STAFF_ERRORS, CsrfFailed, CampaignNotFound, *BODY_ERRORS),
)
def update_campaign(
    slug: str, payload: CampaignUpdate, _: CoordinatorUser, session: SessionDep
) -> CampaignRead:
    """Change settings, or open / pause / close with `status` (coordinators)."""
    return CampaignRead.model_validate(service.update_campaign(session, slug=slug, payload=payload))


def _status_route(action: service.StatusAction) -> None:
    @router.post(
        f"/{{slug}}/{action}",
        response_model=CampaignRead,
        responses=error_responses(
            *STAFF_ERRORS, CsrfFailed, CampaignNotFound, CampaignClosed, InvalidRequest
        ),
        name=f"{action}_campaign",
        summary=f"{action.capitalize()} a campaign (coordinators)",
    )
    def change_status(slug: str, _: CoordinatorUser, session: SessionDep) -> CampaignRead:
        return CampaignRead.model_validate(service.change_status(session, slug=slug, action=action))


for _action in ("open", "pause", "close"):
    _status_route(_action)


@router.get(
    "/{slug}/progress",
    response_model=ProgressRead,
    responses={
        **error_responses(*AUTH_ERRORS, *READER_ERRORS, CampaignNotFound, InvalidRequest),
        304: {"description": "Not modified (ETag)"},
    },
    dependencies=[Depends(reader_access("map"))],
)
def progress(slug: str, request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """Tasks total, complete and in progress, per area and per day (cached a few seconds)."""
    campaign = service.visible_campaign(session, slug=slug, user=user)

    def build() -> Response:
        body = campaign_progress(session, campaign=campaign).model_dump_json()
        return Response(body, media_type="application/json")

    if campaign.status == "draft":  # seen by coordinators only: never shared through the cache
        return build()
    return cached(request, ("progress", campaign.id), build)
