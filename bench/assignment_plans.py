"""EXPLAIN ANALYZE of the lease queries at NYC scale, for decoders with short and long histories.

    .venv/bin/python -m bench.assignment_plans [--tasks 45000] [--histories 0,400,5000] [--plans]

Seeds a throwaway database `decoders_bench_plans` with one campaign of --tasks tasks in a
mid-campaign state (30 % complete, 1 % with two votes, 10 % with one, the rest none), and one
decoder per history length whose submissions lie on tasks that already have votes, mostly
complete ones and some in the two-vote and one-vote tiers that the pick walks first (the case
where their own history is in the way). For each decoder it runs the three statements of a lease
request, each five times, and prints the median execution time (and with --plans the plan of
the last run). The pick runs in a transaction that is rolled back, as it locks a row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from bench.assignment import FIRST, NEAREST, STATE
from tests import db as testdb

DB_NAME = "decoders_bench_plans"
LOCK = "FOR NO KEY UPDATE OF t SKIP LOCKED"


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


def timed(
    cur: psycopg2.extensions.cursor, query: str, params: dict[str, object], before: str = ""
) -> tuple[float, str]:
    """Median execution time (ms) of five runs, and the last plan."""
    times, plan = [], ""
    for _ in range(5):
        if before:
            cur.execute(before)
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params)
        lines = [r[0] for r in cur.fetchall()]
        times.append(float(lines[-1].split(":")[1].split()[0]))
        plan = "\n".join(lines)
        cur.connection.rollback()
    return statistics.median(times), plan


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
        with conn.cursor() as cur:
            campaign_id, users = seed(cur, args.tasks, histories)
            conn.commit()
            for size, user_id in zip(histories, users, strict=True):
                params = {"campaign_id": campaign_id, "user_id": user_id, "votes": 3}
                cur.execute(STATE, params)
                _, _, lon, lat = cur.fetchone()
                conn.rollback()
                pick = {**params, "lon": lon, "lat": lat}
                chosen = NEAREST if lon is not None else FIRST
                for name, query, values, before in (
                    ("decoder state", STATE, params, ""),
                    ("pick", chosen, pick, ""),
                    ("pick, tier 0", chosen, pick, ONLY_TIER_0),
                    # After a miss: the same pick as a plain read (app/services/decoding/pool.py).
                    ("anything left", chosen.replace(LOCK, ""), pick, ""),
                ):
                    ms, plan = timed(cur, query, values, before)
                    results.append((size, name, ms))
                    if args.plans:
                        print(f"\n-- {name}, decoder with {size} submissions\n{plan}")
        conn.close()
    finally:
        if not args.keep:
            testdb.drop_database(DB_NAME)
    print(f"\n{args.tasks} tasks; median of 5 EXPLAIN ANALYZE execution times")
    print(f"{'submissions':>11}  {'statement':14} {'ms':>7}")
    for size, name, ms in results:
        print(f"{size:11d}  {name:14} {ms:7.3f}")


if __name__ == "__main__":
    main()
