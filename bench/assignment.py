"""Benchmark: next-task + submit throughput and latency over HTTP, beside the same SQL run directly.

    .venv/bin/python bench/assignment.py [--tasks 10000] [--seconds 15] [--clients 1,16,64]

Creates its own database `decoders_bench_assignment` on the local cluster (or the server of
DATABASE_URL), seeds a campaign of --tasks tasks (votes 3), starts uvicorn with one worker per
core, and for each client count runs closed-loop decoders (lease, then submit 0-3 tags) for
--seconds. The ceiling runs the same transactions (advisory lock, expiry, previous position,
candidate query with FOR UPDATE SKIP LOCKED, lease insert; then lease lock, submission and tag
inserts, conditional vote update) straight through psycopg2 from as many threads. Prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from tests import db as testdb
from tests.live import live_server

DB_NAME = "decoders_bench_assignment"


def seed(url: str, tasks: int, users: int) -> tuple[str, list[str]]:
    """A campaign of `tasks` tasks and `users` decoders with tokens; returns (slug, tokens)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    tokens = [uuid.uuid4().hex + uuid.uuid4().hex for _ in range(users)]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO campaigns (slug, name, status, tutorial_tasks, known_answer_every) "
            "VALUES (%s, 'bench', 'open', 0, 0) RETURNING id",
            (slug,),
        )
        campaign_id = cur.fetchone()[0]
        cur.execute(
            """
            WITH p AS (
              INSERT INTO panoramas (campaign_id, provider, provider_id, image_url, geom)
              SELECT %s, 'equirect', 'b' || g, '/media/x.jpg',
                     ST_SetSRID(ST_MakePoint(-74.05 + random() * 0.3, 40.6 + random() * 0.3), 4326)
              FROM generate_series(1, %s) g RETURNING id)
            INSERT INTO tasks (campaign_id, panorama_id) SELECT %s, id FROM p
            """,
            (campaign_id, tasks, campaign_id),
        )
        for i, token in enumerate(tokens):
            cur.execute(
                "INSERT INTO users (public_id, is_anonymous) VALUES (%s, true) RETURNING id",
                (f"d-bench{uuid.uuid4().hex[:10]}{i}",),
            )
            user_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO auth_sessions (user_id, token_hash, expires_at) "
                "VALUES (%s, %s, now() + interval '1 day')",
                (user_id, hashlib.sha256(token.encode()).hexdigest()),
            )
    return slug, tokens


def http_worker(base: str, slug: str, token: str, stop: float, lat: list[float]) -> None:
    rng = random.Random(token)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            lease = c.post(f"/api/v1/campaigns/{slug}/assignments")
            if lease.status_code == 204:
                return
            tags = [
                {
                    "heading": rng.uniform(0, 359),
                    "pitch": rng.uniform(0, 30),
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
            done = c.post(f"/api/v1/assignments/{lease.json()['id']}/submission", json=body)
            assert done.status_code == 201, done.text
            lat.append(time.perf_counter() - t0)


NEXT = (Path(__file__).resolve().parent.parent / "app" / "sql" / "next_task.sql").read_text()


def sql_worker(dsn: str, campaign_id: int, user_id: int, stop: float, lat: list[float]) -> None:
    """The same statements the services run, without HTTP, pydantic or the ORM."""
    import re

    query = re.sub(r":(\w+)", r"%(\1)s", NEXT.replace("::", "§")).replace("§", "::")
    rng = random.Random(user_id)
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        cur.execute("SELECT pg_advisory_xact_lock(7301, %s)", (user_id,))
        cur.execute(
            "UPDATE assignments SET status='expired' WHERE id IN (SELECT id FROM assignments "
            "WHERE campaign_id=%s AND status='live' AND expires_at <= now() "
            "FOR UPDATE SKIP LOCKED)",
            (campaign_id,),
        )
        cur.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM assignments a JOIN tasks t ON t.id = a.task_id "
            "JOIN panoramas p ON p.id = t.panorama_id WHERE a.user_id = %s "
            "ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
            (user_id,),
        )
        prev = cur.fetchone() or (None, None)
        cur.execute(
            query,
            {
                "campaign_id": campaign_id,
                "user_id": user_id,
                "tutorial": False,
                "known_only": False,
                "votes": 3,
                "exclude": [],
                "prev_lon": prev[0],
                "prev_lat": prev[1],
                "limit": 8,
            },
        )
        row = cur.fetchone()
        if row is None:
            conn.commit()
            return
        cur.execute(
            "INSERT INTO assignments (campaign_id, task_id, user_id, expires_at, created_at) "
            "VALUES (%s, %s, %s, now() + interval '20 minutes', now()) RETURNING id",
            (campaign_id, row[0], user_id),
        )
        assignment_id = cur.fetchone()[0]
        conn.commit()
        cur.execute("SELECT task_id FROM assignments WHERE id = %s FOR UPDATE", (assignment_id,))
        cur.execute("SELECT id FROM tasks WHERE id = %s FOR UPDATE", (row[0],))
        n = rng.randint(0, 3)
        cur.execute(
            "INSERT INTO submissions (campaign_id, task_id, user_id, assignment_id, "
            "idempotency_key, outcome, n_all, n_building, n_bullet, started_at) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,now()) "
            "RETURNING id",
            (
                campaign_id,
                row[0],
                user_id,
                assignment_id,
                uuid.uuid4().hex,
                "cameras" if n else "no_cameras",
                n,
                n,
                n,
            ),
        )
        sub_id = cur.fetchone()[0]
        for i in range(n):
            cur.execute(
                "INSERT INTO tags (submission_id, task_id, user_id, ordinal, heading, pitch, zoom, "
                "attachment, camera_type) VALUES (%s,%s,%s,%s,%s,%s,1,'building','bullet')",
                (sub_id, row[0], user_id, i, rng.uniform(0, 359), rng.uniform(0, 30)),
            )
        cur.execute(
            "UPDATE tasks SET valid_submissions = valid_submissions + 1 WHERE id = %s "
            "AND valid_submissions < 3",
            (row[0],),
        )
        cur.execute("UPDATE assignments SET status='submitted' WHERE id = %s", (assignment_id,))
        conn.commit()
        lat.append(time.perf_counter() - t0)
    conn.close()


def run(
    clients: int, seconds: float, make: Callable[[int, float, list[float]], threading.Thread]
) -> tuple[float, float, float]:
    lat: list[float] = []
    stop = time.monotonic() + seconds
    threads = [make(i, stop, lat) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
    return len(lat) / elapsed, statistics.median(lat) * 1000 if lat else float("nan"), p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", default="1,16,64")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    url = testdb.create_database(DB_NAME)
    migrate.upgrade(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    workers = os.cpu_count() or 1
    rows = []
    try:
        with live_server(url, media_dir=Path("/tmp"), workers=workers) as base:
            for n in counts:
                slug, tokens = seed(url, args.tasks, n)
                rate, p50, p99 = run(
                    n,
                    args.seconds,
                    lambda i, stop, lat, slug=slug, tokens=tokens: threading.Thread(
                        target=http_worker, args=(base, slug, tokens[i], stop, lat)
                    ),
                )
                rows.append(("http", n, rate, p50, p99))
        for n in counts:
            slug, _ = seed(url, args.tasks, n)
            with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
                cur.execute("SELECT id FROM campaigns WHERE slug = %s", (slug,))
                campaign_id = cur.fetchone()[0]
                cur.execute(
                    "SELECT u.id FROM users u JOIN auth_sessions a ON a.user_id = u.id "
                    "ORDER BY u.id DESC LIMIT %s",
                    (n,),
                )
                user_ids = [r[0] for r in cur.fetchall()]
            rate, p50, p99 = run(
                n,
                args.seconds,
                lambda i, stop, lat, cid=campaign_id, uids=user_ids: threading.Thread(
                    target=sql_worker, args=(dsn, cid, uids[i], stop, lat)
                ),
            )
            rows.append(("sql", n, rate, p50, p99))
    finally:
        testdb.drop_database(DB_NAME)
    print(
        f"\n{args.tasks} tasks, {workers} uvicorn workers, {os.cpu_count()} cores, "
        f"{args.seconds:.0f} s per row"
    )
    print(f"{'path':6} {'clients':>7} {'pairs/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for path, n, rate, p50, p99 in rows:
        print(f"{path:6} {n:7d} {rate:9.1f} {p50:8.1f} {p99:8.1f}")
    http = {n: r for p, n, r, *_ in rows if p == "http"}
    sql = {n: r for p, n, r, *_ in rows if p == "sql"}
    for n in counts:
        print(f"clients {n}: HTTP reaches {http[n] / sql[n]:.0%} of the SQL ceiling")


if __name__ == "__main__":
    main()
