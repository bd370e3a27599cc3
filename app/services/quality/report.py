"""The QA report (DESIGN §5.5): the crowd against the experts on the latest QA sample.

Per category, over the sample's reviewed tasks with their importance weights: the count ratio
(crowd median / expert cameras), and the camera-level recall and precision of the crowd's
cameras against the expert's (one-to-one within 5°), each with a weighted-bootstrap 95 %
interval. The crowd's cameras are the clusters a strict majority of the task's decoders tagged:
the crowd's own verdict, since once an expert labelled a task its cameras' status follows the
label and would grade the expert against themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.known_answers import KnownCamera
from app.domain.quality import (
    BOOTSTRAP_REPLICATES,
    QA_CATEGORIES,
    Estimate,
    Unit,
    estimate,
    in_category,
    match_cameras,
)
from app.domain.status import is_majority
from app.models import Campaign, QaSample
from app.schemas.quality import CategoryQuality, Interval, QualityReport
from app.services.reconciliation.known import known_cameras

METHOD = (
    "stratified sample by median count and agreement; ratio of importance-weighted sums; "
    f"stratified weighted bootstrap, {BOOTSTRAP_REPLICATES} replicates, 95 % percentile interval"
)
_REVIEWED = """
SELECT r.task_id, r.stratum, r.weight, t.known_answer, tc.total,
       tc.median_street_furniture, tc.median_building, tc.median_dome_ptz, tc.median_bullet
FROM reviews r JOIN tasks t ON t.id = r.task_id JOIN task_counts tc ON tc.task_id = t.id
WHERE r.sample_id = :s AND r.reviewer_id IS NOT NULL AND jsonb_typeof(t.known_answer) = 'array'
ORDER BY r.task_id
"""
# Single-panorama sightings (merged ones included: they keep their own direction).
_CROWD = """
SELECT task_id, bearing, pitch, attachment, camera_type, support, voters FROM cameras
WHERE task_id = ANY(:ids) AND n_panoramas = 1 AND bearing IS NOT NULL AND pitch IS NOT NULL
ORDER BY task_id, id
"""
_MEDIAN = {
    "all": "total",
    "street_furniture": "median_street_furniture",
    "building": "median_building",
    "dome_ptz": "median_dome_ptz",
    "bullet": "median_bullet",
}


def _interval(value: Estimate) -> Interval:
    return Interval(value=value.value, low=value.low, high=value.high)


def _crowd(session: Session, task_ids: list[int]) -> dict[int, list[KnownCamera]]:
    found: dict[int, list[KnownCamera]] = {t: [] for t in task_ids}
    for r in session.execute(text(_CROWD), {"ids": task_ids}).mappings():
        if is_majority(int(r["support"]), int(r["voters"])):
            found[int(r["task_id"])].append(
                KnownCamera(
                    float(r["bearing"]), float(r["pitch"]), r["attachment"], r["camera_type"]
                )
            )
    return found


def _category(
    rows: list[Any], crowd: dict[int, list[KnownCamera]], category: str
) -> CategoryQuality:
    counts, recall, precision = [], [], []
    for r in rows:
        expert = known_cameras(r["known_answer"]) or []
        match = match_cameras(expert, crowd[int(r["task_id"])], category=category)
        n_expert = sum(1 for k in expert if in_category(k, category))
        w, s = float(r["weight"]), str(r["stratum"])
        counts.append(Unit(s, w, float(r[_MEDIAN[category]]), n_expert))
        recall.append(Unit(s, w, match.matched, match.expert))
        precision.append(Unit(s, w, match.matched, match.crowd))
    return CategoryQuality(
        category=category,
        crowd_count=sum(u.weight * u.numerator for u in counts),
        expert_count=sum(u.weight * u.denominator for u in counts),
        count_ratio=_interval(estimate(counts)),
        recall=_interval(estimate(recall)),
        precision=_interval(estimate(precision)),
    )


def quality_report(session: Session, *, campaign: Campaign) -> QualityReport:
    """Count ratio, recall and precision per category with 95 % intervals."""
    return _report(session, _latest(session, campaign, lock=False))


def _latest(session: Session, campaign: Campaign, *, lock: bool) -> QaSample | None:
    query = (
        select(QaSample)
        .where(QaSample.campaign_id == campaign.id)
        .order_by(QaSample.id.desc())
        .limit(1)
    )
    return session.scalars(query.with_for_update() if lock else query).first()


def _report(session: Session, sample: QaSample | None) -> QualityReport:
    now = datetime.now(UTC)
    if sample is None:
        return QualityReport(
            sample_id=None,
            reviewed_tasks=0,
            sampled_tasks=0,
            replicates=BOOTSTRAP_REPLICATES,
            method=METHOD,
            categories=[],
            computed_at=now,
        )
    rows = list(session.execute(text(_REVIEWED), {"s": sample.id}).mappings())
    crowd = _crowd(session, [int(r["task_id"]) for r in rows])
    sampled = sum(int(v["drawn"]) for v in sample.strata.values())
    return QualityReport(
        sample_id=sample.id,
        reviewed_tasks=len(rows),
        sampled_tasks=sampled,
        replicates=BOOTSTRAP_REPLICATES,
        method=METHOD,
        categories=[_category(rows, crowd, c) for c in QA_CATEGORIES] if rows else [],
        computed_at=now,
    )


def _figures(report: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if report is None else {k: v for k, v in report.items() if k != "computed_at"}


def store_report(session: Session, *, campaign: Campaign) -> QualityReport:
    """Compute the latest sample's report and store it on the sample if its figures changed.

    The stored report is what the published layers carry in their metadata
    (app.services.publishing.layers.quality_block). The sample row is locked first, so two
    experts saving labels at once store the report that includes both.
    """
    sample = _latest(session, campaign, lock=True)
    report = _report(session, sample)
    if sample is None:
        return report
    stored = report.model_dump(mode="json")
    if _figures(stored) != _figures(sample.report):
        # Unchanged figures keep their row (and the campaign's result version) as they are.
        sample.report, sample.reported_at = stored, report.computed_at
        session.flush()
    return report
