"""A real PostgreSQL restart and a killed worker under load: no 500, no lost or doubled vote.

The database is a throwaway cluster of this test (app/localdb.py), never the shared server.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import localdb, migrate
from tests.factories import make_campaign, make_task
from tests.live import free_port, live_server

DECODERS = 16
TASKS = 400
VOTES = 3
RESUME_S = 5.0
pytestmark = pytest.mark.slow


@pytest.fixture
def cluster() -> Iterator[localdb.LocalDb]:
    # Not under pytest's tmp_path: concurrent pytest runs on this machine prune each other's
    # old base directories, which would pull the data directory from under the server.
    root = Path(tempfile.mkdtemp(prefix="decoders-faults-"))
    db = localdb.LocalDb(root=root / "pg", port=free_port(), name="decoders_faults")
    try:
        localdb.start(db)
        migrate.upgrade(db.url)
        yield db
    finally:
        localdb.stop(db)
        shutil.rmtree(root, ignore_errors=True)


def _seed(url: str) -> str:
    engine = create_engine(url)
    with Session(engine) as session:
        slug = f"faults-{uuid.uuid4().hex[:8]}"
        campaign = make_campaign(
            session, slug=slug, votes_per_task=VOTES, tutorial_tasks=0, known_answer_every=0
        )
        rng = random.Random(3)
        for _ in range(TASKS):
            make_task(
                session, campaign, lon=-74 + rng.random() * 0.2, lat=40.6 + rng.random() * 0.2
            )
        session.commit()
    engine.dispose()
    return slug


class Load:
    """Decoders that retry through faults; every answer's status and every acknowledgement."""

    def __init__(self, base: str, slug: str) -> None:
        self.base, self.slug = base, slug
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked: list[tuple[int, int, float]] = []  # submission id, task id, when
        self.statuses: Counter[int] = Counter()

    def _call(self, http: httpx.Client, method: str, url: str, **kw: object) -> httpx.Response:
        """Send until an answer that is not a fault: 503 and lost connections are retried."""
        while not self.stop.is_set():
            try:
                response = http.request(method, url, **kw)  # type: ignore[arg-type]
            except httpx.TransportError:
                time.sleep(0.05)  # the worker died or restarts: try again
                continue
            with self.lock:
                self.statuses[response.status_code] += 1
            if response.status_code != 503:
                return response
            time.sleep(0.05)
        raise _Stopped

    def decoder(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base, timeout=10) as http:
            try:
                token = self._call(http, "POST", "/api/v1/auth/register", json={}).json()["token"]
                http.headers["Authorization"] = f"Bearer {token}"
                while not self.stop.is_set():
                    lease = self._call(http, "POST", f"/api/v1/campaigns/{self.slug}/assignments")
                    if lease.status_code == 204:
                        return
                    assert lease.status_code in (200, 201), lease.text
                    lease_id = lease.json()["id"]
                    n = rng.randint(0, 2)
                    tag = {"pitch": 5, "zoom": 1, "attachment": "building", "camera_type": "bullet"}
                    body = {
                        "idempotency_key": uuid.uuid4().hex,
                        "outcome": "cameras" if n else "no_cameras",
                        "tags": [{**tag, "heading": rng.uniform(0, 359)} for _ in range(n)],
                    }
                    # The same key on every retry: a lost 201 is answered again, never doubled.
                    url = f"/api/v1/assignments/{lease_id}/submission"
                    done = self._call(http, "POST", url, json=body)
                    assert done.status_code == 201, done.text
                    with self.lock:
                        self.acked.append(
                            (done.json()["id"], done.json()["task_id"], time.monotonic())
                        )
            except _Stopped:
                return

    def wait_acks(self, count: int, *, after: float, within_s: float) -> float:
        """Seconds from `after` until `count` more acknowledgements arrived after it."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            with self.lock:
                later = sorted(t for _, _, t in self.acked if t > after)
            if len(later) >= count:
                return later[count - 1] - after
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} acknowledgements within {within_s} s")


class _Stopped(Exception):
    pass


def _worker_pids(port: int) -> list[int]:
    """The uvicorn worker processes of the server listening on `port`."""
    parent = None
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"uvicorn" in b" ".join(cmd) and str(port).encode() in cmd:
                parent = pid
    assert parent is not None
    children = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == parent:
                children.append(int(pid))
    return children


def _restart(db: localdb.LocalDb) -> None:
    bindir = localdb._pg_bindir()
    assert bindir is not None
    result = localdb._run_as_owner(
        # -l: the restarted server must not inherit our pipes, or pg_ctl's caller never sees EOF.
        [str(bindir / "pg_ctl"), "-D", str(db.pgdata), "-l", str(db.logfile), "-m", "fast",
         "-w", "-t", "60", "restart"],
        timeout=90,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_restart_and_kill_under_load_lose_and_double_nothing(
    cluster: localdb.LocalDb,
) -> None:
    slug = _seed(cluster.url)
    with live_server(cluster.url, media_dir=cluster.root / "media", workers=2) as base:
        load = Load(base, slug)
        with ThreadPoolExecutor(DECODERS) as pool:
            futures = [pool.submit(load.decoder, i) for i in range(DECODERS)]
            load.wait_acks(30, after=0, within_s=60)
            _restart(cluster)
            restarted = time.monotonic()
            restart_resume = load.wait_acks(5, after=restarted, within_s=30)
            victim = _worker_pids(int(base.rsplit(":", 1)[1]))[0]
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            kill_resume = load.wait_acks(5, after=killed, within_s=30)
            load.wait_acks(20, after=killed, within_s=60)
            load.stop.set()
            for future in futures:
                future.result()
    print(f"resumed {restart_resume:.2f} s after the restart, {kill_resume:.2f} s after the kill")
    assert restart_resume < RESUME_S and kill_resume < RESUME_S
    assert load.statuses[500] == 0, load.statuses

    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        tasks = conn.execute(
            text(
                "SELECT t.id, t.valid_submissions, count(s.id) AS rows FROM tasks t "
                "LEFT JOIN submissions s ON s.task_id = t.id "
                "AND s.outcome IN ('cameras', 'no_cameras') GROUP BY t.id"
            )
        ).all()
        stored = dict(conn.execute(text("SELECT id, task_id FROM submissions")).all())
        pairs = conn.execute(text("SELECT task_id, user_id FROM submissions")).all()
    engine.dispose()
    ids = [sid for sid, _, _ in load.acked]
    assert len(ids) == len(set(ids))  # acknowledged once each
    assert all(stored.get(sid) == task for sid, task, _ in load.acked)  # and stored
    assert max(Counter(pairs).values()) == 1
    assert [t for t in tasks if t.valid_submissions > VOTES] == []
    assert [t for t in tasks if t.valid_submissions != t.rows] == []
