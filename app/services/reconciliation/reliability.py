"""Reliability: decoder rates and camera posteriors by Dawid-Skene EM (DESIGN §5.4).

One candidate per published camera (single-panorama or triangulated): its viewers are
the decoders of the earliest N submissions of every task whose panorama shows it, its
supporters the decoders whose tags it holds. Known answers anchor the model:
- a camera of a known-answer task is true iff it lies within 5° of a known camera
  (one-to-one, closest first); a known camera no cluster matched is a true candidate
  that its task's decoders all missed;
- on tutorial tasks (answered by every newcomer, so never reconciled into cameras)
  each known camera is a true candidate seen by everyone who answered, and each answer
  adds a false candidate for its decoder alone, tagged iff it had an unmatched tag.
Posteriors become cameras.confidence and, by camera_status, their status; sensitivity
and false-alarm rates go to decoder_quality (seen by coordinators only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.known_answers import TagDirection, match_known
from app.domain.reliability import (
    DEFAULT_MODEL,
    Candidate,
    CrowdModel,
    ReliabilityResult,
    estimate_reliability,
)
from app.domain.status import camera_status, corroborated, is_majority
from app.services.reconciliation.known import KnownTruth, known_cameras, known_truth

_CAMERAS = """
SELECT id, task_id, status, merged_into_id, support, voters, bearing, pitch, n_panoramas
FROM cameras WHERE campaign_id = :c ORDER BY id
"""
_SUPPORTERS = """
SELECT ct.camera_id, g.user_id, g.task_id
FROM camera_tags ct JOIN tags g ON g.id = ct.tag_id JOIN cameras c ON c.id = ct.camera_id
WHERE c.campaign_id = :c AND c.status <> 'merged'
"""
_VIEWERS = """
SELECT tc.task_id AS key, s.user_id AS value
FROM task_counts tc CROSS JOIN LATERAL unnest(tc.submission_ids) AS u(sid)
JOIN submissions s ON s.id = u.sid
WHERE tc.campaign_id = :c
"""
_TUTORIAL_TAGS = """
SELECT t.id AS task_id, t.known_answer, s.id AS submission_id, s.user_id, g.heading, g.pitch
FROM tasks t JOIN submissions s ON s.task_id = t.id
JOIN users u ON u.id = s.user_id AND u.suspended_at IS NULL
LEFT JOIN tags g ON g.submission_id = s.id
WHERE t.campaign_id = :c AND t.is_tutorial AND jsonb_typeof(t.known_answer) = 'array'
  AND s.outcome IN ('cameras', 'no_cameras')
ORDER BY t.id, s.id, g.id
"""


@dataclass(frozen=True)
class ReliabilityStats:
    """What one reliability run found."""

    candidates: int
    decoders: int
    model: CrowdModel
    iterations: int
    statuses: dict[str, int]


class _Ids:
    """Negative ids for candidates that are not cameras."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last -= 1
        return self.last


def _known_task_candidates(
    truth: KnownTruth, *, cams: list[Any], viewers: dict[int, set[int]], ids: _Ids
) -> tuple[dict[int, bool], list[Candidate]]:
    """Truth per published camera (a sighting lends its truth to its camera), and misses."""
    by_id = {int(c["id"]): c for c in cams}
    out: dict[int, bool] = {}
    for cid, value in truth.by_camera.items():
        c = by_id.get(cid)
        if c is None:
            continue
        target = int(c["merged_into_id"]) if c["status"] == "merged" else cid
        out[target] = out.get(target, False) or value
    missed = [
        Candidate(
            ids.next(), frozenset(viewers.get(task_id, set())), frozenset(), True, selected=False
        )
        for task_id, n in sorted(truth.missed.items())
        for _ in range(n)
    ]
    return out, missed


def _tutorial_candidates(session: Session, *, campaign_id: int, ids: _Ids) -> list[Candidate]:
    """Known cameras of tutorial tasks and one false-alarm check per tutorial answer."""
    answers: dict[int, Any] = {}
    looks: dict[int, dict[int, tuple[int, list[TagDirection]]]] = defaultdict(dict)
    for r in session.execute(text(_TUTORIAL_TAGS), {"c": campaign_id}).mappings():
        task_id = int(r["task_id"])
        answers[task_id] = r["known_answer"]
        _, tags = looks[task_id].setdefault(int(r["submission_id"]), (int(r["user_id"]), []))
        if r["heading"] is not None:
            tags.append(TagDirection(float(r["heading"]), float(r["pitch"]), "", ""))
    candidates: list[Candidate] = []
    for task_id, by_submission in looks.items():
        known = known_cameras(answers[task_id]) or []
        everyone = frozenset(user for user, _ in by_submission.values())
        found: dict[int, set[int]] = defaultdict(set)
        for user, tags in by_submission.values():
            result = match_known(tags, known)
            for _, ki in result.matched:
                found[ki].add(user)
            flagged = frozenset({user}) if result.false_tags else frozenset()
            candidates.append(Candidate(ids.next(), frozenset({user}), flagged, False, False))
        candidates.extend(
            Candidate(ids.next(), everyone, frozenset(found[k]), True, selected=False)
            for k in range(len(known))
        )
    return candidates


def _pairs(rows: Iterable[Any]) -> dict[int, set[int]]:
    """Group (key, value) rows into key -> set of values."""
    grouped: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        grouped[int(r["key"])].add(int(r["value"]))
    return grouped


def _camera_candidates(
    session: Session, *, campaign_id: int, cams: list[Any], viewers: dict[int, set[int]]
) -> list[Candidate]:
    supporters: dict[int, set[int]] = defaultdict(set)
    tasks: dict[int, set[int]] = defaultdict(set)
    for r in session.execute(text(_SUPPORTERS), {"c": campaign_id}).mappings():
        supporters[int(r["camera_id"])].add(int(r["user_id"]))
        tasks[int(r["camera_id"])].add(int(r["task_id"]))
    out = []
    for c in cams:
        if c["status"] == "merged":
            continue
        cid = int(c["id"])
        seen_by: set[int] = set()
        for task_id in tasks.get(cid, {int(c["task_id"])}):
            seen_by |= viewers.get(task_id, set())
        out.append(Candidate(cid, frozenset(seen_by), frozenset(supporters[cid] & seen_by)))
    return out


def estimate_campaign(session: Session, *, campaign_id: int) -> ReliabilityStats:
    """Run EM over the campaign's cameras and known answers; store posteriors and rates."""
    cams = list(session.execute(text(_CAMERAS), {"c": campaign_id}).mappings())
    view_rows = list(session.execute(text(_VIEWERS), {"c": campaign_id}).mappings())
    viewers = _pairs(view_rows)
    looks: dict[int, int] = defaultdict(int)
    for r in view_rows:
        looks[int(r["value"])] += 1
    ids = _Ids()
    truth, missed = _known_task_candidates(
        known_truth(session, campaign_id=campaign_id), cams=cams, viewers=viewers, ids=ids
    )
    candidates = [
        Candidate(c.candidate_id, c.viewers, c.supporters, truth.get(c.candidate_id))
        for c in _camera_candidates(session, campaign_id=campaign_id, cams=cams, viewers=viewers)
    ]
    candidates += missed + _tutorial_candidates(session, campaign_id=campaign_id, ids=ids)
    candidates = [c for c in candidates if c.viewers]
    if not candidates:
        return ReliabilityStats(0, 0, DEFAULT_MODEL, 0, {})
    for c in candidates:
        if not c.selected and len(c.viewers) == 1:
            looks[next(iter(c.viewers))] += 1  # a tutorial answer is a look too
    result = estimate_reliability(candidates, looks=looks)
    statuses = _store_cameras(session, cams=cams, result=result, truth=truth)
    _store_rates(session, campaign_id=campaign_id, result=result, looks=looks)
    return ReliabilityStats(
        candidates=len(candidates),
        decoders=len(result.decoders),
        model=result.model,
        iterations=result.iterations,
        statuses=statuses,
    )


def _store_cameras(
    session: Session, *, cams: list[Any], result: ReliabilityResult, truth: dict[int, bool]
) -> dict[str, int]:
    ids: list[int] = []
    confidences: list[float] = []
    statuses: list[str] = []
    tally: dict[str, int] = defaultdict(int)
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for c in cams:
        if c["status"] == "merged":
            parts[int(c["merged_into_id"])].append((int(c["support"]), int(c["voters"])))
    for c in cams:
        merged = c["status"] == "merged"
        parent = int(c["merged_into_id"]) if merged else int(c["id"])
        confidence = result.posteriors.get(parent)
        if confidence is None:
            continue  # no viewers: a task without counts (cannot happen after reconcile_tasks)
        confidence = min(1.0, max(0.0, confidence))
        if merged:
            status = "merged"
        else:
            sightings = parts.get(int(c["id"])) or [(int(c["support"]), int(c["voters"]))]
            status = camera_status(
                majority=any(is_majority(s, v) for s, v in sightings),
                confidence=confidence,
                truth=truth.get(int(c["id"])),
                corroborated=corroborated(sightings),
                anchored=result.model.anchored,
            )
        ids.append(int(c["id"]))
        confidences.append(confidence)
        statuses.append(status)
        tally[status] += 1
    session.execute(
        text(
            "UPDATE cameras c SET confidence = m.confidence, status = m.status "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:conf AS float8[]), "
            "CAST(:statuses AS text[])) AS m(id, confidence, status) WHERE c.id = m.id"
        ),
        {"ids": ids, "conf": confidences, "statuses": statuses},
    )
    return dict(tally)


def _store_rates(
    session: Session, *, campaign_id: int, result: ReliabilityResult, looks: dict[int, int]
) -> None:
    users = sorted(result.decoders)
    session.execute(
        text(
            "INSERT INTO decoder_quality (user_id, campaign_id, sensitivity, false_alarm, looks) "
            "SELECT m.user_id, :c, m.sens, m.fa, m.looks "
            "FROM unnest(CAST(:users AS bigint[]), CAST(:sens AS float8[]), "
            "CAST(:fa AS float8[]), CAST(:looks AS integer[])) AS m(user_id, sens, fa, looks) "
            "ON CONFLICT (user_id, campaign_id) DO UPDATE SET sensitivity = excluded.sensitivity, "
            "false_alarm = excluded.false_alarm, looks = excluded.looks, updated_at = now()"
        ),
        {
            "c": campaign_id,
            "users": users,
            "sens": [result.decoders[u].sensitivity for u in users],
            "looks": [looks.get(u, 0) for u in users],
            "fa": [result.decoders[u].false_alarm for u in users],
        },
    )
