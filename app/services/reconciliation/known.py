"""Known answers in reconciliation: which cameras an expert answer says are real (DESIGN §5.4).

A camera found in a known-answer panorama is true when its direction is within 5°
of a known camera (one-to-one, closest pairs first, app.domain.known_answers) and
false otherwise; a known camera that no cluster matched is a miss by everyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.known_answers import KnownCamera, TagDirection, match_known

# JSON null is not SQL NULL: a task built with known_answer=None holds 'null'::jsonb.
_KNOWN_TASKS = """
SELECT t.id AS task_id, t.known_answer FROM tasks t JOIN task_counts tc ON tc.task_id = t.id
WHERE t.campaign_id = :c AND jsonb_typeof(t.known_answer) = 'array' AND NOT t.is_tutorial
"""
_SINGLES = """
SELECT c.id, c.task_id, c.bearing, c.pitch
FROM cameras c JOIN tasks t ON t.id = c.task_id
WHERE c.campaign_id = :c AND c.n_panoramas = 1 AND c.bearing IS NOT NULL
  AND c.pitch IS NOT NULL AND jsonb_typeof(t.known_answer) = 'array' AND NOT t.is_tutorial
ORDER BY c.task_id, c.id
"""


@dataclass(frozen=True)
class KnownTruth:
    """Truth per single-panorama camera (merged sightings included) and misses per task."""

    by_camera: dict[int, bool]
    missed: dict[int, int]


def known_cameras(answer: list[dict[str, Any]] | None) -> list[KnownCamera] | None:
    """A task's known answer as domain objects (None when it has none)."""
    if not isinstance(answer, list):
        return None
    return [
        KnownCamera(
            heading=float(c["heading"]),
            pitch=float(c["pitch"]),
            attachment=str(c.get("attachment", "other")),
            camera_type=str(c.get("camera_type", "unknown")),
        )
        for c in answer
    ]


def truths(
    directions: Sequence[tuple[float, float]], known: list[KnownCamera] | None
) -> list[bool | None]:
    """Per (heading, pitch): True when it matches a known camera within 5°; None if no answer."""
    if known is None:
        return [None] * len(directions)
    tags = [TagDirection(h, p, "", "") for h, p in directions]
    matched = {ti for ti, _ in match_known(tags, known).matched}
    return [i in matched for i in range(len(directions))]


def known_truth(session: Session, *, campaign_id: int) -> KnownTruth:
    """Match every known-answer task's single-panorama cameras to its known cameras."""
    answers = {
        int(r["task_id"]): known_cameras(r["known_answer"]) or []
        for r in session.execute(text(_KNOWN_TASKS), {"c": campaign_id}).mappings()
    }
    singles: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for r in session.execute(text(_SINGLES), {"c": campaign_id}).mappings():
        singles[int(r["task_id"])].append((int(r["id"]), float(r["bearing"]), float(r["pitch"])))
    by_camera: dict[int, bool] = {}
    missed: dict[int, int] = {}
    for task_id, known in answers.items():
        group = singles.get(task_id, [])
        result = match_known([TagDirection(h, p, "", "") for _, h, p in group], known)
        matched = {ti for ti, _ in result.matched}
        by_camera.update((cid, i in matched) for i, (cid, _, _) in enumerate(group))
        missed[task_id] = len(result.missed)
    return KnownTruth(by_camera=by_camera, missed=missed)
