"""The embedded cluster: idempotent start, stop, restart and recovery from a stale pid file."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import localdb
from tests.live import free_port


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[localdb.LocalDb]:
    db = localdb.LocalDb(root=tmp_path / "data", port=free_port(), name="decoders_local")
    yield db
    localdb.stop(db)


def _postgis_version(db: localdb.LocalDb) -> str:
    engine = create_engine(db.url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    engine.dispose()
    return str(version)


def test_start_is_idempotent_and_creates_postgis(cluster: localdb.LocalDb) -> None:
    localdb.start(cluster)
    localdb.start(cluster)  # already running: nothing to do
    assert localdb.status(cluster)
    assert _postgis_version(cluster).startswith("3.")


def test_stop_then_start_keeps_the_data(cluster: localdb.LocalDb) -> None:
    localdb.start(cluster)
    engine = create_engine(cluster.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (x int)"))
    engine.dispose()
    assert localdb.stop(cluster) is True
    assert not localdb.status(cluster)
    assert localdb.stop(cluster) is False
    localdb.start(cluster)
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kept")).scalar_one() == 0
    engine.dispose()


def test_start_recovers_from_a_killed_server(cluster: localdb.LocalDb) -> None:
    localdb.start(cluster)
    pid = int((cluster.pgdata / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while localdb.status(cluster) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (cluster.pgdata / "postmaster.pid").exists()  # the stale pid file is left behind
    localdb.start(cluster)
    assert localdb.status(cluster)
    assert _postgis_version(cluster).startswith("3.")
