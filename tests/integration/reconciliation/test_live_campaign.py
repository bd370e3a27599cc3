"""A live campaign, created and fed through HTTP, confirms cameras with no known answers (9.5).

A coordinator creates a campaign (no tutorial, no hidden known-answer tasks) and imports
locations and panoramas; volunteers lease tasks and submit noisy tags until nothing is
left; the coordinator reconciles. Every camera that two of a panorama's three volunteers
tagged is confirmed once, near where it is, nothing else is, and the counts are the
published medians of what was submitted.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.triangulation import from_local, to_local
from app.models import Camera, Campaign, TaskCount
from tests.factories import bearer, make_user

LAT0, LON0 = 40.7000, -73.9500
# Six intersections 80 m apart on one avenue; cameras (x, y, height, attachment) near them,
# one mid-block on a pole seen from both ends, one low on a wall across the avenue.
PANORAMAS = [(0.0, 80.0 * k) for k in range(6)]
CAMERAS = [
    (8.0, 6.0, 5.0, "street_furniture"),
    (-9.0, 90.0, 4.5, "building"),
    (10.0, 152.0, 5.5, "street_furniture"),
    (7.0, 166.0, 4.0, "street_furniture"),
    (-12.0, 236.0, 6.0, "building"),
    (9.0, 322.0, 4.5, "street_furniture"),
    (-8.0, 404.0, 5.0, "building"),
    (9.0, 40.0, 5.0, "street_furniture"),  # mid-block: 40 m from the first two panoramas
]
VISIBLE_M = 45.0


def view(pano: tuple[float, float], cam: tuple[float, float, float, str]) -> tuple[float, float]:
    dx, dy = cam[0] - pano[0], cam[1] - pano[1]
    heading = math.degrees(math.atan2(dx, dy)) % 360.0
    return heading, math.degrees(math.atan2(cam[2] - 2.5, math.hypot(dx, dy)))


def answer(rng: random.Random, pano: tuple[float, float]) -> tuple[list[dict[str, Any]], set[int]]:
    """A volunteer's tags at a panorama (misses, 0.3-1.2° noise, a false tag), and whom it saw."""
    noise = rng.uniform(0.3, 1.2)
    tags, seen = [], set()
    for k, cam in enumerate(CAMERAS):
        distance = math.hypot(cam[0] - pano[0], cam[1] - pano[1])
        if distance > VISIBLE_M or rng.random() > (0.9 if distance < 25 else 0.6):
            continue
        heading, pitch = view(pano, cam)
        tags.append(_tag(heading + rng.gauss(0, noise), pitch + rng.gauss(0, noise), cam[3]))
        seen.add(k)
    if rng.random() < 0.15:
        tags.append(_tag(rng.uniform(0, 360), rng.uniform(0, 15), "other"))
    return tags, seen


def _tag(heading: float, pitch: float, attachment: str) -> dict[str, Any]:
    return {
        "heading": heading % 360.0,
        "pitch": pitch,
        "zoom": 2.0,
        "attachment": attachment,
        "camera_type": "unknown",
    }


def _upload(client: TestClient, slug: str, kind: str, body: str, staff: dict[str, str]) -> None:
    response = client.post(
        f"/api/v1/campaigns/{slug}/imports/{kind}", files={"file": (f"{kind}.csv", body)},
        headers=staff,
    )  # fmt: skip
    assert response.status_code == 200, response.text


def _create(client: TestClient, staff: dict[str, str]) -> str:
    slug = "live-avenue"
    settings = {"votes_per_task": 3, "tutorial_tasks": 0, "known_answer_every": 0}
    response = client.post(
        "/api/v1/campaigns", json={"slug": slug, "name": "Avenue", **settings}, headers=staff
    )
    assert response.status_code == 201, response.text
    points = [from_local(LAT0, LON0, x, y) for x, y in PANORAMAS]
    rows = "".join(f"L{k},{lat:.7f},{lon:.7f}\n" for k, (lat, lon) in enumerate(points))
    _upload(client, slug, "locations", "id,lat,lon\n" + rows, staff)
    panos = "".join(f"L{k},google,PANO{k}\n" for k in range(len(points)))
    _upload(client, slug, "panoramas", "location_id,provider,pano_id\n" + panos, staff)
    assert client.post(f"/api/v1/campaigns/{slug}/open", headers=staff).status_code == 200
    return slug


def _decode(
    client: TestClient, session: Session, slug: str, rng: random.Random
) -> tuple[dict[int, list[int]], set[int]]:
    """Volunteers lease and answer until nothing is left: tag counts per task, and targets."""
    counts: dict[int, list[int]] = {}
    seen_by: dict[tuple[int, int], int] = {}
    for v in range(9):
        headers = bearer(session, make_user(session))
        while True:
            lease = client.post(f"/api/v1/campaigns/{slug}/assignments", headers=headers)
            if lease.status_code == 204:
                break
            body = lease.json()
            assert not body["task"]["known_answer"] and not body["tutorial"]
            pano = body["task"]["panorama"]
            tags, seen = answer(rng, to_local(LAT0, LON0, pano["lat"], pano["lon"]))
            payload = {"idempotency_key": f"volunteer-{v}-{body['id']}", "tags": tags,
                       "outcome": "cameras" if tags else "no_cameras"}  # fmt: skip
            done = client.post(
                f"/api/v1/assignments/{body['id']}/submission", json=payload, headers=headers
            )
            assert done.status_code == 201, done.text
            counts.setdefault(body["task"]["id"], []).append(len(tags))
            for k in seen:
                seen_by[(body["task"]["id"], k)] = seen_by.get((body["task"]["id"], k), 0) + 1
    return counts, {k for (_, k), n in seen_by.items() if n >= 2}


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_coordinator_created_campaign_confirms_its_cameras(
    client: TestClient, session: Session, seed: int
) -> None:
    staff = bearer(session, make_user(session, role="coordinator"))
    slug = _create(client, staff)
    counts, targets = _decode(client, session, slug, random.Random(seed))
    assert len(counts) == len(PANORAMAS) and all(len(c) == 3 for c in counts.values())
    run = client.post(f"/api/v1/campaigns/{slug}/reconcile", params={"full": True}, headers=staff)
    assert run.status_code == 200, run.text
    campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
    confirmed = session.execute(
        select(Camera.id, func.ST_Y(Camera.geom), func.ST_X(Camera.geom), Camera.n_panoramas)
        .where(Camera.campaign_id == campaign_id, Camera.status == "confirmed")
    ).all()  # fmt: skip
    places = [to_local(LAT0, LON0, lat, lon) for _, lat, lon, _ in confirmed]
    # One confirmed camera near each target, and none anywhere else.
    for k in targets:
        near = [p for p in places if math.dist(p, CAMERAS[k][:2]) < 10.0]
        assert len(near) == 1, (k, near)
    assert all(min(math.dist(p, c[:2]) for c in CAMERAS) < 10.0 for p in places)
    assert len(confirmed) == len(targets)
    assert 7 in targets and any(n == 2 for *_, n in confirmed)  # the mid-block one, triangulated
    # Counts are the published medians of the three answers (all tags are one attachment's
    # or another's, so the total is at least the median of all).
    stored = {
        r.task_id: r
        for r in session.scalars(select(TaskCount).where(TaskCount.campaign_id == campaign_id))
    }
    assert set(stored) == set(counts)
    for task_id, n in counts.items():
        assert stored[task_id].median_all == sorted(n)[1]
    queued = text("SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c")
    assert session.scalar(queued, {"c": campaign_id}) == 0
