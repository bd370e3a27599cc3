"""Cross-task matching: one camera seen from neighbouring panoramas becomes one (DESIGN §5.3a).

Redone from scratch on every campaign run: earlier triangulated cameras are
dissolved back into their single-panorama sightings, then every sighting that no
known answer rules out is matched across panoramas within NEIGHBOUR_RADIUS_M
(app.domain.matching). Each
match becomes a camera located by least-squares triangulation; its sightings stay
as status 'merged' pointing at it, so they are never published twice and can be
re-matched later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.matching import (
    NEIGHBOUR_RADIUS_M,
    PITCH_NOISE_DEG,
    MergedCamera,
    Sighting,
    match_sightings,
)
from app.domain.status import (
    Part,
    camera_status,
    corroborated,
    is_majority,
    merged_attachment,
    merged_type,
)
from app.domain.triangulation import to_local
from app.services.bulk import copy_rows
from app.services.reconciliation.common import CAMERA_COLUMNS, METHOD_VERSION, next_ids
from app.services.reconciliation.known import known_truth

_SIGHTINGS = """
SELECT c.id, c.task_id, t.panorama_id, ST_Y(p.geom) AS lat, ST_X(p.geom) AS lon, c.bearing,
       c.pitch, c.attachment, c.camera_type,
       ST_Distance(p.geom::geography, c.geom::geography) AS distance_m,
       c.uncertainty_m, c.support, c.voters, c.confidence, c.location_method
FROM cameras c JOIN tasks t ON t.id = c.task_id JOIN panoramas p ON p.id = t.panorama_id
WHERE c.campaign_id = :c AND c.n_panoramas = 1
  AND c.bearing IS NOT NULL AND c.pitch IS NOT NULL
ORDER BY c.id
"""
# Candidate neighbours of the panoramas that hold sightings, found through the GiST index:
# a planar ST_DWithin in degrees, sized for the northernmost latitude so that it returns a
# superset of the pairs within the radius. The exact test in metres follows in Python on
# those pairs. Measured at NYC scale (27k panoramas): this takes ~1 s, while adding
# ST_DWithin on geography to the join costs ~35 µs a candidate (14 s), and filtering b by
# the id array inside the join turns into a quadratic loop.
_NEIGHBOURS = """
WITH s AS MATERIALIZED (SELECT id, geom FROM panoramas WHERE id = ANY(:ids))
SELECT a.id AS a, b.id AS b
FROM s a JOIN panoramas b ON ST_DWithin(a.geom, b.geom, :degrees) AND b.id > a.id
WHERE b.campaign_id = :c
"""


@dataclass(frozen=True)
class _Row:
    camera_id: int
    task_id: int
    bearing: float
    pitch: float
    attachment: str
    camera_type: str
    support: int
    voters: int
    confidence: float


def dissolve(session: Session, *, campaign_id: int, truth: dict[int, bool]) -> int:
    """Turn every triangulated camera of the campaign back into its sightings; return how many."""
    rows = session.execute(
        text(
            "SELECT id, support, voters, confidence FROM cameras "
            "WHERE campaign_id = :c AND status = 'merged'"
        ),
        {"c": campaign_id},
    ).mappings()
    ids: list[int] = []
    statuses: list[str] = []
    for r in rows:
        ids.append(int(r["id"]))
        statuses.append(
            camera_status(
                majority=is_majority(r["support"], r["voters"]),
                confidence=r["confidence"],
                truth=truth.get(int(r["id"])),
            )
        )
    session.execute(
        text(
            "UPDATE cameras c SET status = m.status, merged_into_id = NULL "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[])) AS m(id, status) "
            "WHERE c.id = m.id"
        ),
        {"ids": ids, "statuses": statuses},
    )
    result = session.execute(
        text("DELETE FROM cameras WHERE campaign_id = :c AND n_panoramas > 1"), {"c": campaign_id}
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class MatchDone:
    """How many triangulated cameras a match made, their (attachment, height) pairs, and
    the distances of the majority sightings a base click located that stayed single-panorama
    cameras (app.domain.locating.range_clamp measures the pitch-prior clamp on them)."""

    groups: int
    heights: list[tuple[str, float]]
    ranges: list[float]


def match_campaign(session: Session, *, campaign_id: int, spread_deg: float = 0.0) -> MatchDone:
    """Dissolve, then match and triangulate sightings across panoramas.

    Every sighting takes part, majority or not: a camera that one decoder made out from
    each of two panoramas is one camera (corroborated, app.domain.status), and a minority
    sighting of a camera that another panorama confirms must not be published beside it.
    Directions carry the campaign's measured click noise, averaged over the supporters.
    """
    noise = max(PITCH_NOISE_DEG, spread_deg)
    truth = known_truth(session, campaign_id=campaign_id).by_camera
    dissolve(session, campaign_id=campaign_id, truth=truth)
    sightings: list[Sighting] = []
    rows: dict[int, _Row] = {}
    based: dict[int, float] = {}  # majority sighting located by a base click -> distance
    for r in session.execute(text(_SIGHTINGS), {"c": campaign_id}).mappings():
        cid = int(r["id"])
        if truth.get(cid) is False:
            continue  # an expert says nothing is there
        if r["location_method"] == "base_click" and is_majority(
            int(r["support"]), int(r["voters"])
        ):
            based[cid] = float(r["distance_m"])
        rows[cid] = _Row(
            camera_id=cid,
            task_id=int(r["task_id"]),
            bearing=float(r["bearing"]),
            pitch=float(r["pitch"]),
            attachment=str(r["attachment"]),
            camera_type=str(r["camera_type"]),
            support=int(r["support"]),
            voters=int(r["voters"]),
            confidence=float(r["confidence"]),
        )
        sightings.append(
            Sighting(
                sighting_id=cid,
                panorama_id=int(r["panorama_id"]),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                bearing=float(r["bearing"]),
                pitch=float(r["pitch"]),
                attachment=str(r["attachment"]),
                distance_m=float(r["distance_m"]),
                distance_sd_m=float(r["uncertainty_m"]),
                weight=float(r["support"]),
                noise_deg=noise / math.sqrt(max(int(r["support"]), 1)),
            )
        )
    neighbours = _neighbours(session, campaign_id=campaign_id, sightings=sightings)
    merged = match_sightings(sightings, neighbours)
    heights = _write(session, campaign_id=campaign_id, merged=merged, rows=rows)
    for group in merged:
        for s in group.sighting_ids:
            based.pop(s, None)
    return MatchDone(len(merged), heights, [based[s] for s in sorted(based)])


def _neighbours(
    session: Session, *, campaign_id: int, sightings: list[Sighting]
) -> list[tuple[int, int]]:
    """Pairs of panoramas with sightings within NEIGHBOUR_RADIUS_M of each other."""
    where = {s.panorama_id: (s.lat, s.lon) for s in sightings}
    north = max((abs(lat) for lat, _ in where.values()), default=0.0)
    degrees = NEIGHBOUR_RADIUS_M * 1.01 / (111_320.0 * max(math.cos(math.radians(north)), 0.01))
    params = {"c": campaign_id, "ids": sorted(where), "degrees": degrees}
    pairs = []
    for r in session.execute(text(_NEIGHBOURS), params).mappings():
        a, b = int(r["a"]), int(r["b"])
        if b not in where:
            continue
        x, y = to_local(*where[a], *where[b])
        if math.hypot(x, y) <= NEIGHBOUR_RADIUS_M:
            pairs.append((a, b))
    return pairs


def _write(
    session: Session, *, campaign_id: int, merged: Sequence[MergedCamera], rows: dict[int, _Row]
) -> list[tuple[str, float]]:
    """Write the triangulated cameras and mark their sightings; their (attachment, height)."""
    ids = next_ids(session, "cameras_id_seq", len(merged))
    heights: list[tuple[str, float]] = []
    cameras = []
    members: list[tuple[int, int]] = []  # (sighting, triangulated camera)
    for camera_id, group in zip(ids, merged, strict=True):
        parts = sorted(
            (rows[s] for s in group.sighting_ids), key=lambda r: (r.task_id, r.camera_id)
        )
        first = parts[0]  # the task whose panorama saw it first gives bearing and pitch
        votes = [Part(p.attachment, p.camera_type, p.support) for p in parts]
        attachment, camera_type = merged_attachment(votes), merged_type(votes)
        support = sum(p.support for p in parts)
        voters = sum(p.voters for p in parts)
        # Provisional until the reliability step that follows every match.
        confidence = max(p.confidence for p in parts)
        status = camera_status(
            majority=any(is_majority(p.support, p.voters) for p in parts),
            confidence=confidence,
            corroborated=corroborated([(p.support, p.voters) for p in parts]),
        )
        cameras.append(
            [
                camera_id,
                campaign_id,
                first.task_id,
                status,
                confidence,
                attachment,
                camera_type,
                first.bearing,
                first.pitch,
                f"SRID=4326;POINT({group.lon!r} {group.lat!r})",
                "triangulated",
                group.uncertainty_m,
                support,
                voters,
                len(parts),
                METHOD_VERSION,
            ]
        )
        members.extend((p.camera_id, camera_id) for p in parts)
        heights.append((attachment, group.height_m))
    copy_rows(session, "cameras", CAMERA_COLUMNS, cameras)
    if not members:
        return heights
    params = {"ids": [m[0] for m in members], "parents": [m[1] for m in members]}
    session.execute(
        text(
            "UPDATE cameras c SET status = 'merged', merged_into_id = m.parent "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:parents AS bigint[])) AS m(id, parent) "
            "WHERE c.id = m.id"
        ),
        params,
    )
    session.execute(
        text(
            "INSERT INTO camera_tags (camera_id, tag_id) SELECT DISTINCT m.parent, ct.tag_id "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:parents AS bigint[])) AS m(id, parent) "
            "JOIN camera_tags ct ON ct.camera_id = m.id"
        ),
        params,
    )
    return heights
