"""Benchmark: `decoders import amnesty` on a full-size Decode Surveillance NYC export.

    .venv/bin/python bench/import_amnesty.py [--intersections 45021] [--submissions 140000]
        [--tags 90000] [--seed 7] [--data DIR] [--keep]

Writes realistic files with tests/amnesty_data.py (unless --data points at real ones), creates
its own database `decoders_bench_import` on the local cluster (or the server of DATABASE_URL),
then runs the real CLI twice as an operator would (the second run must add nothing) and checks
the loaded totals. Prints wall-clock times and rates; drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from tests import db as testdb
from tests.amnesty_data import write_amnesty_files

DB_NAME = "decoders_bench_import"
SLUG = "amnesty-bench"
DECODERS = Path(sys.executable).with_name("decoders")


def cli(url: str, *args: str) -> float:
    """Run `decoders ARGS` against the bench database; seconds taken."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([str(DECODERS), *args], env=env, check=True)
    return time.perf_counter() - started


def totals(url: str) -> dict[str, int]:
    """Rows of the bench campaign per table."""
    engine = create_engine(url)
    queries = {
        "locations": "SELECT count(*) FROM locations l JOIN campaigns c ON c.id = l.campaign_id",
        "tasks": "SELECT count(*) FROM tasks",
        "complete tasks": "SELECT count(*) FROM tasks WHERE status = 'complete'",
        "submissions": "SELECT count(*) FROM submissions",
        "tags": "SELECT count(*) FROM tags",
        "decoders": "SELECT count(*) FROM users WHERE external_ref LIKE 'amnesty:%'",
        "reconcile jobs": "SELECT count(*) FROM reconcile_jobs",
    }
    with engine.connect() as conn:
        result = {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in queries.items()}
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intersections", type=int, default=45_021)
    parser.add_argument("--submissions", type=int, default=140_000)
    parser.add_argument("--tags", type=int, default=90_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="existing directory with the four CSVs")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        directory = args.data or Path(scratch)
        if args.data is None:
            started = time.perf_counter()
            made = write_amnesty_files(
                directory,
                intersections=args.intersections,
                submissions=args.submissions,
                tags=args.tags,
                seed=args.seed,
            )
            print(
                f"generated {made.intersections:,} intersections, {made.panoramas:,} panoramas, "
                f"{made.submissions:,} submissions, {made.tags:,} tags, {made.decoders:,} "
                f"decoders in {time.perf_counter() - started:.1f} s"
            )
        url = testdb.create_database(DB_NAME)
        try:
            migrate.upgrade(url)
            cli(url, "campaign", "create", SLUG, "--name", "Decode Surveillance NYC (bench)")
            first = cli(url, "import", "amnesty", str(directory), "--campaign", SLUG)
            loaded = totals(url)
            second = cli(
                url, "import", "amnesty", str(directory), "--campaign", SLUG, "--no-progress"
            )
            again = totals(url)
        finally:
            if not args.keep:
                testdb.drop_database(DB_NAME)

    machine = f"{platform.machine()}, {os.cpu_count()} cpus"
    print(f"\nmachine: {machine}, Python {platform.python_version()}")
    for name, value in loaded.items():
        print(f"  {name:>15}: {value:>9,}")
    rate = loaded["submissions"] / first
    print(
        f"first import : {first:6.1f} s wall clock (CLI start to commit), {rate:,.0f} submissions/s"
    )
    print(f"second import: {second:6.1f} s, nothing added: {again == loaded}")
    if again != loaded:
        sys.exit("the second import changed the database")


if __name__ == "__main__":
    main()
