"""Many decoders on several worker processes never double-count a vote."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.factories import make_campaign, make_task
from tests.live import live_server

DECODERS = 100
TASKS = 150
VOTES = 3


def _seed(database_url: str) -> str:
    engine = create_engine(database_url)
    with Session(engine) as session:
        slug = f"load-{uuid.uuid4().hex[:8]}"
        campaign = make_campaign(
            session, slug=slug, votes_per_task=VOTES, tutorial_tasks=0, known_answer_every=0
        )
        rng = random.Random(7)
        for _ in range(TASKS):
            make_task(
                session, campaign, lon=-74.0 + rng.random() * 0.2, lat=40.6 + rng.random() * 0.2
            )
        session.commit()
    engine.dispose()
    return slug


def _decoder(
    base: str, slug: str, seed: int, acked: list[tuple[int, int]], lock: threading.Lock
) -> None:
    """One decoder working until nothing is left: retries, double submits and skips included."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as http:
        token = http.post("/api/v1/auth/register", json={}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        waits = 0
        while True:
            response = http.post(f"/api/v1/campaigns/{slug}/assignments")
            if response.status_code == 503:
                # Every task left is being handed out right now: ask again, as the app does.
                assert response.json()["error"]["code"] == "busy"
                assert response.headers["Retry-After"] == "1"
                continue
            if response.status_code == 204:
                # Nothing for me now; leases held by others may still be skipped and come back.
                progress = http.get(f"/api/v1/campaigns/{slug}/progress").json()
                if progress["tasks_complete"] == progress["tasks_total"] or waits > 50:
                    return
                waits += 1
                time.sleep(0.2)
                continue
            assert response.status_code in (200, 201), response.text
            lease = response.json()
            if rng.random() < 0.05:
                assert http.post(f"/api/v1/assignments/{lease['id']}/skip").status_code == 200
                continue
            tags = [
                {
                    "heading": rng.uniform(0, 359.9),
                    "pitch": rng.uniform(-5, 30),
                    "zoom": 1,
                    "attachment": "building",
                    "camera_type": "bullet",
                }
                for _ in range(rng.randint(0, 3))
            ]
            body = {
                "idempotency_key": uuid.uuid4().hex,
                "tags": tags,
                "outcome": "cameras" if tags else "no_cameras",
            }
            url = f"/api/v1/assignments/{lease['id']}/submission"
            first = http.post(url, json=body)
            assert first.status_code == 201, first.text
            if rng.random() < 0.2:  # a retry after a lost response must not count twice
                again = http.post(url, json=body)
                assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
            with lock:
                acked.append((first.json()["id"], first.json()["task_id"]))


@pytest.mark.slow
def test_hundred_decoders_on_two_workers_fill_every_task_exactly(
    live_database_url: str, tmp_path: Path
) -> None:
    slug = _seed(live_database_url)
    acked: list[tuple[int, int]] = []
    lock = threading.Lock()
    with (
        live_server(live_database_url, media_dir=tmp_path, workers=2) as base,
        ThreadPoolExecutor(max_workers=DECODERS) as pool,
    ):
        futures = [pool.submit(_decoder, base, slug, i, acked, lock) for i in range(DECODERS)]
        for future in futures:
            future.result()
    engine = create_engine(live_database_url)
    with engine.connect() as conn:
        per_task = conn.execute(
            text(
                "SELECT t.id, t.valid_submissions, t.status, count(s.id) FROM tasks t "
                "JOIN campaigns c ON c.id = t.campaign_id "
                "LEFT JOIN submissions s ON s.task_id = t.id "
                "WHERE c.slug = :slug GROUP BY t.id"
            ),
            {"slug": slug},
        ).all()
        pairs = conn.execute(
            text(
                "SELECT s.task_id, s.user_id FROM submissions s JOIN campaigns c "
                "ON c.id = s.campaign_id WHERE c.slug = :slug"
            ),
            {"slug": slug},
        ).all()
        stored = dict(
            conn.execute(
                text("SELECT s.id, s.task_id FROM submissions s WHERE s.id = ANY(:ids)"),
                {"ids": [i for i, _ in acked]},
            ).all()
        )
    engine.dispose()
    assert len(per_task) == TASKS
    wrong = [row for row in per_task if tuple(row[1:]) != (VOTES, "complete", VOTES)]
    assert wrong == []
    assert max(Counter(pairs).values()) == 1
    assert len(acked) == TASKS * VOTES
    assert all(stored.get(sid) == task for sid, task in acked)


FEW_TASKS = 30
FEW_DECODERS = 20
# Tasks still open to one decoder: room left (live leases count) and not answered or skipped
# by them. Nobody skips or lets a lease expire below, so room only ever shrinks: a task found
# open right after a 204 was open when the 204 was answered.
_OPEN_TO = text(
    "SELECT count(*) FROM tasks t JOIN campaigns c ON c.id = t.campaign_id "
    "WHERE c.slug = :slug AND t.status = 'open' AND t.valid_submissions + (SELECT count(*) "
    "FROM assignments a WHERE a.task_id = t.id AND a.status = 'live') < c.votes_per_task "
    "AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.task_id = t.id AND s.user_id = "
    "(SELECT user_id FROM auth_sessions WHERE token_hash = :token_hash))"
)


def _stop_at_first_204(base: str, slug: str, database_url: str, told: list[int]) -> int:
    """Decode until the first 204, as the app does; return how many tasks were done."""
    import hashlib

    engine = create_engine(database_url, pool_size=1)
    done = 0
    with httpx.Client(base_url=base, timeout=60) as http:
        token = http.post("/api/v1/auth/register", json={}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        while True:
            response = http.post(f"/api/v1/campaigns/{slug}/assignments")
            if response.status_code == 503:
                assert response.json()["error"]["code"] == "busy"
                assert int(response.headers["Retry-After"]) >= 1
                continue
            if response.status_code == 204:
                with engine.connect() as conn:
                    hashed = hashlib.sha256(token.encode()).hexdigest()
                    told.append(
                        conn.execute(_OPEN_TO, {"slug": slug, "token_hash": hashed}).scalar_one()
                    )
                engine.dispose()
                return done
            assert response.status_code in (200, 201), response.text
            lease = response.json()
            body = {"idempotency_key": uuid.uuid4().hex, "tags": [], "outcome": "no_cameras"}
            posted = http.post(f"/api/v1/assignments/{lease['id']}/submission", json=body)
            assert posted.status_code == 201, posted.text
            done += 1


@pytest.mark.slow
def test_decoders_who_stop_at_their_first_204_leave_every_task_filled(
    live_database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(live_database_url)
    with Session(engine) as session:
        slug = f"few-{uuid.uuid4().hex[:8]}"
        campaign = make_campaign(
            session, slug=slug, votes_per_task=VOTES, tutorial_tasks=0, known_answer_every=0
        )
        rng = random.Random(11)
        for _ in range(FEW_TASKS):
            make_task(
                session, campaign, lon=-74.0 + rng.random() * 0.1, lat=40.7 + rng.random() * 0.1
            )
        session.commit()
    told: list[int] = []
    with (
        live_server(live_database_url, media_dir=tmp_path, workers=2) as base,
        ThreadPoolExecutor(max_workers=FEW_DECODERS) as pool,
    ):
        futures = [
            pool.submit(_stop_at_first_204, base, slug, live_database_url, told)
            for _ in range(FEW_DECODERS)
        ]
        done = [f.result() for f in futures]
    with engine.connect() as conn:
        votes = conn.execute(
            text(
                "SELECT t.valid_submissions, t.status, t.leased FROM tasks t "
                "JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = :slug"
            ),
            {"slug": slug},
        ).all()
    engine.dispose()
    assert told == [0] * FEW_DECODERS  # no 204 while a task was still open to that decoder
    assert sum(done) == FEW_TASKS * VOTES
    assert sorted(tuple(v) for v in votes) == [(VOTES, "complete", 0)] * FEW_TASKS
