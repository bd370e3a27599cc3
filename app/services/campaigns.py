"""Campaign use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.errors import CampaignClosed, CampaignExists, CampaignNotFound
from app.models import Campaign, User
from app.schemas.campaigns import CampaignCreate, CampaignUpdate
from app.services.accounts import has_role


def list_campaigns(session: Session, *, include_drafts: bool = False) -> Sequence[Campaign]:
    """Campaigns, newest first; drafts only for staff."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not include_drafts:
        query = query.where(Campaign.status != "draft")
    return session.scalars(query).all()


def get_campaign(session: Session, *, slug: str, for_update: bool = False) -> Campaign:
    """The campaign with this slug, or NotFound."""
    query = select(Campaign).where(Campaign.slug == slug)
    if for_update:
        query = query.with_for_update()
    campaign = session.scalars(query).one_or_none()
    if campaign is None:
        raise CampaignNotFound(f"No campaign '{slug}'.")
    return campaign


def visible_campaign(session: Session, *, slug: str, user: User | None) -> Campaign:
    """The campaign as its caller may see it: drafts exist only for coordinators."""
    campaign = get_campaign(session, slug=slug)
    if campaign.status == "draft" and not (user is not None and has_role(user, "coordinator")):
        raise CampaignNotFound(f"No campaign '{slug}'.")
    return campaign


def create_campaign(session: Session, *, payload: CampaignCreate) -> Campaign:
    """Create a campaign (draft) or Conflict when the slug is taken."""
    if session.scalar(select(Campaign.id).where(Campaign.slug == payload.slug)) is not None:
        raise CampaignExists(f"Campaign '{payload.slug}' already exists.")
    campaign = Campaign(**payload.model_dump(), status="draft")
    session.add(campaign)
    session.flush()
    return campaign


_RECOMPLETE = text(
    """
    WITH done AS (
        UPDATE tasks SET status = 'complete', completed_at = now()
        WHERE campaign_id = :c AND status = 'open' AND NOT is_tutorial
          AND valid_submissions >= :votes
        RETURNING id
    )
    INSERT INTO reconcile_jobs (task_id, campaign_id) SELECT id, :c FROM done
    ON CONFLICT (task_id) DO NOTHING
    """
)
_REOPEN = text(
    "UPDATE tasks SET status = 'open', completed_at = NULL "
    "WHERE campaign_id = :c AND status = 'complete' AND valid_submissions < :votes"
)


def update_campaign(session: Session, *, slug: str, payload: CampaignUpdate) -> Campaign:
    """Change a campaign's settings (status changes go through change_status)."""
    campaign = get_campaign(session, slug=slug, for_update=True)
    old_votes = campaign.votes_per_task
    for field, value in payload.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(campaign, field, value)
    session.flush()
    if campaign.votes_per_task != old_votes:
        # Completion depends on the vote count: tasks that now have enough complete (and are
        # reconciled); tasks that no longer do go back to the pool.
        params = {"c": campaign.id, "votes": campaign.votes_per_task}
        session.execute(_RECOMPLETE, params)
        session.execute(_REOPEN, params)
    return campaign


StatusAction = Literal["open", "pause", "close"]
_ACTION_STATUS = {"open": "open", "pause": "paused", "close": "closed"}


def change_status(session: Session, *, slug: str, action: StatusAction) -> Campaign:
    """Open, pause or close a campaign; a closed campaign stays closed."""
    campaign = get_campaign(session, slug=slug, for_update=True)
    target = _ACTION_STATUS[action]
    if campaign.status == "closed" and target != "closed":
        raise CampaignClosed("A closed campaign cannot be reopened.")
    campaign.status = target
    session.flush()
    return campaign
