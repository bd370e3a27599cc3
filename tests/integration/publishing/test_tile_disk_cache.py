"""The tile cache on disk (DECODERS_TILE_CACHE_DIR): shared by workers, dropped by version."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services.publishing.tile_cache import TileCache
from app.settings import Settings
from tests.factories import make_campaign
from tests.publishing_factories import make_camera

LON, LAT, Z = -73.9855, 40.758, 14


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"tile_cache_dir": tmp_path / "tiles"})


def _tile(z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n
    return int((LON + 180) / 360 * n), int(y)


def _kept(directory: Path) -> list[Path]:
    return sorted(p.relative_to(directory) for p in directory.rglob("*.mvt"))


def test_tiles_are_kept_on_disk_for_every_worker(
    client: TestClient, session: Session, settings: Settings
) -> None:
    directory = settings.tile_cache_dir
    assert directory is not None
    campaign = make_campaign(session, slug="tile-disk")
    make_camera(session, campaign, lon=LON, lat=LAT)
    x, y = _tile(Z)
    url = f"/tiles/tile-disk/cameras/{Z}/{x}/{y}.mvt"
    first = client.get(url)
    assert first.status_code == 200 and first.content
    (kept,) = _kept(directory)
    campaign_dir, version, flavour, *_ = kept.parts
    assert (campaign_dir, flavour) == (str(campaign.id), "cameras-confirmed")
    assert kept.parts[-3:] == (str(Z), str(x), f"{y}.mvt")
    assert (directory / kept).read_bytes() == first.content
    assert not list(directory.rglob("*.part"))  # written aside, then renamed

    # Another worker of the host: nothing in its memory, the tile read from the disk.
    other = TileCache(max_bytes=2**20, directory=directory)
    client.app.state.tile_cache = other  # type: ignore[attr-defined]
    seen: list[str] = []
    record = lambda *args: seen.append(str(args[2]))  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", record)
    try:
        again = client.get(url)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", record)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert (other.hits, other.misses) == (1, 0)
    assert not [s for s in seen if "ST_AsMVT" in s], seen

    # New results: a new version's tile, and the older version's directory goes.
    make_camera(session, campaign, lon=LON + 0.0002, lat=LAT)
    newer = client.get(url)
    assert newer.headers["etag"] != first.headers["etag"]
    (kept_now,) = _kept(directory)
    assert kept_now.parts[1] != version
    assert not (directory / campaign_dir / version).exists()
    assert (directory / kept_now).read_bytes() == newer.content


def test_an_empty_tile_is_kept_as_an_empty_file(
    client: TestClient, session: Session, settings: Settings
) -> None:
    directory = settings.tile_cache_dir
    assert directory is not None
    make_campaign(session, slug="tile-disk-empty")
    url = "/tiles/tile-disk-empty/cameras/3/1/1.mvt"
    assert client.get(url).status_code == 204
    (kept,) = _kept(directory)
    assert (directory / kept).read_bytes() == b""
    client.app.state.tile_cache = TileCache(max_bytes=2**20, directory=directory)  # type: ignore[attr-defined]
    assert client.get(url).status_code == 204
    assert client.app.state.tile_cache.hits == 1  # type: ignore[attr-defined]


def test_a_disk_that_cannot_be_written_costs_the_cache_not_the_request(
    client: TestClient, session: Session, settings: Settings
) -> None:
    directory = settings.tile_cache_dir
    assert directory is not None
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text("a file where the directory should be")
    campaign = make_campaign(session, slug="tile-disk-broken")
    make_camera(session, campaign, lon=LON, lat=LAT)
    x, y = _tile(Z)
    response = client.get(f"/tiles/tile-disk-broken/cameras/{Z}/{x}/{y}.mvt")
    assert response.status_code == 200 and response.content
