"""Coordinators: find street imagery for a campaign, a step at a time, and see where it stands."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.api.deps import BODY_ERRORS, STAFF_ERRORS, CoordinatorUser, SessionDep, SettingsDep
from app.errors import (
    AreaNotFound,
    CampaignNotFound,
    CsrfFailed,
    ImageryInvalid,
    ImageryNotConfigured,
    ImageryUnavailable,
    InvalidDate,
    InvalidRequest,
    UnknownProvider,
)
from app.schemas.common import error_responses
from app.schemas.imagery import FindRequest, FindStatusRead, FindStep
from app.services import campaigns, imagery

router = APIRouter(prefix="/campaigns/{slug}/imagery", tags=["imagery"])


@router.get(
    "",
    response_model=FindStatusRead,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def imagery_status(
    slug: str,
    _: CoordinatorUser,
    session: SessionDep,
    provider: Annotated[Literal["mapillary", "panoramax"], Query()],
) -> FindStatusRead:
    """Locations searched at a provider, those without imagery, and how many remain."""
    campaign = campaigns.get_campaign(session, slug=slug)
    status = imagery.find_status(session, campaign=campaign, provider=provider)
    return FindStatusRead.model_validate(status, from_attributes=True)


@router.post(
    "/find",
    response_model=FindStep,
    responses=error_responses(
        *STAFF_ERRORS,
        CsrfFailed,
        CampaignNotFound,
        AreaNotFound,
        *BODY_ERRORS,
        InvalidDate,
        UnknownProvider,
        ImageryNotConfigured,
        ImageryInvalid,
        ImageryUnavailable,
    ),
)
def find_imagery(
    slug: str, body: FindRequest, _: CoordinatorUser, session: SessionDep, settings: SettingsDep
) -> FindStep:
    """Search the next tiles and create their tasks; repeat until nothing remains."""
    campaign = campaigns.get_campaign(session, slug=slug)
    options = imagery.FindOptions(
        provider=body.provider,
        max_distance_m=body.max_distance_m,
        since=imagery.date_bound(body.since),
        until=imagery.date_bound(body.until, end=True),
        area=body.area,
        spacing_m=body.spacing_m,
    )
    provider = imagery.provider_for(body.provider, settings)
    try:
        batch = imagery.find_batch(
            session, campaign=campaign, provider=provider, options=options, max_tiles=body.max_tiles
        )
    finally:
        provider.client.close()
    status = imagery.find_status(session, campaign=campaign, provider=body.provider)
    results = batch.results
    return FindStep(
        tiles_done=batch.tiles_done,
        tiles_remaining=batch.tiles_remaining,
        locations_searched=sum(r.locations for r in results),
        panoramas_created=sum(r.panoramas_created for r in results),
        tasks_created=sum(r.tasks_created for r in results),
        merged=sum(r.merged for r in results),
        without_imagery=[x for r in results for x in r.without_imagery],
        status=FindStatusRead.model_validate(status, from_attributes=True),
    )
