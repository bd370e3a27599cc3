"""Campaigns: public listing and detail."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.schemas.campaigns import CampaignList, CampaignRead
from app.schemas.common import error_responses
from app.services import campaigns as service

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("", response_model=CampaignList)
def list_campaigns(session: SessionDep) -> CampaignList:
    """Campaigns open to the public (not drafts)."""
    items = service.list_campaigns(session)
    return CampaignList(campaigns=[CampaignRead.model_validate(c) for c in items])


@router.get("/{slug}", response_model=CampaignRead, responses=error_responses(404))
def get_campaign(slug: str, session: SessionDep) -> CampaignRead:
    """One campaign and its settings."""
    return CampaignRead.model_validate(service.get_campaign(session, slug=slug))
