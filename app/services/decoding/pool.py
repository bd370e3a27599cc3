"""Choosing the next task: one candidate row locked per attempt, and an honest "nothing left"."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from app.errors import Busy
from app.models import Campaign
from app.settings import get_settings
from app.sql import load

_NEAREST = load("next_task")
_NEARNESS = "c.pos <-> point(:lon, :lat)"
assert _NEAREST.text.count(_NEARNESS) == 2
# Without a previous lease there is nothing to be near: the tier's first tasks by id.
_FIRST = text(_NEAREST.text.replace(_NEARNESS, "c.id"))
_KNOWN = load("next_known_task")
_LOCK = "FOR NO KEY UPDATE OF t SKIP LOCKED"
assert _LOCK in _NEAREST.text and _LOCK in _KNOWN.text


def _unlocked(query: TextClause) -> TextClause:
    """The same pick as a plain read: is a task left at all, locked by others or not?"""
    return text(query.text.replace(_LOCK, ""))


# Asked only after a SKIP LOCKED pick came back empty, to tell "nothing left" (204) from "all
# taken right now" (retry, then 503 busy). A plain read never waits on a lock.
_LEFT = {q: _unlocked(q) for q in (_NEAREST, _FIRST, _KNOWN)}
_STALE = load("any_task_left")
_STATE = load("decoder_state")
# Both rows are locked with SKIP LOCKED, so reclaiming never waits: a lease whose task row is
# locked right now is reclaimed by a later request. The trigger on assignments then frees the
# slot on the task row, which this statement already holds.
_EXPIRE = text(
    """
    UPDATE assignments SET status = 'expired', finished_at = now()
    WHERE id IN (
        SELECT a.id FROM assignments AS a JOIN tasks AS t ON t.id = a.task_id
        WHERE a.campaign_id = :campaign_id AND a.status = 'live' AND a.expires_at <= now()
        FOR UPDATE OF a, t SKIP LOCKED)
    """
)
# A pick that finds every candidate locked waits this long before each new attempt. Locks on
# task rows are held by lease and submit transactions of a few milliseconds; after the last
# pause the request gives up with 503 busy rather than keep a thread and a connection.
_PAUSES = (0.0, 0.005, 0.02, 0.05)
# Below this many answers in a campaign an account is "fresh": it is steered away from the
# tasks that accounts registered from its address leased lately (issue 10.4,
# sibling_guard_minutes): such a task comes after every other task left for it, never
# instead of nothing, so accounts behind one shared address (a school, a proxy) are never
# starved. A person voting twice on one task through two new accounts is the cheap attack;
# an established account has a track record the reliability model and the moderators see.
FRESH_SUBMISSIONS = 20


class Kind(Enum):
    """Which tasks a pick considers."""

    TUTORIAL = "tutorial"
    KNOWN = "known"
    POOL = "pool"


@dataclass(frozen=True)
class DecoderState:
    """A decoder's tasks done in the campaign and the position of their latest lease."""

    done: int
    tutorials_done: int
    previous: tuple[float, float] | None
    signup_ref: str | None = None


def expire_stale(session: Session, *, campaign_id: int) -> int:
    """Mark leases past their expiry as expired (no cron: every lease request reclaims)."""
    result = session.execute(_EXPIRE, {"campaign_id": campaign_id})
    return int(getattr(result, "rowcount", 0) or 0)


def decoder_state(
    session: Session, *, campaign_id: int, user_id: int, signup_ref: str | None = None
) -> DecoderState:
    """Tasks done, tutorial tasks done, and the previous position, in one round trip."""
    row = session.execute(_STATE, {"campaign_id": campaign_id, "user_id": user_id}).one()
    previous = (float(row.lon), float(row.lat)) if row.lon is not None else None
    return DecoderState(int(row.done), int(row.tutorials), previous, signup_ref)


def _params(
    campaign: Campaign, user_id: int, state: DecoderState, kind: Kind, *, steer: bool = True
) -> dict[str, object]:
    lon, lat = state.previous or (None, None)
    guard = get_settings().sibling_guard_minutes
    fresh = steer and guard > 0 and state.done < FRESH_SUBMISSIONS
    return {
        "sibling_ref": state.signup_ref if fresh else None,
        "sibling_minutes": guard,
        "campaign_id": campaign.id,
        "user_id": user_id,
        "votes": campaign.votes_per_task,
        "tutorial": kind is Kind.TUTORIAL,
        "known_only": kind is not Kind.POOL,
        "lon": lon,
        "lat": lat,
    }


def _query(kind: Kind, state: DecoderState) -> TextClause:
    if kind is not Kind.POOL:
        return _KNOWN
    return _NEAREST if state.previous else _FIRST


def _left(session: Session, query: TextClause, params: dict[str, object]) -> bool:
    if session.scalar(_LEFT[query], params) is not None:
        return True
    return bool(session.scalar(_STALE, params))


def pick(
    session: Session, *, campaign: Campaign, user_id: int, state: DecoderState, kinds: list[Kind]
) -> int | None:
    """Lock and return the best task of the first kind that has one; None when none is left.

    Raise Busy when tasks are left but every one stayed locked by others through the retries.
    A hidden known-answer pick is opportunistic: when those are taken it falls through to the
    pool instead of waiting.
    """
    for pause in _PAUSES:
        if pause:
            time.sleep(pause)
        busy = False
        for kind in kinds:
            query = _query(kind, state)
            params = _params(campaign, user_id, state, kind)
            task_id = session.scalar(query, params)
            if task_id is None and params["sibling_ref"] is not None:
                # Steered away, not excluded: when only tasks its siblings took are left (or
                # the others are being handed out right now, see below), a fresh account
                # gets one of those rather than nothing.
                if kind is not Kind.KNOWN and _left(session, query, params):
                    busy = True
                    break
                params = _params(campaign, user_id, state, kind, steer=False)
                task_id = session.scalar(query, params)
            if task_id is not None:
                return int(task_id)
            if kind is not Kind.KNOWN and _left(session, query, params):
                busy = True
                break
        if not busy:
            return None
        expire_stale(session, campaign_id=campaign.id)
    raise Busy("Every task left for you is being handed out right now; ask again in a moment.")
