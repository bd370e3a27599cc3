"""Leases: one per decoder and campaign, on the best task left for them (DESIGN §3, §4)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import (
    AssignmentNotFound,
    CampaignClosed,
    DecoderSuspended,
    LeaseExpired,
    LeaseRace,
    LeaseUsed,
    NotYourLease,
)
from app.models import Assignment, Campaign, Panorama, Task, User
from app.services.decoding import pool
from app.settings import get_settings


@dataclass(frozen=True)
class Lease:
    """A live assignment with its task, panorama and whether it was just created."""

    assignment: Assignment
    task: Task
    panorama: Panorama
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


def _known_answer_turn(*, campaign: Campaign, user_id: int, done: int) -> bool:
    """Whether this lease is a hidden known-answer check, with probability 1/M.

    A keyed hash of (campaign, decoder, tasks done) rather than every M-th task: a fixed schedule
    would let a client predict the checks from its own count and answer those carefully, and a
    keyed hash, unlike a random draw, makes simulations and tests reproducible.
    """
    every = campaign.known_answer_every
    if not every:
        return False
    key = get_settings().secret_key.get_secret_value().encode()
    message = f"{campaign.id}:{user_id}:{done}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % every == 0


def _kinds(campaign: Campaign, *, user_id: int, state: pool.DecoderState) -> list[pool.Kind]:
    """Tutorial first, a hidden known-answer task 1 in M, else the best task of the pool."""
    kinds = []
    if state.tutorials_done < campaign.tutorial_tasks:
        kinds.append(pool.Kind.TUTORIAL)
    if _known_answer_turn(campaign=campaign, user_id=user_id, done=state.done):
        kinds.append(pool.Kind.KNOWN)
    kinds.append(pool.Kind.POOL)
    return kinds


def _task_and_panorama(session: Session, task_id: int) -> tuple[Task, Panorama]:
    task, panorama = session.execute(
        select(Task, Panorama)
        .join(Panorama, Panorama.id == Task.panorama_id)
        .where(Task.id == task_id)
        .execution_options(populate_existing=True)
    ).one()
    return task, panorama


def _lease(
    session: Session,
    assignment: Assignment,
    *,
    created: bool,
    campaign: Campaign,
    state: pool.DecoderState,
) -> Lease:
    task, panorama = _task_and_panorama(session, assignment.task_id)
    return Lease(
        assignment=assignment,
        task=task,
        panorama=panorama,
        created=created,
        tasks_done=state.done,
        tutorial_remaining=max(0, campaign.tutorial_tasks - state.tutorials_done),
    )


def _usable(lease: Lease, campaign: Campaign) -> bool:
    """Whether a live lease can still take an answer (its task may have filled or left)."""
    task = lease.task
    if lease.assignment.expires_at <= datetime.now(UTC) or task.status not in ("open", "review"):
        return False
    return task.is_tutorial or task.valid_submissions < campaign.votes_per_task


def next_task_for(session: Session, *, campaign: Campaign, user: User) -> Lease | None:
    """The caller's live lease, or a new lease on the best task; None when nothing is left.

    Raises Busy (503) when tasks are left for the caller but all are being leased right now.
    """
    check_not_suspended(user)
    # One decoder's requests (two tabs, a double click) are serialised; different decoders
    # never wait on each other here.
    session.execute(text("SELECT pg_advisory_xact_lock(7301, CAST(:u AS int))"), {"u": user.id})
    campaign = lock_campaign(session, campaign_id=campaign.id)
    if campaign.status != "open":
        raise CampaignClosed(f"Campaign '{campaign.slug}' is {campaign.status}.")
    pool.expire_stale(session, campaign_id=campaign.id)
    state = pool.decoder_state(
        session, campaign_id=campaign.id, user_id=user.id, signup_ref=user.signup_ref
    )
    live = session.scalars(
        select(Assignment).where(
            Assignment.campaign_id == campaign.id,
            Assignment.user_id == user.id,
            Assignment.status == "live",
        )
    ).one_or_none()
    if live is not None:
        current = _lease(session, live, created=False, campaign=campaign, state=state)
        if _usable(current, campaign):
            return current
        # A full, complete or excluded task must not be handed back until the lease expires.
        end_lease(session, live)
    kinds = _kinds(campaign, user_id=user.id, state=state)
    task_id = pool.pick(session, campaign=campaign, user_id=user.id, state=state, kinds=kinds)
    if task_id is None:
        return None
    task, panorama = _task_and_panorama(session, task_id)
    now = datetime.now(UTC)
    assignment = Assignment(
        campaign_id=campaign.id,
        task_id=task_id,
        user_id=user.id,
        known_answer=task.known_answer is not None,
        created_at=now,
        expires_at=now + timedelta(minutes=campaign.lease_minutes),
    )
    session.add(assignment)
    try:
        session.flush()
    except IntegrityError as exc:  # the partial unique indexes: a lease appeared meanwhile
        raise LeaseRace("A lease was just created for you; ask again.") from exc
    # A new lease changes no submission count: the state read above still holds.
    return Lease(
        assignment=assignment,
        task=task,
        panorama=panorama,
        created=True,
        tasks_done=state.done,
        tutorial_remaining=max(0, campaign.tutorial_tasks - state.tutorials_done),
    )


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
