"""Every benchmark, one after the other, each in its own process (`make bench`).

    .venv/bin/python -m bench.run_all              # short runs: minutes, for a quick check
    .venv/bin/python -m bench.run_all --full       # the documented sizes (NYC scale)
    .venv/bin/python -m bench.run_all --only reconcile,publishing

Each benchmark prints its own table; this runner adds how long each took and whether it
failed, and exits non-zero when one did. Sizes of the short runs are chosen so the whole set
takes a few minutes on a 2-core machine; compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    short: tuple[str, ...]
    full: tuple[str, ...] = ()


BENCHES = (
    Bench("assignment", "bench.assignment", ("--tasks", "2000", "--seconds", "5")),
    Bench(
        "import_amnesty",
        "bench.import_amnesty",
        ("--intersections", "5000", "--submissions", "15000", "--tags", "10000"),
    ),
    Bench("publishing", "bench.publishing", ("--cameras", "5000", "--repeat", "2")),
    Bench("reconcile", "bench.reconcile", ("--tasks", "5000", "--incremental", "100")),
    Bench("simulate", "bench.simulate", ("--columns", "10", "--rows", "8", "--decoders", "30")),
    Bench(
        "amnesty_compare",
        "bench.amnesty_compare",
        ("--seeds", "1", "--panoramas", "400"),
        ("--seeds", "1", "2", "3"),
    ),
    Bench(
        "assignment_plans",
        "bench.assignment_plans",
        ("--tasks", "5000", "--histories", "0,400"),
        ("--plans",),
    ),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="each benchmark at its default size")
    parser.add_argument(
        "--only", help="comma-separated names: " + ", ".join(b.name for b in BENCHES)
    )
    args = parser.parse_args()
    chosen = BENCHES
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {b.name for b in BENCHES}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = tuple(b for b in BENCHES if b.name in wanted)
    results: list[tuple[str, float, int]] = []
    for bench in chosen:
        command = [sys.executable, "-m", bench.module, *(bench.full if args.full else bench.short)]
        print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
        start = time.monotonic()
        code = subprocess.call(command, cwd=ROOT)
        results.append((bench.name, time.monotonic() - start, code))
    print("\n| benchmark | seconds | result |\n|---|---|---|")
    for name, seconds, code in results:
        print(f"| {name} | {seconds:.0f} | {'ok' if code == 0 else f'failed ({code})'} |")
    return 0 if all(code == 0 for _, _, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
