"""Reconciliation at NYC scale (issue 4.6): full run < 60 s, incremental step < 50 ms.

    .venv/bin/python -m bench.reconcile            # ~43k tasks, ~130k submissions, ~90k tags

Generates a campaign the size of Decode Surveillance NYC in a fresh throwaway
database (panoramas on an 80 m grid, three decoders per task plus some late fourth
answers, clustered tags with click noise, false alarms and base clicks, known-answer
tasks), bulk-loaded with COPY; then times `reconcile_campaign(full=True)` (one
transaction, committed), a second full run (idempotency: same results), a
campaign run without --full (cross-task matching and reliability), and the
incremental step: queue jobs drained one per transaction, as the app's worker
does, reporting p50 and p99.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_sessionmaker
from app.models import Campaign
from app.services.reconciliation import drain, reconcile_campaign

LAT0, LON0 = 40.60, -74.05
SPACING_M = 80.0
ATTACHMENTS = ("street_furniture", "building", "other")
TYPES = ("dome_ptz", "bullet", "unknown")


def _copy(engine: Engine, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
        raw.commit()
    finally:
        raw.close()


def generate(engine: Engine, *, tasks: int, seed: int) -> int:
    """Create the campaign; return its id. Decoders, panoramas and tasks are set-based SQL."""
    rng = random.Random(seed)
    side = math.ceil(math.sqrt(tasks))
    dlat = SPACING_M / 111_320.0
    dlon = SPACING_M / (111_320.0 * math.cos(math.radians(LAT0)))
    with engine.begin() as conn:
        cid = conn.scalar(
            text(
                "INSERT INTO campaigns (slug, name, status, votes_per_task, lease_minutes, "
                "tutorial_tasks, known_answer_every, licence, description) "
                "VALUES ('bench', 'Benchmark', 'closed', 3, 20, 0, 0, 'ODbL-1.0', '') RETURNING id"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (public_id, role, is_anonymous, is_active) "
                "SELECT 'b-' || g, 'decoder', true, true FROM generate_series(1, 2000) g"
            )
        )
        conn.execute(
            text(
                "INSERT INTO panoramas (campaign_id, provider, provider_id, geom, heading) "
                "SELECT :c, 'google', 'p' || g, ST_SetSRID(ST_MakePoint("
                ":lon0 + (g % :side) * :dlon, :lat0 + (g / :side) * :dlat), 4326), 0 "
                "FROM generate_series(0, :n - 1) g"
            ),
            {
                "c": cid,
                "side": side,
                "dlon": dlon,
                "dlat": dlat,
                "lon0": LON0,
                "lat0": LAT0,
                "n": tasks,
            },
        )
        conn.execute(
            text(
                "INSERT INTO tasks (campaign_id, panorama_id, status, priority, is_tutorial, "
                "valid_submissions) SELECT :c, id, 'complete', 0, false, 3 FROM panoramas "
                "WHERE campaign_id = :c ORDER BY id"
            ),
            {"c": cid},
        )
        task_ids = [int(t) for t in conn.scalars(text("SELECT id FROM tasks ORDER BY id"))]
        user_ids = [int(u) for u in conn.scalars(text("SELECT id FROM users ORDER BY id"))]
        next_sub = int(conn.scalar(text("SELECT nextval('submissions_id_seq')")))
        next_tag = int(conn.scalar(text("SELECT nextval('tags_id_seq')")))
    subs, tags, known = _answers(rng, task_ids, user_ids, cid, next_sub, next_tag)
    _copy(engine, "submissions", SUB_COLUMNS, subs)
    _copy(engine, "tags", TAG_COLUMNS, tags)
    with engine.begin() as conn:
        for task_id, answer in known:
            conn.execute(
                text("UPDATE tasks SET known_answer = CAST(:a AS jsonb) WHERE id = :t"),
                {"a": answer, "t": task_id},
            )
        conn.execute(text("SELECT setval('submissions_id_seq', (SELECT max(id) FROM submissions))"))
        conn.execute(text("SELECT setval('tags_id_seq', (SELECT max(id) FROM tags))"))
        conn.execute(text("ANALYZE"))
    return int(cid)


SUB_COLUMNS = [
    "id", "campaign_id", "task_id", "user_id", "outcome", "started_at", "n_all",
    "n_street_furniture", "n_building", "n_other", "n_dome_ptz", "n_bullet", "n_unknown_type",
]  # fmt: skip
TAG_COLUMNS = [
    "id", "submission_id", "task_id", "user_id", "ordinal", "heading", "pitch", "zoom",
    "attachment", "camera_type", "base_heading", "base_pitch",
]  # fmt: skip


def _answers(
    rng: random.Random, task_ids: list[int], user_ids: list[int], cid: int, sid: int, tid: int
) -> tuple[list[list[Any]], list[list[Any]], list[tuple[int, str]]]:
    """Three (sometimes four) answers per task: each sees each camera w.p. 0.8, plus noise."""
    t0 = datetime(2021, 5, 1, tzinfo=UTC)
    subs: list[list[Any]] = []
    tags: list[list[Any]] = []
    known: list[tuple[int, str]] = []
    for k, task_id in enumerate(task_ids):
        n_cams = min(_poisson(rng, 0.72), 8)
        cams = [
            (rng.uniform(0, 360), rng.uniform(2, 15), rng.choice(ATTACHMENTS), rng.choice(TYPES))
            for _ in range(n_cams)
        ]
        if k % 50 == 7:
            known.append((task_id, _json(cams)))
        voters = rng.sample(user_ids, 4 if rng.random() < 0.02 else 3)
        for j, user in enumerate(voters):
            mine = [c for c in cams if rng.random() < 0.8]
            clicks = [(h + rng.gauss(0, 0.5), p + rng.gauss(0, 0.5), a, ty) for h, p, a, ty in mine]
            if rng.random() < 0.1:
                clicks.append((rng.uniform(0, 360), rng.uniform(0, 20), "other", "unknown"))
            counts = dict.fromkeys(("sf", "b", "o", "d", "bu", "u"), 0)
            for n, (h, p, a, ty) in enumerate(clicks):
                base = (h % 360.0, -rng.uniform(3, 12)) if rng.random() < 0.3 else (None, None)
                tags.append([tid, sid, task_id, user, n, h % 360.0, p, 2.0, a, ty, *base])
                tid += 1
                counts[{"street_furniture": "sf", "building": "b", "other": "o"}[a]] += 1
                counts[{"dome_ptz": "d", "bullet": "bu", "unknown": "u"}[ty]] += 1
            started = t0 + timedelta(minutes=k, seconds=j * 7)
            subs.append(
                [sid, cid, task_id, user, "cameras" if clicks else "no_cameras",
                 started.isoformat(), len(clicks), *counts.values()]
            )  # fmt: skip
            sid += 1
    return subs, tags, known


def _json(cams: list[tuple[float, float, str, str]]) -> str:
    items = [
        f'{{"heading": {h!r}, "pitch": {p!r}, "attachment": "{a}", "camera_type": "{t}"}}'
        for h, p, a, t in cams
    ]
    return "[" + ", ".join(items) + "]"


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _timed_run(factory: sessionmaker[Session], cid: int, *, full: bool) -> tuple[float, Any]:
    start = time.perf_counter()
    with factory() as session:
        campaign = session.get_one(Campaign, cid)
        summary = reconcile_campaign(session, campaign=campaign, full=full)
        session.commit()
    return time.perf_counter() - start, summary


def _snapshot(engine: Engine, cid: int) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM task_counts WHERE campaign_id = :c), "
                    "(SELECT sum(total) FROM task_counts WHERE campaign_id = :c), "
                    "(SELECT count(*) FROM cameras WHERE campaign_id = :c), "
                    "(SELECT count(*) FILTER (WHERE status = 'confirmed') FROM cameras "
                    " WHERE campaign_id = :c), "
                    "(SELECT round(sum(confidence)::numeric, 6) FROM cameras "
                    " WHERE campaign_id = :c)"
                ),
                {"c": cid},
            ).one()
        )


def _incremental(engine: Engine, factory: sessionmaker[Session], cid: int, n: int) -> list[float]:
    """Queue n random tasks and drain them one job per transaction; per-job milliseconds."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reconcile_jobs (task_id, campaign_id) SELECT id, :c FROM tasks "
                "WHERE campaign_id = :c ORDER BY random() LIMIT :n"
            ),
            {"c": cid, "n": n},
        )
    times = []
    while True:
        start = time.perf_counter()
        result = drain(factory, limit=1)
        if result.done + result.failed == 0:
            break
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=43_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--incremental", type=int, default=500, help="queued tasks to time")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    from tests import db as testdb

    name = f"decoders_bench_{os.getpid()}"
    url = testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        start = time.perf_counter()
        cid = generate(engine, tasks=args.tasks, seed=args.seed)
        with engine.connect() as conn:
            sizes = conn.execute(
                text("SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM submissions), "
                     "(SELECT count(*) FROM tags)")
            ).one()  # fmt: skip
        print(f"generated {sizes[0]} tasks, {sizes[1]} submissions, {sizes[2]} tags "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        first, summary = _timed_run(factory, cid, full=True)
        print(f"full reconciliation: {first:.1f} s  {summary.seconds}  "
              f"({summary.tasks} tasks, {summary.cameras} cameras, {summary.merged} triangulated, "
              f"{summary.statuses})")  # fmt: skip
        before = _snapshot(engine, cid)
        second, summary = _timed_run(factory, cid, full=True)
        print(f"full reconciliation again: {second:.1f} s  {summary.seconds}; identical results: "
              f"{before == _snapshot(engine, cid)}")  # fmt: skip
        run, summary = _timed_run(factory, cid, full=False)
        print(f"campaign run (cross-task + reliability): {run:.1f} s  {summary.seconds}")
        times = sorted(_incremental(engine, factory, cid, args.incremental))
        if times:
            p50 = times[len(times) // 2]
            p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
            print(f"incremental step (one queued task per transaction, n={len(times)}): "
                  f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms")  # fmt: skip
        engine.dispose()
    finally:
        if not args.keep:
            testdb.drop_database(name)


if __name__ == "__main__":
    main()
