"""Leases: one per decoder and campaign, on the best task left for them (DESIGN §3, §4).

A lease request is one call of the database function `decoders_lease` (migration 0011): the
advisory lock, the campaign's share lock, expiry of stale leases, the decoder's state, the
live lease, the pick with its retries and the insert run there in one round trip.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from geoalchemy2.shape import to_shape
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import core_connection
from app.errors import (
    AssignmentNotFound,
    Busy,
    CampaignClosed,
    CampaignNotFound,
    DecoderSuspended,
    LeaseExpired,
    LeaseRace,
    LeaseUsed,
    NotYourLease,
)
from app.models import Assignment, Campaign, Panorama, User
from app.services.accounts import has_role
from app.services.campaigns import visible_campaign
from app.settings import get_settings

# A pick that finds every candidate locked waits this long before each new attempt. Locks on
# task rows are held by lease and submit transactions of a few milliseconds; after the last
# pause the request gives up with 503 busy rather than keep a thread and a connection.
PAUSES = (0.0, 0.005, 0.02, 0.05)
# Below this many answers in a campaign an account is "fresh": it is kept off the tasks that
# accounts registered from its address leased lately (issue 10.4, sibling_guard_minutes).
# A person voting twice on one task through two new accounts is the cheap attack; an
# established account has a track record the reliability model and the moderators see.
FRESH_SUBMISSIONS = 20

_LEASE = text(
    "SELECT * FROM decoders_lease(:campaign_id, :slug, :staff, :user_id, :signup_ref, "
    ":sibling_minutes, :fresh_below, :check_key, :pauses)"
).bindparams(bindparam("pauses", type_=ARRAY(DOUBLE_PRECISION)))


@dataclass(frozen=True)
class LeasedAssignment:
    """The lease itself: its id and when it ends."""

    id: int
    expires_at: datetime


@dataclass(frozen=True)
class LeasedTask:
    """The leased task as a decoder may see it (`known`: it has a known answer)."""

    id: int
    campaign_id: int
    is_tutorial: bool
    known: bool


@dataclass(frozen=True)
class Lease:
    """A live assignment with its task, panorama and whether it was just created.

    The panorama is a transient object (not in the session), made from the call's row for the
    imagery functions that read it.
    """

    assignment: LeasedAssignment
    task: LeasedTask
    panorama: Panorama
    lon: float
    lat: float
    created: bool
    tasks_done: int
    tutorial_remaining: int


def lock_campaign(session: Session, *, campaign_id: int) -> Campaign:
    """The campaign, its row locked FOR SHARE until commit.

    Leases, submissions and skips read the status and the vote count under this lock, and a
    coordinator's change (FOR UPDATE) waits for them, so none of them acts on a stale value:
    a vote can never pass a lowered limit, nor a lease or an answer slip into a closed campaign.
    Lock order everywhere: campaign, then assignment, then task.
    """
    return session.scalars(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).one()


def check_key(user_id: int) -> bytes:
    """The decoder's key for the schedule of hidden known-answer checks (decoders_check_turn).

    Derived from the app's secret, which never reaches the database; the checks are 1 in M
    by a keyed hash of (campaign, tasks done) rather than every M-th task, which a client
    could predict from its own count.
    """
    secret = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(secret, f"known-answer-checks:{user_id}".encode(), hashlib.sha256).digest()


def _call(
    session: Session, *, user: User, campaign_id: int | None, slug: str | None
) -> Lease | None:
    guard = get_settings().sibling_guard_minutes
    connection = core_connection(session)
    try:
        row = connection.execute(
            _LEASE,
            {
                "campaign_id": campaign_id,
                "slug": slug,
                # By id, the caller already holds the campaign: a draft answers campaign_closed
                # as any other status than open. By slug, a draft exists only for coordinators.
                "staff": campaign_id is not None or has_role(user, "coordinator"),
                "user_id": user.id,
                "signup_ref": user.signup_ref if guard > 0 else None,
                "sibling_minutes": guard,
                "fresh_below": FRESH_SUBMISSIONS,
                "check_key": check_key(user.id),
                "pauses": list(PAUSES),
            },
        ).one()
    except IntegrityError as exc:  # the partial unique indexes: a lease appeared meanwhile
        raise LeaseRace("A lease was just created for you; ask again.") from exc
    outcome = row.outcome
    if outcome == "not_found":
        raise CampaignNotFound(f"No campaign '{slug if slug is not None else campaign_id}'.")
    if outcome == "closed":
        raise CampaignClosed(f"Campaign '{row.campaign_slug}' is {row.campaign_status}.")
    if outcome == "none":
        return None
    if outcome == "busy":
        raise Busy("Every task left for you is being handed out right now; ask again in a moment.")
    panorama = Panorama(
        provider=row.provider,
        provider_id=row.provider_id,
        image_url=row.image_url,
        image_tiles=row.image_tiles,
        captured_at=row.captured_at,
        heading=row.heading,
        licence=row.licence,
        attribution=row.attribution,
        creator=row.creator,
        page_url=row.page_url,
    )
    return Lease(
        assignment=LeasedAssignment(row.assignment_id, row.expires_at),
        task=LeasedTask(row.task_id, row.campaign_id, row.is_tutorial, row.known),
        panorama=panorama,
        lon=float(row.lon),
        lat=float(row.lat),
        created=outcome == "created",
        tasks_done=int(row.done),
        tutorial_remaining=max(0, int(row.tutorial_tasks) - int(row.tutorials_done)),
    )


def next_task_for(session: Session, *, campaign: Campaign, user: User) -> Lease | None:
    """The caller's live lease, or a new lease on the best task; None when nothing is left.

    Raises Busy (503) when tasks are left for the caller but all are being leased right now.
    """
    check_not_suspended(user)
    return _call(session, user=user, campaign_id=campaign.id, slug=None)


def lease_in(session: Session, *, slug: str, user: User) -> Lease | None:
    """next_task_for by the campaign's slug, which the same call looks up (a draft only for
    coordinators, as visible_campaign)."""
    if user.suspended_at is not None:
        visible_campaign(session, slug=slug, user=user)  # an unknown campaign is a 404 first
    check_not_suspended(user)
    return _call(session, user=user, campaign_id=None, slug=slug)


def check_not_suspended(user: User) -> None:
    """A suspended decoder gets no task and no answer of theirs is taken (issue 10.3)."""
    if user.suspended_at is not None:
        raise DecoderSuspended(
            "A coordinator suspended your account; your answers no longer count."
        )


def end_lease(session: Session, assignment: Assignment) -> None:
    """Expire a live lease now (its slot on the task is freed by the lease-count trigger)."""
    assignment.status = "expired"
    assignment.finished_at = datetime.now(UTC)
    session.flush()


def get_assignment(session: Session, *, assignment_id: int, user: User) -> Assignment:
    """The caller's assignment, locked for update (before its campaign); 404 or 403 otherwise."""
    assignment = session.scalars(
        select(Assignment).where(Assignment.id == assignment_id).with_for_update()
    ).one_or_none()
    if assignment is None:
        raise AssignmentNotFound(f"No assignment {assignment_id}.")
    if assignment.user_id != user.id:
        raise NotYourLease("This lease belongs to someone else.")
    return assignment


def check_open_for_answers(campaign: Campaign) -> None:
    """A closed campaign takes no more answers or skips; a paused one finishes its leases."""
    if campaign.status == "closed":
        raise CampaignClosed(f"Campaign '{campaign.slug}' is closed.")


def check_live(assignment: Assignment) -> None:
    """Raise the documented error for a lease that can no longer be used."""
    if assignment.status in ("submitted", "skipped"):
        raise LeaseUsed(f"This lease was already {assignment.status}.")
    if assignment.status == "expired" or assignment.expires_at <= datetime.now(UTC):
        raise LeaseExpired("This lease has expired; ask for a new task.")


def skip(session: Session, *, assignment_id: int, user: User) -> Assignment:
    """Give a task back: not a vote; the decoder will not see it again."""
    assignment = get_assignment(session, assignment_id=assignment_id, user=user)
    if assignment.status == "skipped":
        return assignment  # a retried skip is harmless
    check_open_for_answers(lock_campaign(session, campaign_id=assignment.campaign_id))
    check_live(assignment)
    assignment.status = "skipped"
    assignment.finished_at = datetime.now(UTC)
    session.flush()
    return assignment


def panorama_position(panorama: Panorama) -> tuple[float, float]:
    """(lon, lat) of a panorama."""
    point = to_shape(panorama.geom)
    return float(point.x), float(point.y)
