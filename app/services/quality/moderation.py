"""Moderation (issue 10.3): decoders ranked by reliability; suspend and reinstate.

A suspended decoder keeps their login (the app tells them) but gets no task and their votes
stop counting: `tasks.valid_submissions` counts the non-problem submissions of decoders who are
not suspended, so suspending one lowers it on every task they answered, a complete task with
too few votes left goes back to the pool for a replacement vote, and every affected task is
queued for reconciliation, whose reads leave suspended decoders out. Reinstating reverses it;
a task that got its replacement meanwhile then has N+1 votes, of which the earliest N count.
Lock order as everywhere: campaigns (share), assignments, tasks (app.services.decoding).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.quality import CrowdRates, DecoderEvidence, flag_reasons
from app.errors import DecoderNotFound, StaffNotSuspendable
from app.models import Campaign, DecoderQuality, Submission, User
from app.schemas.quality import DecoderModeration
from app.services.reconciliation.common import latest_model

_LOCK_CAMPAIGNS = """
SELECT id FROM campaigns
WHERE id IN (SELECT DISTINCT campaign_id FROM submissions WHERE user_id = :u)
ORDER BY id FOR SHARE
"""
_EXPIRE_LEASES = """
UPDATE assignments SET status = 'expired', finished_at = now()
WHERE user_id = :u AND status = 'live'
"""
# sign = -1 on suspension, +1 on reinstatement. Tutorial tasks are left alone: any number of
# decoders answer them and their counter stops at N, so it counts nothing exact.
_RECOUNT = """
WITH votes AS (
    SELECT task_id, count(*) AS n FROM submissions
    WHERE user_id = :u AND outcome IN ('cameras', 'no_cameras')
    GROUP BY task_id
), locked AS (
    SELECT t.id, t.status AS old_status, v.n, c.votes_per_task AS votes
    FROM tasks t JOIN votes v ON v.task_id = t.id JOIN campaigns c ON c.id = t.campaign_id
    WHERE NOT t.is_tutorial
    ORDER BY t.id
    FOR NO KEY UPDATE OF t
)
UPDATE tasks t SET
    valid_submissions = t.valid_submissions + :sign * l.n,
    status = CASE
        WHEN t.status = 'complete' AND t.valid_submissions + :sign * l.n < l.votes THEN 'open'
        WHEN t.status = 'open' AND t.valid_submissions + :sign * l.n >= l.votes THEN 'complete'
        ELSE t.status END,
    completed_at = CASE
        WHEN t.status = 'complete' AND t.valid_submissions + :sign * l.n < l.votes THEN NULL
        WHEN t.status = 'open' AND t.valid_submissions + :sign * l.n >= l.votes THEN now()
        ELSE t.completed_at END
FROM locked l WHERE t.id = l.id
RETURNING t.id, t.campaign_id, l.old_status, t.status
"""
_QUEUE = """
INSERT INTO reconcile_jobs (task_id, campaign_id)
SELECT * FROM unnest(CAST(:tasks AS bigint[]), CAST(:campaigns AS bigint[]))
ON CONFLICT (task_id) DO NOTHING
"""


@dataclass(frozen=True)
class Suspension:
    """What a suspension or reinstatement changed."""

    user: User
    affected_tasks: int
    reopened_tasks: int
    expired_leases: int


def _decoder(session: Session, public_id: str) -> User:
    user = session.scalars(
        select(User).where(User.public_id == public_id).with_for_update()
    ).one_or_none()
    if user is None:
        raise DecoderNotFound(f"No decoder '{public_id}'.")
    if user.role != "decoder":
        raise StaffNotSuspendable(f"'{public_id}' is a {user.role}; only decoders are suspended.")
    return user


def _recount(session: Session, *, user: User, sign: int) -> tuple[int, int]:
    """Move the user's votes out of (sign -1) or back into (+1) the task counters."""
    rows = session.execute(text(_RECOUNT), {"u": user.id, "sign": sign}).mappings().all()
    session.execute(
        text(_QUEUE),
        {"tasks": [r["id"] for r in rows], "campaigns": [r["campaign_id"] for r in rows]},
    )
    changed = sum(1 for r in rows if r["old_status"] != r["status"])
    return len(rows), changed


def suspend(session: Session, *, public_id: str, by: User | None, reason: str | None) -> Suspension:
    """Suspend a decoder: leases end, votes stop counting, their tasks are reconciled again."""
    user = _decoder(session, public_id)
    if user.suspended_at is not None:
        return Suspension(user, 0, 0, 0)  # a repeated suspension changes nothing
    session.execute(text(_LOCK_CAMPAIGNS), {"u": user.id})
    expired = session.execute(text(_EXPIRE_LEASES), {"u": user.id})
    user.suspended_at = datetime.now(UTC)
    user.suspended_by = by.id if by else None
    user.suspension_reason = reason
    affected, reopened = _recount(session, user=user, sign=-1)
    session.flush()
    return Suspension(user, affected, reopened, int(getattr(expired, "rowcount", 0) or 0))


def reinstate(session: Session, *, public_id: str) -> Suspension:
    """Lift a suspension: the decoder's votes count again and their tasks are reconciled."""
    user = _decoder(session, public_id)
    if user.suspended_at is None:
        return Suspension(user, 0, 0, 0)
    session.execute(text(_LOCK_CAMPAIGNS), {"u": user.id})
    user.suspended_at = None
    user.suspended_by = None
    user.suspension_reason = None
    affected, completed = _recount(session, user=user, sign=+1)
    session.flush()
    return Suspension(user, affected, completed, 0)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


_CAMERAS_PER_LOOK = """
SELECT (SELECT sum(confidence * n_panoramas) FROM cameras
        WHERE campaign_id = :c AND status <> 'merged')
     / NULLIF((SELECT count(*) FROM task_counts WHERE campaign_id = :c), 0)
"""


def crowd_rates(session: Session, *, campaign: Campaign) -> CrowdRates:
    """The campaign's crowd: the last run's model, cameras per look, pooled known answers."""
    has_run = session.scalar(
        select(func.count())
        .select_from(DecoderQuality)
        .where(DecoderQuality.campaign_id == campaign.id, DecoderQuality.sensitivity.is_not(None))
    )
    model = latest_model(session, campaign_id=campaign.id).model if has_run else None
    per_look = session.scalar(text(_CAMERAS_PER_LOOK), {"c": campaign.id})
    matched, cameras, tags = session.execute(
        select(
            func.coalesce(func.sum(DecoderQuality.known_matched), 0),
            func.coalesce(func.sum(DecoderQuality.known_cameras), 0),
            func.coalesce(func.sum(DecoderQuality.known_tags), 0),
        ).where(DecoderQuality.campaign_id == campaign.id)
    ).one()
    return CrowdRates(
        sensitivity=model.sensitivity if model else None,
        false_alarm=model.false_alarm if model else None,
        cameras_per_look=float(per_look) if per_look is not None else None,
        known_precision=_ratio(int(matched), int(tags)),
        known_recall=_ratio(int(matched), int(cameras)),
    )


def ranking(session: Session, *, campaign: Campaign) -> list[DecoderModeration]:
    """Every decoder who answered in the campaign, least reliable first (pseudonyms only)."""
    counts = (
        select(
            Submission.user_id,
            func.count().label("n"),
            func.count().filter(Submission.outcome != "problem").label("looks"),
        )
        .where(Submission.campaign_id == campaign.id)
        .group_by(Submission.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, counts.c.n, counts.c.looks, DecoderQuality)
        .join(counts, counts.c.user_id == User.id)
        .outerjoin(
            DecoderQuality,
            (DecoderQuality.user_id == User.id) & (DecoderQuality.campaign_id == campaign.id),
        )
    ).all()
    crowd = crowd_rates(session, campaign=campaign)
    out = [
        _moderation_row(user, int(n), int(looks), quality, crowd)
        for user, n, looks, quality in rows
    ]
    out.sort(key=_rank_key)
    return out


def _moderation_row(
    user: User, n: int, looks: int, q: DecoderQuality | None, crowd: CrowdRates
) -> DecoderModeration:
    fields: dict[str, Any] = {
        "known_tasks": q.known_tasks if q else 0,
        "known_recall": _ratio(q.known_matched, q.known_cameras) if q else None,
        "known_precision": _ratio(q.known_matched, q.known_tags) if q else None,
        "sensitivity": q.sensitivity if q else None,
        "false_alarm": q.false_alarm if q else None,
    }
    evidence = DecoderEvidence(
        # The model's own exposure when it rated the decoder (the looks its rates rest on);
        # the campaign's answers only before any run stored it.
        looks=q.looks if q is not None and q.looks is not None else looks,
        sensitivity=fields["sensitivity"],
        false_alarm=fields["false_alarm"],
        known_tasks=fields["known_tasks"],
        known_matched=q.known_matched if q else 0,
        known_cameras=q.known_cameras if q else 0,
        known_tags=q.known_tags if q else 0,
    )
    reasons = flag_reasons(evidence, crowd)
    return DecoderModeration(
        decoder=user.public_id,
        role=user.role,
        submissions=n,
        flagged=bool(reasons),
        flag_reasons=reasons,
        suspended_at=user.suspended_at,
        suspension_reason=user.suspension_reason,
        **fields,
    )


def _rank_key(row: DecoderModeration) -> tuple[bool, float, str]:
    # Flagged first, then by estimated reliability (sensitivity minus false alarms), worst
    # first; decoders the model has not rated yet come last.
    score = (
        row.sensitivity - row.false_alarm
        if row.sensitivity is not None and row.false_alarm is not None
        else float("inf")
    )
    return (not row.flagged, score, row.decoder)
