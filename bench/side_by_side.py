"""Throughput of our read endpoints beside tipg's on the same table and the SQL ceiling (pgbench).

Used by bench/publishing.py. tipg comes from PyPI into a virtual environment of its own
(under the temporary directory, made once), serves the same `cameras` table with as many
uvicorn workers as ours, and is asked for the same pages and tiles by the same client.
The ceiling is the SQL our endpoint runs, parameters inlined, run by pgbench with as many
clients; an export's ceiling is the same COPY run straight through psycopg2.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tests.live import free_port

TIPG_VENV = Path(tempfile.gettempdir()) / "tipg-venv"
PGBENCH = next(
    (p for p in ("/usr/bin/pgbench", "/usr/lib/postgresql/15/bin/pgbench") if Path(p).exists()),
    "pgbench",
)


def ensure_tipg(venv: Path = TIPG_VENV) -> Path:
    """tipg and uvicorn installed in `venv` (created from PyPI the first time); its uvicorn."""
    uvicorn = venv / "bin" / "uvicorn"
    if not uvicorn.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "tipg", "uvicorn"]
        subprocess.run(pip, check=True)
    return uvicorn


@contextmanager
def tipg_server(database_url: str, *, workers: int) -> Iterator[str]:
    """tipg serving `public.cameras` of the database; yields its base URL."""
    uvicorn = ensure_tipg()
    url = make_url(database_url).set(drivername="postgresql")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "TIPG_DB_TABLES": '["public.cameras"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        "TIPG_DEBUG": "false",
    }
    cmd = [str(uvicorn), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir())
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tipg exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/collections/public.cameras", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tipg did not become ready")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def load(url: str, *, clients: int, seconds: float) -> float:
    """Requests per second `clients` keep-alive clients get from GET `url` for `seconds`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    done = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        while time.monotonic() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 204):
                failures.append(f"{response.status} {url}")
                return
            done[i] += 1
        conn.close()

    # One request each first, outside the timing: caches and connection pools warm up.
    warm = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    warm.request("GET", path)
    warm.getresponse().read()
    warm.close()
    start = time.monotonic()
    stop = start + seconds
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return sum(done) / (time.monotonic() - start)


def pgbench(database_url: str, sql: str, *, clients: int, seconds: float) -> float:
    """Transactions per second pgbench gets running `sql` with `clients` clients."""
    url = make_url(database_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        # One line (pgbench reads a statement up to its semicolon), comments dropped first.
        bare = " ".join(re.sub(r"--[^\n]*", "", sql).split())
        script.write("SET jit = off;\n" + bare + ";\n")
    cmd = [PGBENCH, "-n", "-M", "simple", "-c", str(clients), "-j", "2", "-T", str(int(seconds)),
           "-f", script.name, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
           "-U", url.username or "postgres", url.database or ""]  # fmt: skip
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        Path(script.name).unlink()
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if found is None:
        raise RuntimeError(out)
    return float(found.group(1))


class _Null:
    def write(self, data: Any) -> int:
        return len(data)


def copy_seconds(engine: Engine, copy_sql: str, *, repeat: int) -> float:
    """Median seconds psycopg2 takes to run a COPY ... TO STDOUT and read it all."""
    raw: Any = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET jit = off")
        samples = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            cursor.copy_expert(copy_sql, _Null(), size=256 * 1024)
            samples.append(time.perf_counter() - start)
        raw.rollback()
        return statistics.median(samples[1:])
    finally:
        raw.close()


def download_seconds(url: str, *, repeat: int) -> float:
    """Median seconds to download `url` whole (after a warm-up)."""
    samples = []
    with httpx.Client(timeout=300) as http:
        for _ in range(repeat + 1):
            start = time.perf_counter()
            with http.stream("GET", url) as response:
                response.raise_for_status()
                for _chunk in response.iter_raw():
                    pass
            samples.append(time.perf_counter() - start)
    return statistics.median(samples[1:])


Rate = Callable[[], float]


def load_average() -> str:
    """The 1/5/15-minute load averages, for the report."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"
