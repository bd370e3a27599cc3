"""QA samples (DESIGN §5.5): a stratified draw of complete tasks, worked by experts as a queue."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.quality import draw_sample, stratum_of
from app.errors import NothingToSample
from app.models import Campaign, QaSample, Review, User
from app.schemas.quality import QueueItem, SampleRead, StratumRead
from app.services.quality.report import store_report

# An expert keeps the task the queue gave them this long, so two experts get different ones.
CLAIM_MINUTES = 30
# Complete, reconciled tasks that are not known answers already (those are gold, not a test).
_POPULATION = """
SELECT t.id, tc.total, tc.agreement_all
FROM tasks t JOIN task_counts tc ON tc.task_id = t.id
WHERE t.campaign_id = :c AND t.status = 'complete' AND NOT t.is_tutorial
  AND t.known_answer IS NULL
ORDER BY t.id
"""
# Unreviewed first (the only ones offered), in the sample's shuffled order; never a task the
# expert decoded; a claim by someone else holds for CLAIM_MINUTES.
_NEXT = """
SELECT r.id FROM reviews r JOIN qa_samples s ON s.id = r.sample_id
WHERE s.campaign_id = :c AND r.reviewer_id IS NULL
  AND (r.claimed_by IS NULL OR r.claimed_by = :u OR r.claimed_at < :stale)
  AND NOT EXISTS (SELECT 1 FROM submissions x WHERE x.task_id = r.task_id AND x.user_id = :u)
  AND NOT EXISTS (
      SELECT 1 FROM tasks t WHERE t.id = r.task_id AND t.labelled_by = :u
        AND t.known_answer IS NOT NULL)
ORDER BY (r.claimed_by = :u) DESC NULLS LAST, s.id DESC, r.rank
LIMIT 1
FOR UPDATE OF r SKIP LOCKED
"""


def draw(
    session: Session, *, campaign: Campaign, per_stratum: int, seed: int, by: User | None
) -> QaSample:
    """Draw a stratified sample with importance weights; the same seed draws the same tasks."""
    population: dict[str, list[int]] = defaultdict(list)
    for row in session.execute(text(_POPULATION), {"c": campaign.id}).mappings():
        population[stratum_of(float(row["total"]), str(row["agreement_all"]))].append(row["id"])
    drawn, strata = draw_sample(population, per_stratum=per_stratum, seed=seed)
    if not drawn:
        raise NothingToSample(f"Campaign '{campaign.slug}' has no complete task to sample.")
    sample = QaSample(
        campaign_id=campaign.id,
        seed=seed,
        per_stratum=per_stratum,
        strata={k: vars(v) for k, v in strata.items()},
        created_by=by.id if by else None,
    )
    session.add(sample)
    session.flush()
    session.add_all(
        Review(
            sample_id=sample.id, task_id=d.task_id, stratum=d.stratum, weight=d.weight, rank=d.rank
        )
        for d in drawn
    )
    session.flush()
    store_report(session, campaign=campaign)  # nothing reviewed yet: the metadata says so
    return sample


def latest_sample(session: Session, *, campaign: Campaign) -> QaSample | None:
    """The campaign's most recent QA sample."""
    return session.scalars(
        select(QaSample).where(QaSample.campaign_id == campaign.id).order_by(QaSample.id.desc())
    ).first()


def sample_read(session: Session, sample: QaSample) -> SampleRead:
    """A sample with its strata and how much of it is reviewed."""
    reviewed = dict(
        session.execute(
            select(Review.stratum, func.count())
            .where(Review.sample_id == sample.id, Review.reviewer_id.is_not(None))
            .group_by(Review.stratum)
        ).all()
    )
    strata = [
        StratumRead(stratum=k, reviewed=int(reviewed.get(k, 0)), **v)
        for k, v in sorted(sample.strata.items())
    ]
    return SampleRead(
        id=sample.id,
        seed=sample.seed,
        per_stratum=sample.per_stratum,
        created_at=sample.created_at,
        tasks=sum(s.drawn for s in strata),
        reviewed=sum(s.reviewed for s in strata),
        strata=strata,
    )


def next_review(session: Session, *, campaign: Campaign, user: User) -> QueueItem | None:
    """Claim the expert's next sample task; None when none is left for them."""
    now = datetime.now(UTC)
    params = {"c": campaign.id, "u": user.id, "stale": now - timedelta(minutes=CLAIM_MINUTES)}
    review_id = session.scalar(text(_NEXT), params)
    if review_id is None:
        return None
    review = session.get_one(Review, review_id)
    review.claimed_by, review.claimed_at = user.id, now
    session.flush()
    remaining = session.scalar(
        select(func.count())
        .select_from(Review)
        .join(QaSample, QaSample.id == Review.sample_id)
        .where(QaSample.campaign_id == campaign.id, Review.reviewer_id.is_(None))
    )
    assert review.sample_id is not None
    return QueueItem(
        task_id=review.task_id,
        sample_id=review.sample_id,
        stratum=review.stratum,
        weight=review.weight,
        remaining=int(remaining or 0),
    )


def sample_item(session: Session, *, task_id: int) -> QueueItem | None:
    """The latest sample row of a task, for the review screen."""
    review = session.scalars(
        select(Review)
        .where(Review.task_id == task_id, Review.sample_id.is_not(None))
        .order_by(Review.id.desc())
    ).first()
    if review is None or review.sample_id is None:
        return None
    return QueueItem(
        task_id=task_id,
        sample_id=review.sample_id,
        stratum=review.stratum,
        weight=review.weight,
        remaining=0,
    )
