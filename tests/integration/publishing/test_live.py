"""Published data read back by GDAL (OAPIF driver, GeoJSON/GeoJSONSeq/CSV) and the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func
from sqlalchemy.orm import Session

from app.models import ReconcileRun
from tests.factories import make_campaign, make_task
from tests.publishing_factories import make_area, make_camera, make_count

OGRINFO = "/usr/bin/ogrinfo"
DECODERS = str(Path(sys.executable).parent / "decoders")
N_CAMERAS = 257
pytestmark = pytest.mark.skipif(not Path(OGRINFO).exists(), reason="GDAL's ogrinfo is missing")


@pytest.fixture(scope="module")
def slug(live_database_url: str) -> Iterator[str]:
    """A committed campaign: 257 cameras (one a bullet on a wall), counts and an area."""
    name = f"live-{uuid.uuid4().hex[:8]}"
    engine = create_engine(live_database_url)
    with Session(engine) as session:
        campaign = make_campaign(session, slug=name, name="Live test")
        make_area(session, campaign, name="Lower", bounds=(-74.1, 40.6, -73.9, 40.75))
        for i in range(N_CAMERAS):
            lon, lat = -74.0 + (i % 20) * 0.001, 40.7 + (i // 20) * 0.001
            wall = {"attachment": "building", "camera_type": "bullet"} if i == 0 else {}
            make_camera(session, campaign, lon=lon, lat=lat, **wall)
        for i in range(12):
            make_count(session, make_task(session, campaign, lon=-74.0 + i * 0.01, lat=40.7))
        # A finished run dated with the counts: the server's reconciliation worker then has
        # nothing to redo here (it would re-rate cameras that no tag supports).
        session.add(ReconcileRun(campaign_id=campaign.id, kind="full", method_version="test-1",
                                 finished_at=func.now()))  # fmt: skip
        session.commit()
    engine.dispose()
    yield name


def _ogrinfo(*args: str) -> str:
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}
    done = subprocess.run(
        [OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ogrinfo_lists_the_collections(live_url: str, slug: str) -> None:
    out = _ogrinfo("-so", f"OAPIF:{live_url}/ogc")
    for kind in ("cameras", "counts", "areas"):
        assert f"{slug}-{kind}" in out


def test_ogrinfo_reads_every_camera_with_its_attributes(live_url: str, slug: str) -> None:
    out = _ogrinfo("-al", f"OAPIF:{live_url}/ogc", f"{slug}-cameras")
    assert out.count("OGRFeature(") == N_CAMERAS
    assert "attachment (String) = building" in out
    assert out.count("attachment (String) = street_furniture") == N_CAMERAS - 1
    assert "POINT (-74 40.7)" in out
    summary = _ogrinfo("-so", "-al", f"OAPIF:{live_url}/ogc", f"{slug}-counts")
    assert re.search(r"median_all: Real", summary)
    areas = _ogrinfo("-al", f"OAPIF:{live_url}/ogc", f"{slug}-areas")
    assert "name (String) = Lower" in areas and "MULTIPOLYGON" in areas


def _export(live_database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": live_database_url}
    return subprocess.run(
        [DECODERS, *args], capture_output=True, text=True, timeout=300, env=env, check=True
    )


@pytest.mark.parametrize("fmt", ["geojson", "geojsonseq", "csv"])
def test_cli_exports_read_back_by_ogrinfo(
    live_database_url: str, slug: str, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"cameras.{ {'geojsonseq': 'geojsons'}.get(fmt, fmt) }"
    done = _export(
        live_database_url, "export", "cameras", "--campaign", slug, "--format", fmt, "-o",
        str(target),
    )  # fmt: skip
    assert f"wrote {N_CAMERAS} cameras" in done.stderr
    options = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat"] if fmt == "csv" else []
    out = _ogrinfo("-al", *options, str(target))
    assert out.count("OGRFeature(") == N_CAMERAS
    assert "camera_type (String) = bullet" in out


def test_cli_export_to_stdout(live_database_url: str, slug: str) -> None:
    done = _export(live_database_url, "export", "counts", "--campaign", slug, "--format", "csv")
    lines = done.stdout.splitlines()
    assert len(lines) == 13 and lines[0].startswith("lon,lat,task_id,n,median_all")
    assert lines[0].endswith("area_borough")


def test_cli_apikey_create_prints_a_working_key(
    live_url: str, live_database_url: str, slug: str
) -> None:
    done = _export(live_database_url, "apikey", "create", "--name", "cli test", "--rate", "50")
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("dk_")
    url = f"{live_url}/api/v1/campaigns/{slug}/cameras?limit=1"
    assert httpx.get(url, headers={"X-API-Key": key}).status_code == 200
    assert httpx.get(url, headers={"X-API-Key": key + "x"}).status_code == 401
