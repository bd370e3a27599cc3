"""Benchmark: lease + submit pairs over HTTP against the framework's floor and the SQL ceiling.

    .venv/bin/python bench/assignment.py [--tasks 10000] [--seconds 15] [--clients 1,16,64]
        [--workers 2] [--paced 0.13,0.2]

Creates its own database `decoders_bench_assignment` on the local cluster (or the server of
DATABASE_URL) and serves it with `uvicorn app.main:app --workers 2` (--workers). For each client
count it seeds a fresh campaign of --tasks tasks (votes 3) and runs closed-loop asyncio
decoders (lease, then submit 0-3 tags; 503 busy is retried and counted) for --seconds. Then:

- floor: the same client on `GET /api/v1/health` at the largest client count, the framework's
  own speed on this machine (one pooled session and two tiny queries per request);
- paced: for each multiple m of --paced, the same decoders at the largest client count on a
  fresh campaign, open-loop: offered m x the floor just measured, in pairs/s in all. Each
  client draws its pairs' start times from a Poisson process (exponential gaps of mean
  clients / rate from its own seeded generator, so the schedule is the same from run to run and
  does not depend on the answers); a pair starts at its scheduled time, or as soon as the
  client's previous pair is done, and its latency counts from the scheduled time, so a backlog
  counts against the server (no coordinated omission). Pairs scheduled but not started when
  time is up are `unstarted`; a row that completes less than 98 % of its scheduled pairs says
  `fell behind` (the pairs drawn, not rate x seconds: a Poisson count itself varies by its
  square root, 2.6 % at 1,440 pairs, so the notes also show the rate the schedule drew);
- ceiling: the same transactions (the decoders_lease and decoders_submit calls of migration
  0011, without the session lookup) straight through psycopg2 from as many threads, without
  HTTP, pydantic or the ORM.

Why paced rows: a closed-loop client sends its next pair the moment the previous one returns,
so with N clients Little's law fixes the mean latency at N / throughput. The closed rows measure
capacity; their latency at 64 clients is whatever the queue of 64 makes it, not what a decoder
sees at a given load. The paced rows measure the latency at a chosen throughput (0.13 x the
floor is the throughput of issue 14's done criterion, which asks p99 < 250 ms with it).

Per row it also reports new PostgreSQL sessions per second (pg_stat_database.sessions: a pool
that churns opens connections all the time) and, for HTTP rows, the share of active backends
per worker process (application_name carries the pid), sampled every 50 ms, to show both
workers got load, and the CPU milliseconds per pair (or request) of the uvicorn processes, of
this database's PostgreSQL backends and of this process (the clients; sql rows show none: their
backends are gone before they are counted). The client is a minimal keep-alive HTTP/1.1 client
on uvloop, so that the load generator costs far less CPU than the server it measures on the
same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.services.decoding.assignment import FRESH_SUBMISSIONS, PAUSES, check_key
from bench.cpu_per_request import cpu_seconds, own_cpu, processes, server_processes
from tests import db as testdb
from tests.live import live_server

DB_NAME = "decoders_bench_assignment"


def seed(dsn: str, tasks: int, users: int) -> tuple[str, int, list[tuple[int, str]]]:
    """A campaign of `tasks` tasks and `users` decoders; returns (slug, id, [(user id, token)])."""
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    decoders = []
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
        for i in range(users):
            token = uuid.uuid4().hex + uuid.uuid4().hex
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
            decoders.append((user_id, token))
        cur.execute("ANALYZE tasks")
    return slug, campaign_id, decoders


# Each client reconnects after this many requests. Connections opened in a burst all land on
# whichever worker accepts first; reconnecting lets the less busy worker take new ones, so both
# workers share the load as they would behind a load balancer (the floor pays the same).
RECONNECT_EVERY = 8
# uvicorn closes a keep-alive connection idle for 5 s (--timeout-keep-alive). Closed-loop clients
# are never idle; a paced client can wait that long for its next pair, and then reconnects first,
# as a browser would.
IDLE_RECONNECT = 4.0


class Http:
    """One keep-alive HTTP/1.1 connection: just enough for JSON requests to uvicorn."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.sent = 0
        self.last = 0.0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.last = time.monotonic()

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        self.sent += 1
        if self.sent % RECONNECT_EVERY == 0 or time.monotonic() - self.last > IDLE_RECONNECT:
            self.close()
            await self.open()
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        self.last = time.monotonic()
        return status, payload

    def close(self) -> None:
        self.writer.close()


@dataclass
class Tally:
    """Latencies of completed units of work, and what else happened."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    scheduled: int = 0  # paced rows: pairs whose scheduled start fell within the run


def _tags(rng: random.Random) -> list[dict[str, object]]:
    return [
        {
            "heading": rng.uniform(0, 359),
            "pitch": rng.uniform(0, 30),
            "zoom": 1,
            "attachment": "building",
            "camera_type": "bullet",
        }
        for _ in range(rng.randint(0, 3))
    ]


async def pair(http: Http, slug: str, tally: Tally, rng: random.Random, t0: float) -> bool:
    """Lease then submit; a submitted pair's latency counts from `t0` (perf_counter).

    False when nothing is left for this decoder."""
    status, body = await http.call("POST", f"/api/v1/campaigns/{slug}/assignments")
    while status == 503:  # busy: the app would wait Retry-After; here, ask again at once
        tally.outcomes["busy"] += 1
        status, body = await http.call("POST", f"/api/v1/campaigns/{slug}/assignments")
    if status == 204:
        tally.outcomes["nothing_left"] += 1
        return False
    if status not in (200, 201):
        tally.outcomes[f"lease_{status}"] += 1
        return True
    tags = _tags(rng)
    answer = {
        "idempotency_key": uuid.uuid4().hex,
        "tags": tags,
        "outcome": "cameras" if tags else "no_cameras",
    }
    lease_id = json.loads(body)["id"]
    status, _ = await http.call("POST", f"/api/v1/assignments/{lease_id}/submission", answer)
    if status != 201:
        tally.outcomes[f"submit_{status}"] += 1
        return True
    tally.latencies.append(time.perf_counter() - t0)
    return True


async def decoder(http: Http, slug: str, stop: float, tally: Tally, rng: random.Random) -> None:
    """Closed loop: lease then submit, until time is up or nothing is left."""
    while time.monotonic() < stop:
        if not await pair(http, slug, tally, rng, time.perf_counter()):
            return


async def paced_decoder(
    http: Http,
    slug: str,
    stop: float,
    tally: Tally,
    rng: random.Random,
    schedule: random.Random,
    rate: float,
) -> None:
    """Open loop: pairs at the times of a Poisson process of `rate` per second from `schedule`.

    A pair starts at its scheduled time, or as soon as the previous one is done if that is
    later, and its latency counts from the scheduled time, so a backlog counts against the
    server. Pairs scheduled before `stop` but not started by then count as `unstarted`; those
    due after this decoder was told nothing is left count as `after_nothing_left`, not as
    scheduled."""
    now = time.perf_counter()  # one clock for the schedule and the latencies, as `pair` times
    end = now + (stop - time.monotonic())
    due, more = now, True
    while True:
        due += schedule.expovariate(rate)
        if due >= end:
            return
        if not more:  # this decoder was told nothing is left: not the server falling behind
            tally.outcomes["after_nothing_left"] += 1
            continue
        tally.scheduled += 1
        if time.perf_counter() >= end:
            tally.outcomes["unstarted"] += 1
            continue
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        more = await pair(http, slug, tally, rng, due)


async def health(http: Http, stop: float, tally: Tally) -> None:
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        status, _ = await http.call("GET", "/api/v1/health")
        if status != 200:
            tally.outcomes[f"health_{status}"] += 1
            continue
        tally.latencies.append(time.perf_counter() - t0)


async def drive(
    host: str,
    port: int,
    tokens: list[str | None],
    seconds: float,
    work: Callable[..., Awaitable[None]],
) -> tuple[Tally, float]:
    """Open one connection per client, run `work` on each for `seconds`; (tally, elapsed)."""
    conns = [Http(host, port, token) for token in tokens]
    await asyncio.gather(*(c.open() for c in conns))
    tally = Tally()
    stop = time.monotonic() + seconds
    start = time.monotonic()
    await asyncio.gather(*(work(c, stop, tally, i) for i, c in enumerate(conns)))
    elapsed = time.monotonic() - start
    for c in conns:
        c.close()
    return tally, elapsed


class Monitor(threading.Thread):
    """Samples pg_stat_activity for active backends per application_name while a row runs."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.halt, self.active = dsn, threading.Event(), Counter[str]()

    def run(self) -> None:
        conn = psycopg2.connect(self.dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            while not self.halt.wait(0.05):
                cur.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1"
                )
                for name, n in cur.fetchall():
                    self.active[name or "?"] += n
        conn.close()


def sessions_opened(dsn: str) -> int:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(cur.fetchone()[0])


@dataclass(frozen=True)
class Paced:
    """What a paced row was offered: `multiple` x the health floor, `rate` pairs/s in all."""

    multiple: float
    rate: float
    seconds: float
    scheduled: int
    completed: int

    @property
    def behind(self) -> bool:
        """More than 2 % of the scheduled pairs were not completed.

        Against the pairs the schedule drew, not rate x seconds: a Poisson count over the run
        itself varies by its square root (2.6 % at 1,440 pairs)."""
        return self.completed < 0.98 * self.scheduled


@dataclass
class Row:
    path: str
    clients: int
    rate: float
    p50: float
    p99: float
    new_conns: float
    workers: str
    notes: str
    paced: Paced | None = None
    # CPU milliseconds per pair (or request): the uvicorn processes, this database's
    # PostgreSQL backends, this process (the clients; for sql rows also psycopg2's threads).
    cpu: tuple[float, float, float] | None = None


# The uvicorn supervisor and its workers, once the server runs (main).
SERVER: list[int] = []


def measure(dsn: str, path: str, clients: int, run: Callable[[], tuple[Tally, float]]) -> Row:
    """Run one row with the connection counter, the per-worker sampler and CPU counters."""
    monitor = Monitor(dsn)
    before = sessions_opened(dsn)
    monitor.start()
    # Backends opened during the row (the sql rows' connections) are gone before they are
    # counted, so the database column means something only for the pooled HTTP rows.
    cpu_before = cpu_seconds(SERVER), cpu_seconds(processes(DB_NAME)), own_cpu()
    tally, elapsed = run()
    cpu_after = cpu_seconds(SERVER), cpu_seconds(processes(DB_NAME)), own_cpu()
    monitor.halt.set()
    monitor.join()
    # The sampler's and the counter's own connections are two of the sessions opened.
    opened = sessions_opened(dsn) - before - 2
    lat = sorted(tally.latencies)
    workers = {k: v for k, v in monitor.active.items() if k.startswith("decoders-")}
    total = sum(workers.values()) or 1
    share = "/".join(f"{100 * v / total:.0f}%" for _, v in sorted(workers.items()))
    done = max(len(lat), 1)
    a, b, c = (1000 * (y - x) / done for x, y in zip(cpu_before, cpu_after, strict=True))
    return Row(
        path,
        clients,
        len(lat) / elapsed,
        statistics.median(lat) * 1000 if lat else float("nan"),
        lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan"),
        max(opened, 0) / elapsed,
        share or "-",
        " ".join(f"{k}={v}" for k, v in sorted(tally.outcomes.items())),
        cpu=(a, b, c) if path != "sql" else None,
    )


def sql_pair(
    cur: psycopg2.extensions.cursor, campaign_id: int, user_id: int, rng: random.Random
) -> bool:
    """One lease and one submission through the calls the services make; False when done."""
    outcome = "busy"
    while outcome == "busy":  # as the HTTP decoders: asked again at once
        cur.execute(
            "SELECT outcome, assignment_id FROM decoders_lease(%s, NULL, false, %s, NULL, 0, "
            "%s, %s, %s::float8[])",
            (campaign_id, user_id, FRESH_SUBMISSIONS, check_key(user_id), list(PAUSES)),
        )
        outcome, assignment_id = cur.fetchone()
        cur.connection.commit()
    if outcome != "created":
        return False
    tags = [{"ordinal": i, **t, "base_heading": None, "base_pitch": None} for i, t in
            enumerate(_tags(rng))]  # fmt: skip
    counts = {"all": len(tags), "street_furniture": 0, "building": len(tags), "other": 0,
              "dome_ptz": 0, "bullet": len(tags), "unknown_type": 0}  # fmt: skip
    cur.execute(
        "SELECT outcome FROM decoders_submit(%s, %s, %s, 'h', %s, NULL, NULL, NULL, %s, %s, 2)",
        (
            assignment_id,
            user_id,
            uuid.uuid4().hex,
            "cameras" if tags else "no_cameras",
            json.dumps(counts),
            json.dumps(tags),
        ),
    )
    cur.connection.commit()
    return True


def sql_rows(
    dsn: str, campaign_id: int, user_ids: list[int], seconds: float
) -> tuple[Tally, float]:
    tally = Tally()
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(user_id: int) -> None:
        rng = random.Random(user_id)
        conn = psycopg2.connect(dsn, options="-c jit=off")  # as the app's engine
        with conn.cursor() as cur:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                if not sql_pair(cur, campaign_id, user_id, rng):
                    break
                with lock:
                    tally.latencies.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in user_ids]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - start


def run_http(host: str, port: int, dsn: str, tasks: int, clients: int, seconds: float) -> Row:
    slug, _, decoders = seed(dsn, tasks, clients)
    tokens: list[str | None] = [token for _, token in decoders]

    def work(http: Http, stop: float, tally: Tally, i: int) -> Awaitable[None]:
        return decoder(http, slug, stop, tally, random.Random(i))

    return measure(
        dsn, "http", clients, lambda: asyncio.run(drive(host, port, tokens, seconds, work))
    )


def run_paced(
    host: str,
    port: int,
    dsn: str,
    tasks: int,
    clients: int,
    seconds: float,
    multiple: float,
    floor_rate: float,
) -> Row:
    """The http row's decoders on a fresh campaign, offered `multiple` x the floor in pairs/s."""
    slug, _, decoders = seed(dsn, tasks, clients)
    tokens: list[str | None] = [token for _, token in decoders]
    offered = multiple * floor_rate

    def work(http: Http, stop: float, tally: Tally, i: int) -> Awaitable[None]:
        # The schedule has its own generator, so it does not depend on what the server answers.
        schedule = random.Random(f"paced schedule {i}")
        return paced_decoder(http, slug, stop, tally, random.Random(i), schedule, offered / clients)

    tallies: list[Tally] = []

    def run() -> tuple[Tally, float]:
        tally, elapsed = asyncio.run(drive(host, port, tokens, seconds, work))
        tallies.append(tally)
        return tally, elapsed

    row = measure(dsn, "paced", clients, run)
    paced = Paced(multiple, offered, seconds, tallies[0].scheduled, len(tallies[0].latencies))
    notes = [row.notes, f"offered={offered:.1f}/s ({multiple:g}x floor)"]
    notes.append(f"scheduled={paced.scheduled} ({paced.scheduled / seconds:.1f}/s)")
    if paced.behind:
        notes.append("fell behind")
    return replace(row, notes=" ".join(n for n in notes if n), paced=paced)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--paced",
        default="0.13,0.2",
        help="open-loop rows at the largest client count, offered these multiples of the "
        "health floor in pairs/s ('' for none)",
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    multiples = [float(m) for m in args.paced.split(",") if m.strip()]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    url = testdb.create_database(DB_NAME)
    migrate.upgrade(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    rows: list[Row] = []
    load = os.getloadavg()
    try:
        with live_server(url, media_dir=Path("/tmp"), workers=args.workers) as base:
            host, port = base.removeprefix("http://").split(":")
            SERVER[:] = server_processes(int(port))
            # Warm up: let both workers open their pools before anything is measured.
            asyncio.run(
                drive(host, int(port), [None] * max(counts), 3, lambda h, s, t, i: health(h, s, t))
            )
            for n in counts:
                rows.append(run_http(host, int(port), dsn, args.tasks, n, args.seconds))
            most = max(counts)

            def floor() -> tuple[Tally, float]:
                return asyncio.run(
                    drive(
                        host,
                        int(port),
                        [None] * most,
                        args.seconds,
                        lambda h, s, t, i: health(h, s, t),
                    )
                )

            rows.append(measure(dsn, "health", most, floor))
            health_rate = rows[-1].rate  # the paced rows' yardstick, measured just before them
            for m in multiples:
                rows.append(
                    run_paced(host, int(port), dsn, args.tasks, most, args.seconds, m, health_rate)
                )
        for n in counts:
            _, campaign_id, decoders = seed(dsn, args.tasks, n)
            ids = [u for u, _ in decoders]
            rows.append(
                measure(
                    dsn,
                    "sql",
                    n,
                    lambda cid=campaign_id, ids=ids: sql_rows(dsn, cid, ids, args.seconds),
                )
            )
    finally:
        testdb.drop_database(DB_NAME)
    load_after = os.getloadavg()
    print(
        f"\n{args.tasks} tasks, {args.workers} uvicorn workers, {os.cpu_count()} cores, "
        f"{args.seconds:.0f} s per row; load average {load[0]:.1f} before, "
        f"{load_after[0]:.1f} after"
    )
    print(
        f"{'path':6} {'clients':>7} {'req|pairs/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'new conn/s':>10}  {'worker load':>11}  {'CPU ms app/db/client':>20}  notes"
    )
    for r in rows:
        cpu = "-" if r.cpu is None else "{:.2f}/{:.2f}/{:.2f}".format(*r.cpu)
        print(
            f"{r.path:6} {r.clients:7d} {r.rate:11.1f} {r.p50:8.1f} {r.p99:8.1f} "
            f"{r.new_conns:10.1f}  {r.workers:>11}  {cpu:>20}  {r.notes}"
        )
    floor_rate = next(r.rate for r in rows if r.path == "health")
    sql = {r.clients: r.rate for r in rows if r.path == "sql"}
    for r in (r for r in rows if r.path == "http"):
        print(
            f"clients {r.clients}: pairs/s = {r.rate / floor_rate:.3f} x health req/s; "
            f"{r.rate / sql[r.clients]:.0%} of the SQL ceiling"
        )
    for r in rows:
        if r.paced is None:
            continue
        p = r.paced
        print(
            f"paced {r.clients} clients, offered {p.multiple:g} x health = {p.rate:.1f} pairs/s: "
            f"achieved {r.rate:.1f} pairs/s ({r.rate / floor_rate:.3f} x health), "
            f"p50 {r.p50:.1f} ms, p99 {r.p99:.1f} ms (latency from the scheduled start); "
            f"{p.completed} of {p.scheduled} scheduled pairs done "
            f"(the schedule drew {p.scheduled / p.seconds:.1f}/s)"
            + ("; fell behind" if p.behind else "")
        )


if __name__ == "__main__":
    main()
