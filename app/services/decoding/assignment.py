"""Fair task assignment: leases handed out with row locks that skip locked rows (DESIGN §3, §4)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import (
    AssignmentNotFound,
    CampaignClosed,
    LeaseExpired,
    LeaseRace,
    LeaseUsed,
    NotYourLease,
)
from app.models import Assignment, Campaign, Panorama, Submission, Task, User
from app.settings import get_settings
from app.sql import load

_NEXT_TASK = load("next_task")
_LIVE_COUNT = text(
    "SELECT t.valid_submissions + (SELECT count(*) FROM assignments a WHERE a.task_id = t.id "
    "AND a.status = 'live' AND a.expires_at > now()) FROM tasks t WHERE t.id = :task_id"
)
# How many locked candidates to try before giving up on a busy pool in one request.
_CANDIDATES = 8


@dataclass(frozen=True)
class Lease:
    """A live assignment with its task, panorama and whether it was just created."""

    assignment: Assignment
    task: Task
    panorama: Panorama
    created: bool
    tasks_done: int
    tutorial_remaining: int


def expire_stale(session: Session, *, campaign_id: int) -> int:
    """Mark leases past their expiry as expired (no cron: every lease request reclaims)."""
    stale = (
        select(Assignment.id)
        .where(
            Assignment.campaign_id == campaign_id,
            Assignment.status == "live",
            Assignment.expires_at <= func.now(),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = session.execute(
        update(Assignment)
        .where(Assignment.id.in_(stale))
        .values(status="expired", finished_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _done_counts(session: Session, *, campaign_id: int, user_id: int) -> tuple[int, int]:
    """(tasks done, tutorial tasks done) by the decoder in the campaign."""
    row = session.execute(
        select(func.count().label("done"), func.count().filter(Task.is_tutorial).label("tutorials"))
        .select_from(Submission)
        .join(Task, Task.id == Submission.task_id)
        .where(Submission.campaign_id == campaign_id, Submission.user_id == user_id)
    ).one()
    return int(row.done), int(row.tutorials)


def _previous_position(session: Session, *, user_id: int) -> tuple[float, float] | None:
    row = session.execute(
        select(func.ST_X(Panorama.geom).label("lon"), func.ST_Y(Panorama.geom).label("lat"))
        .join(Task, Task.panorama_id == Panorama.id)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Assignment.user_id == user_id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
        .limit(1)
    ).first()
    return (float(row.lon), float(row.lat)) if row else None


def _pick(
    session: Session,
    *,
    campaign: Campaign,
    user_id: int,
    prev: tuple[float, float] | None,
    tutorial: bool,
    known_only: bool,
) -> int | None:
    """Lock and return a task with room for one more vote, or None."""
    exclude: list[int] = []
    for _ in range(3):
        ids = session.scalars(
            _NEXT_TASK,
            {
                "campaign_id": campaign.id,
                "user_id": user_id,
                "tutorial": tutorial,
                "known_only": known_only,
                "votes": campaign.votes_per_task,
                "exclude": exclude,
                "prev_lon": prev[0] if prev else None,
                "prev_lat": prev[1] if prev else None,
                "limit": _CANDIDATES,
            },
        ).all()
        for task_id in ids:
            # We now hold the row lock, so whoever leased it before us has committed: a fresh
            # statement sees their lease, which the candidate query's snapshot may not have.
            if tutorial:
                return int(task_id)
            used = session.scalar(_LIVE_COUNT, {"task_id": task_id})
            if used is not None and used < campaign.votes_per_task:
                return int(task_id)
            exclude.append(int(task_id))
        if len(ids) < _CANDIDATES:
            return None
    return None


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


def _choose_task(
    session: Session, *, campaign: Campaign, user_id: int, done: int, tutorial_done: int
) -> int | None:
    """The next task id: tutorial first, a hidden known-answer task 1 in M, else the best task."""
    pick = partial(
        _pick,
        session,
        campaign=campaign,
        user_id=user_id,
        prev=_previous_position(session, user_id=user_id),
    )
    if tutorial_done < campaign.tutorial_tasks:
        task_id = pick(tutorial=True, known_only=True)
        if task_id is not None:
            return task_id
    if _known_answer_turn(campaign=campaign, user_id=user_id, done=done):
        task_id = pick(tutorial=False, known_only=True)
        if task_id is not None:
            return task_id
    return pick(tutorial=False, known_only=False)


def _lease(
    session: Session,
    assignment: Assignment,
    *,
    created: bool,
    campaign: Campaign,
    counts: tuple[int, int] | None = None,
) -> Lease:
    task = session.get_one(Task, assignment.task_id)
    panorama = session.get_one(Panorama, task.panorama_id)
    done, tutorial_done = counts or _done_counts(
        session, campaign_id=campaign.id, user_id=assignment.user_id
    )
    return Lease(
        assignment=assignment,
        task=task,
        panorama=panorama,
        created=created,
        tasks_done=done,
        tutorial_remaining=max(0, campaign.tutorial_tasks - tutorial_done),
    )


def next_task_for(session: Session, *, campaign: Campaign, user: User) -> Lease | None:
    """The caller's live lease, or a new lease on the best task; None when nothing is left."""
    if campaign.status != "open":
        raise CampaignClosed(f"Campaign '{campaign.slug}' is {campaign.status}.")
    # One decoder's requests (two tabs, a double click) are serialised; different decoders
    # never wait on each other here.
    session.execute(text("SELECT pg_advisory_xact_lock(7301, CAST(:u AS int))"), {"u": user.id})
    expire_stale(session, campaign_id=campaign.id)
    live = session.scalars(
        select(Assignment).where(
            Assignment.campaign_id == campaign.id,
            Assignment.user_id == user.id,
            Assignment.status == "live",
        )
    ).one_or_none()
    if live is not None:
        return _lease(session, live, created=False, campaign=campaign)
    counts = done, tutorial_done = _done_counts(session, campaign_id=campaign.id, user_id=user.id)
    task_id = _choose_task(
        session, campaign=campaign, user_id=user.id, done=done, tutorial_done=tutorial_done
    )
    if task_id is None:
        return None
    task = session.get_one(Task, task_id)
    assignment = Assignment(
        campaign_id=campaign.id,
        task_id=task_id,
        user_id=user.id,
        known_answer=task.known_answer is not None,
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(minutes=campaign.lease_minutes),
    )
    try:
        with session.begin_nested():
            session.add(assignment)
    except IntegrityError as exc:  # the partial unique indexes: a lease appeared meanwhile
        raise LeaseRace("A lease was just created for you; ask again.") from exc
    # A new lease changes no submission count: reuse the ones read above.
    return _lease(session, assignment, created=True, campaign=campaign, counts=counts)


def get_assignment(session: Session, *, assignment_id: int, user: User) -> Assignment:
    """The caller's assignment, locked for update; 404 or 403 otherwise."""
    assignment = session.scalars(
        select(Assignment).where(Assignment.id == assignment_id).with_for_update()
    ).one_or_none()
    if assignment is None:
        raise AssignmentNotFound(f"No assignment {assignment_id}.")
    if assignment.user_id != user.id:
        raise NotYourLease("This lease belongs to someone else.")
    return assignment


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
    check_live(assignment)
    assignment.status = "skipped"
    assignment.finished_at = datetime.now(UTC)
    session.flush()
    return assignment


def panorama_position(panorama: Panorama) -> tuple[float, float]:
    """(lon, lat) of a panorama."""
    point = to_shape(panorama.geom)
    return float(point.x), float(point.y)
