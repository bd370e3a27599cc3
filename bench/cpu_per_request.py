"""Where a read request's CPU goes: our server's processes, their PostgreSQL backends, the client.

    .venv/bin/python bench/cpu_per_request.py [--cameras 25000] [--clients 16] [--workers 2]
        [--seconds 8] [PATH ...]

Seeds the campaign of bench/publishing.py into a throwaway database, serves it with uvicorn,
and for each PATH (by default a page of 1,000 cameras, researcher and OGC) sends `--clients`
keep-alive clients for `--seconds`, then divides the CPU time (user + system, from /proc) each
side used by the requests answered. PostgreSQL's backends are told apart by the database name
in their process title, so other databases on the cluster do not count. Linux only.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import migrate  # noqa: E402
from bench import side_by_side as sbs  # noqa: E402
from bench.publishing import SLUG, seed  # noqa: E402
from tests import db as testdb  # noqa: E402
from tests.live import live_server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PATHS = (
    f"/api/v1/campaigns/{SLUG}/cameras?limit=1000",
    f"/ogc/collections/{SLUG}-cameras/items?limit=1000",
)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes (those gone meanwhile count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def processes(match: str) -> list[int]:
    """Processes whose command line holds `match` as a word."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f" {match} " in f" {line} ":
                found.append(int(entry.name))
    return found


def measure(base: str, path: str, *, port: int, database: str, clients: int, seconds: float) -> str:
    """One line: requests per second, and CPU milliseconds per request on each side."""
    sbs.load(base + path, clients=clients, seconds=1)  # pools (a backend per client) and plans
    server = server_processes(port)
    before = cpu_seconds(server), cpu_seconds(processes(database)), own_cpu()
    start = time.monotonic()
    rate = sbs.load(base + path, clients=clients, seconds=seconds)
    answered = rate * (time.monotonic() - start)
    after = cpu_seconds(server), cpu_seconds(processes(database)), own_cpu()
    ms = [1000 * (b - a) / answered for a, b in zip(before, after, strict=True)]
    return (f"{path}: {rate:.1f} req/s; CPU ms per request: server {ms[0]:.2f}, "
            f"PostgreSQL {ms[1]:.2f}, client {ms[2]:.2f}")  # fmt: skip


def server_processes(port: int) -> list[int]:
    """The uvicorn serving `port` and its worker processes."""
    server = processes(f"--port {port}")
    return server + [int(p) for pid in server for p in children(pid)]


def children(pid: int) -> list[str]:
    """The process ids of `pid`'s children (uvicorn's workers)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return out.split()


def own_cpu() -> float:
    """User + system CPU of this process, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Seed, serve, measure each path, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=25_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    args = parser.parse_args()
    name = "decoders_bench_cpu"
    url = testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        seed(engine, cameras=args.cameras)
        engine.dispose()
        env = {"DECODERS_ANONYMOUS_READS_PER_MINUTE": "100000000",
               "DECODERS_ANONYMOUS_MAP_PER_MINUTE": "100000000"}  # fmt: skip
        print(f"load before: {sbs.load_average()}")
        with (
            tempfile.TemporaryDirectory() as media,
            live_server(url, media_dir=Path(media), workers=args.workers, env=env) as base,
        ):
            port = int(base.rsplit(":", 1)[1])
            database = str(make_url(url).database)
            for path in args.paths:
                print(measure(base, path, port=port, database=database, clients=args.clients,
                              seconds=args.seconds))  # fmt: skip
        print(f"load after:  {sbs.load_average()}")
    finally:
        testdb.drop_database(name)


if __name__ == "__main__":
    main()
