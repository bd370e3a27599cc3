"""EXPLAIN ANALYZE of the lease queries at NYC scale, for decoders with short and long histories.

    .venv/bin/python -m bench.assignment_plans [--tasks 45000] [--histories 0,400,5000] [--plans]

Seeds a throwaway database `decoders_bench_plans` with one campaign of --tasks tasks in a
mid-campaign state (30 % complete, 1 % with two votes, 10 % with one, the rest none), and one
decoder per history length whose submissions lie on tasks that already have votes, mostly
complete ones and some in the two-vote and one-vote tiers that the pick walks first (the case
where their own history is in the way). For each decoder it runs a lease request (one call of
decoders_lease, migration 0009) five times, each in a transaction that is rolled back, with
auto_explain reporting the statements run inside the call, and prints the median execution time
of the decoder's state (three statements), the pick and the whole call (with --plans, the plan
of the last pick).
"""

from __future__ import annotations

import argparse
import collections
import re
import statistics
import sys
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.services.decoding.assignment import FRESH_SUBMISSIONS, PAUSES, check_key
from tests import db as testdb

DB_NAME = "decoders_bench_plans"
LEASE = "SELECT outcome FROM decoders_lease(%s, NULL, false, %s, NULL, 0, %s, %s, %s::float8[])"
# auto_explain reports each statement run inside the call, with its plan and execution time.
EXPLAIN_NESTED = (
    "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; "
    "SET auto_explain.log_nested_statements = on; SET auto_explain.log_analyze = on; "
    "SET client_min_messages = log"
)


def seed(
    cur: psycopg2.extensions.cursor, tasks: int, histories: list[int]
) -> tuple[int, list[int]]:
    cur.execute(
        "INSERT INTO campaigns (slug, name, status, tutorial_tasks, known_answer_every) "
        "VALUES ('plans', 'plans', 'open', 0, 0) RETURNING id"
    )
    campaign_id = cur.fetchone()[0]
    cur.execute(
        """
        WITH p AS (
          INSERT INTO panoramas (campaign_id, provider, provider_id, image_url, geom)
          SELECT %(c)s, 'equirect', 'p' || g, '/media/x.jpg',
                 ST_SetSRID(ST_MakePoint(-74.25 + random() * 0.55, 40.5 + random() * 0.4), 4326)
          FROM generate_series(1, %(n)s) g RETURNING id)
        INSERT INTO tasks (campaign_id, panorama_id) SELECT %(c)s, id FROM p
        """,
        {"c": campaign_id, "n": tasks},
    )
    # Mid-campaign: complete, two votes, one vote, none (by a random order of the tasks).
    cur.execute(
        """
        WITH r AS (SELECT id, row_number() OVER (ORDER BY random()) AS k FROM tasks
                   WHERE campaign_id = %(c)s)
        UPDATE tasks t SET
          valid_submissions = CASE WHEN r.k <= %(n)s * 0.30 THEN 3
                                   WHEN r.k <= %(n)s * 0.31 THEN 2
                                   WHEN r.k <= %(n)s * 0.41 THEN 1 ELSE 0 END,
          status = CASE WHEN r.k <= %(n)s * 0.30 THEN 'complete' ELSE 'open' END
        FROM r WHERE r.id = t.id
        """,
        {"c": campaign_id, "n": tasks},
    )
    # Everybody else's votes, so that the tables have their real size: three fillers, the k-th
    # of whom voted on every task with more than k votes.
    for k in range(3):
        cur.execute(
            "INSERT INTO users (public_id, is_anonymous) VALUES (%s, true) RETURNING id",
            (f"plans-filler-{k}",),
        )
        filler = cur.fetchone()[0]
        cur.execute(
            """
            WITH leased AS (
              INSERT INTO assignments (campaign_id, task_id, user_id, status, created_at,
                                       expires_at, finished_at)
              SELECT %(c)s, id, %(u)s, 'submitted', now() - interval '2 days', now(), now()
              FROM tasks WHERE campaign_id = %(c)s AND valid_submissions > %(k)s
              RETURNING id, task_id, created_at)
            INSERT INTO submissions (campaign_id, task_id, user_id, assignment_id, outcome,
                                     started_at, idempotency_key)
            SELECT %(c)s, task_id, %(u)s, id, 'no_cameras', created_at, 'f' || id FROM leased
            """,
            {"c": campaign_id, "u": filler, "k": k},
        )
    users = []
    for size in histories:
        cur.execute(
            "INSERT INTO users (public_id, is_anonymous) VALUES (%s, true) RETURNING id",
            (f"plans-{size}",),
        )
        user_id = cur.fetchone()[0]
        users.append(user_id)
        # 85 % of the history on complete tasks, 5 % in the two-vote tier, 10 % with one vote.
        for votes, share in ((3, 0.85), (2, 0.05), (1, 0.10)):
            cur.execute(
                """
                WITH mine AS (
                  SELECT id FROM tasks WHERE campaign_id = %(c)s AND valid_submissions = %(v)s
                  ORDER BY random() LIMIT %(k)s
                ), leased AS (
                  INSERT INTO assignments (campaign_id, task_id, user_id, status, created_at,
                                           expires_at, finished_at)
                  SELECT %(c)s, id, %(u)s, 'submitted', now() - interval '1 day' * random(),
                         now(), now() FROM mine
                  RETURNING id, task_id, created_at)
                INSERT INTO submissions (campaign_id, task_id, user_id, assignment_id, outcome,
                                         started_at, idempotency_key)
                SELECT %(c)s, task_id, %(u)s, id, 'no_cameras', created_at, 'k' || id FROM leased
                """,
                {"c": campaign_id, "v": votes, "k": round(size * share), "u": user_id},
            )
    cur.execute("ANALYZE")
    return campaign_id, users


# Late in a campaign's first pass: nothing with votes is open, the zero-vote tier is all there is.
ONLY_TIER_0 = "UPDATE tasks SET status = 'review' WHERE valid_submissions IN (1, 2)"


def _kind(query: str) -> str | None:
    """Which part of a lease request a statement reported by auto_explain is."""
    if "decoders_lease(" in query:
        return "whole call"
    if "WITH RECURSIVE tiers" in query:
        return "pick"
    if "count(*)" in query or "t.pos[0]" in query:
        return "decoder state"
    return None


def timed(
    conn: psycopg2.extensions.connection, campaign_id: int, user_id: int, before: str = ""
) -> tuple[dict[str, float], str]:
    """Median execution time (ms) of each part over five calls, and the last pick's plan."""
    runs: dict[str, list[float]] = collections.defaultdict(list)
    plan = ""
    with conn.cursor() as cur:
        for _ in range(5):
            if before:
                cur.execute(before)
            conn.notices.clear()
            args = (campaign_id, user_id, FRESH_SUBMISSIONS, check_key(user_id), list(PAUSES))
            cur.execute(LEASE, args)
            assert cur.fetchone()[0] == "created"
            parts: dict[str, float] = collections.defaultdict(float)
            for notice in conn.notices:
                found = re.search(r"duration: ([\d.]+) ms.*?Query Text: (.*?)\n(.*)", notice, re.S)
                if found is None:
                    continue
                kind = _kind(found.group(2))
                if kind is not None:
                    parts[kind] += float(found.group(1))
                if kind == "pick":
                    plan = found.group(3)
            for kind, ms in parts.items():
                runs[kind].append(ms)
            conn.rollback()
    return {kind: statistics.median(ms) for kind, ms in runs.items()}, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=45_000)
    parser.add_argument("--histories", default="0,400,5000")
    parser.add_argument("--plans", action="store_true", help="print each plan")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    histories = [int(h) for h in args.histories.split(",")]
    url = testdb.create_database(DB_NAME)
    migrate.upgrade(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    results = []
    try:
        # As the app's engine does (app/db.py): JIT never pays back on these short queries.
        conn = psycopg2.connect(dsn, options="-c jit=off")
        conn.notices = collections.deque(maxlen=1000)
        with conn.cursor() as cur:
            campaign_id, users = seed(cur, args.tasks, histories)
            conn.commit()
            cur.execute(EXPLAIN_NESTED)
            conn.commit()
        for size, user_id in zip(histories, users, strict=True):
            for name, before in (("", ""), (", tier 0", ONLY_TIER_0)):
                parts, plan = timed(conn, campaign_id, user_id, before)
                for kind in ("decoder state", "pick", "whole call"):
                    results.append((size, kind + name, parts.get(kind, float("nan"))))
                if args.plans:
                    print(f"\n-- pick{name}, decoder with {size} submissions\n{plan}")
        conn.close()
    finally:
        if not args.keep:
            testdb.drop_database(DB_NAME)
    print(f"\n{args.tasks} tasks; median of 5 calls, execution times under auto_explain")
    print(f"{'submissions':>11}  {'statement':22} {'ms':>7}")
    for size, name, ms in results:
        print(f"{size:11d}  {name:22} {ms:7.3f}")


if __name__ == "__main__":
    main()
