"""Reads from a real streaming replica: served from it, stale while it lags, never written to.

Two throwaway clusters of this test (app/localdb.py), never the shared server: a primary, and a
standby made from it by `pg_basebackup -R` that streams its WAL.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import localdb, migrate
from app.main import create_app
from app.models import Camera
from app.settings import Settings
from tests.factories import make_campaign
from tests.live import free_port
from tests.publishing_factories import make_camera

pytestmark = pytest.mark.slow
LON, LAT = -73.9855, 40.758
TILE = "/tiles/{}/cameras/14/4824/6157.mvt"  # holds (LON, LAT)


@pytest.fixture
def clusters() -> Iterator[tuple[localdb.LocalDb, localdb.LocalDb]]:
    root = Path(tempfile.mkdtemp(prefix="decoders-replica-"))
    primary = localdb.LocalDb(root=root / "primary", port=free_port(), name="decoders_replica")
    replica = localdb.LocalDb(root=root / "replica", port=free_port(), name="decoders_replica")
    bindir = localdb.ensure_packages()
    try:
        localdb.start(primary)
        migrate.upgrade(primary.url)
        localdb._chown_for_server(replica)
        replica.pgdata.chmod(0o700)  # the server refuses a data directory others can read
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
        made = localdb._run_as_owner([
            str(bindir / "pg_basebackup"), "-D", str(replica.pgdata), "-R", "-X", "stream",
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        ])  # fmt: skip
        assert made.returncode == 0, made.stderr
        started = localdb._run_as_owner([
            str(bindir / "pg_ctl"), "-D", str(replica.pgdata), "-l", str(replica.logfile),
            "-o", f"-p {replica.port} -k {replica.pgdata}", "-w", "-t", "60", "start",
        ])  # fmt: skip
        assert started.returncode == 0, replica.logfile.read_text(errors="replace")[-2000:]
        yield primary, replica
    finally:
        localdb.stop(replica)
        localdb.stop(primary)
        shutil.rmtree(root, ignore_errors=True)


def _caught_up(primary: str, replica: str) -> None:
    # The insert position, not the write position: the local cluster commits asynchronously,
    # so a commit's WAL may not be written (nor sent) yet when the test asks.
    with create_engine(primary).connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar_one()
    engine = create_engine(replica)
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            behind = conn.execute(
                text("SELECT pg_wal_lsn_diff(CAST(:t AS pg_lsn), pg_last_wal_replay_lsn()) > 0"),
                {"t": target},
            ).scalar_one()
            if not behind:
                return
            time.sleep(0.1)
    raise AssertionError("the replica never caught up")


def _replay(replica: str, action: str) -> None:
    with create_engine(replica).connect() as conn:
        conn.execute(text(f"SELECT pg_wal_replay_{action}()"))


def test_reads_come_from_the_replica_and_lag_with_it(
    clusters: tuple[localdb.LocalDb, localdb.LocalDb], tmp_path: Path
) -> None:
    primary, replica = clusters
    slug = f"replica-{uuid.uuid4().hex[:8]}"
    engine = create_engine(primary.url)
    with Session(engine) as session:
        campaign = make_campaign(session, slug=slug)
        make_camera(session, campaign, lon=LON, lat=LAT)
        session.commit()
        campaign_id = campaign.id
    _caught_up(primary.url, replica.url)
    settings = Settings(
        env="test", database_url=primary.url, database_replica_url=replica.url,
        media_dir=tmp_path, reconcile_worker=False, public_cache_seconds=0,
    )  # fmt: skip
    cameras = f"/api/v1/campaigns/{slug}/cameras"
    with TestClient(create_app(settings)) as client:
        app = client.app
        assert app.state.read_engine.url.port == replica.port  # type: ignore[attr-defined]
        first = client.get(cameras).json()
        assert first["numberMatched"] == 1
        tile = client.get(TILE.format(slug))
        assert tile.status_code == 200

        # The replica stops replaying; the primary takes a new camera meanwhile.
        _replay(replica.url, "pause")
        with Session(engine) as session:
            session.add(Camera(
                campaign_id=campaign_id, status="confirmed", confidence=0.9,
                attachment="building", camera_type="bullet", bearing=10.0,
                geom=from_shape(Point(LON + 0.0001, LAT), srid=4326), location_method="base_click",
                uncertainty_m=4.0, support=3, voters=3, method_version="t",
            ))  # fmt: skip
            session.commit()
        # A reader sees the data as the replica has it: the old page, and the old tile under
        # its old ETag (the result version is replicated with the rows it describes).
        stale = client.get(cameras).json()
        assert stale["numberMatched"] == 1
        again = client.get(TILE.format(slug), headers={"If-None-Match": tile.headers["etag"]})
        assert again.status_code == 304
        # Writes still go to the primary: the meter's counts land there while the replica lags.
        app.state.meter.flush()  # type: ignore[attr-defined]
        with engine.connect() as conn:
            counted = conn.execute(text("SELECT coalesce(sum(count), 0) FROM rate_limit_buckets"))
            assert counted.scalar_one() >= 4

        _replay(replica.url, "resume")
        _caught_up(primary.url, replica.url)
        fresh = client.get(cameras).json()
        assert fresh["numberMatched"] == 2
        newer = client.get(TILE.format(slug), headers={"If-None-Match": tile.headers["etag"]})
        assert newer.status_code == 200 and newer.headers["etag"] != tile.headers["etag"]
    engine.dispose()
