"""From a campaign's locations (or an area) to panoramas and tasks, resumably."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.errors import ImageryInvalid
from app.models import Area, Campaign, ImagerySearch, Location, Panorama, Task
from app.services import imagery
from app.settings import Settings, get_settings
from tests.factories import make_campaign
from tests.fake_imagery import TOKEN, FakeImagery

# Around the fixtures (tests/fixtures/imagery): L1 has three Mapillary images within 15 m (a
# 2021 and a 2019 panorama and a 2023 flat photo); L4, 11 m north of it, sees the same 2021
# panorama; L2 has one 9 m away; L3 only one 40 m away.
LOCATIONS = {
    "L1": (40.758, -73.9857),
    "L2": (40.7585, -73.985),
    "L3": (40.765, -73.97),
    "L4": (40.7581, -73.9857),
}


def _campaign(session: Session) -> Campaign:
    campaign = make_campaign(session)
    for external_id, (lat, lon) in LOCATIONS.items():
        session.add(
            Location(
                campaign_id=campaign.id,
                external_id=external_id,
                geom=from_shape(Point(lon, lat), srid=4326),
            )
        )
    session.flush()
    return campaign


def _run(
    session: Session,
    campaign: Campaign,
    settings: Settings,
    sleeps: list[float],
    options: imagery.FindOptions,
) -> list[imagery.TileResult]:
    provider = imagery.provider_for(options.provider, settings, sleep=sleeps.append)
    results = []
    for tile in imagery.plan_find(session, campaign=campaign, options=options):
        found = imagery.search_tile(provider, tile, options)
        results.append(
            imagery.record_tile(
                session, campaign=campaign, tile=tile, candidates=found, options=options
            )
        )
    return results


def _tasks_of(session: Session, campaign: Campaign) -> dict[str, str | None]:
    rows = session.execute(
        select(Location.external_id, Panorama.provider_id)
        .outerjoin(Panorama, Panorama.id == Location.panorama_id)
        .where(Location.campaign_id == campaign.id)
    )
    return {str(name): pano for name, pano in rows}


def test_each_location_gets_its_newest_nearby_panorama_and_a_task(
    session: Session, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    options = imagery.FindOptions(provider="mapillary")
    _run(session, campaign, imagery_settings, sleeps, options)
    assert _tasks_of(session, campaign) == {
        "L1": "1000000000000001",
        "L2": "1000000000000004",
        "L3": None,
        "L4": "1000000000000001",
    }
    l1, l4 = (
        session.scalars(
            select(Location).where(Location.external_id == n, Location.campaign_id == campaign.id)
        ).one()
        for n in ("L1", "L4")
    )
    assert l1.task_id is not None and l1.task_id == l4.task_id  # one panorama, one task
    assert session.scalar(select(func.count()).where(Task.campaign_id == campaign.id)) == 2
    pano = session.scalars(select(Panorama).where(Panorama.provider_id == "1000000000000001")).one()
    assert (pano.provider, pano.heading, pano.captured_at) == ("mapillary", 90.5, date(2021, 6, 1))
    assert pano.image_url is None
    assert (pano.licence, pano.creator, pano.osm_compatible) == (
        "CC-BY-SA-4.0",
        "street_walker",
        True,
    )
    status = imagery.find_status(session, campaign=campaign, provider="mapillary")
    assert (status.locations, status.searched, status.with_imagery, status.remaining) == (
        4,
        4,
        3,
        0,
    )
    assert status.without_imagery == ["L3"] and status.without_imagery_count == 1


def test_a_wider_reach_or_a_date_window_changes_the_choice(
    session: Session, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    options = imagery.FindOptions(provider="mapillary", max_distance_m=50, until=date(2020, 12, 31))
    _run(session, campaign, imagery_settings, sleeps, options)
    # Before 2021 only the 2019 panorama exists (80 m from L2); L3's 2022 one is too late.
    assert _tasks_of(session, campaign) == {
        "L1": "1000000000000002",
        "L2": None,
        "L3": None,
        "L4": "1000000000000002",
    }


def test_a_rerun_searches_nothing_again(
    session: Session, fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    options = imagery.FindOptions(provider="mapillary")
    _run(session, campaign, imagery_settings, sleeps, options)
    calls = len(fake.requests)
    assert _run(session, campaign, imagery_settings, sleeps, options) == []
    assert len(fake.requests) == calls
    # Another provider is a separate search: L3 (no Mapillary imagery) is asked again there.
    tiles = imagery.plan_find(session, campaign=campaign, options=imagery.FindOptions("panoramax"))
    assert [p.id for t in tiles for p in t.locations] == [
        session.scalars(
            select(Location.id).where(
                Location.external_id == "L3", Location.campaign_id == campaign.id
            )
        ).one()
    ]


def test_an_interrupted_run_resumes_and_a_bad_tile_leaves_nothing_behind(
    session: Session, fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    options = imagery.FindOptions(provider="mapillary")
    provider = imagery.provider_for("mapillary", imagery_settings, sleep=sleeps.append)
    tiles = imagery.plan_find(session, campaign=campaign, options=options)
    assert len(tiles) == 3
    first = imagery.search_tile(provider, tiles[0], options)
    imagery.record_tile(
        session, campaign=campaign, tile=tiles[0], candidates=first, options=options
    )
    fake.malformed.add("mapillary/images")
    with pytest.raises(ImageryInvalid):
        imagery.search_tile(provider, tiles[1], options)
    searched = session.scalar(select(func.count()).where(ImagerySearch.campaign_id == campaign.id))
    assert searched == len(tiles[0].locations)
    fake.malformed.clear()
    left = imagery.plan_find(session, campaign=campaign, options=options)
    assert [t.key for t in left] == [t.key for t in tiles[1:]]


def test_a_location_within_5_m_of_a_task_joins_it(
    session: Session, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    _run(session, campaign, imagery_settings, sleeps, imagery.FindOptions("mapillary"))
    near = Location(
        campaign_id=campaign.id,
        external_id="L1b",
        geom=from_shape(Point(-73.9857, 40.75802), srid=4326),  # 2 m from L1
    )
    session.add(near)
    session.flush()
    fake_options = imagery.FindOptions("panoramax")  # would pick another panorama: it merges
    _run(session, campaign, imagery_settings, sleeps, fake_options)
    l1 = session.scalars(
        select(Location).where(Location.external_id == "L1", Location.campaign_id == campaign.id)
    ).one()
    assert near.task_id == l1.task_id


def test_panoramax_panoramas_carry_their_instance_licence_and_tiles(
    session: Session, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = _campaign(session)
    _run(session, campaign, imagery_settings, sleeps, imagery.FindOptions("panoramax"))
    assert _tasks_of(session, campaign)["L1"] == "00000000-0000-4000-8000-000000000001"
    assert _tasks_of(session, campaign)["L2"] == "00000000-0000-4000-8000-000000000003"
    etalab = session.scalars(select(Panorama).where(Panorama.provider_id.like("%0003"))).one()
    assert (etalab.licence, etalab.osm_compatible, etalab.heading) == ("etalab-2.0", True, 300.0)
    tiled = session.scalars(select(Panorama).where(Panorama.provider_id.like("%0001"))).one()
    assert tiled.image_tiles is not None and tiled.image_tiles["cols"] == 8
    assert tiled.image_url is not None and tiled.image_url.endswith("/hd.jpg")


def test_an_area_becomes_spaced_tasks_at_its_panoramas(
    session: Session, fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    campaign = make_campaign(session)
    outline = box(-73.9860, 40.7575, -73.9845, 40.7590)  # L1's and L2's corners, not L3's
    session.add(
        Area(
            campaign_id=campaign.id,
            name="Midtown",
            geom=from_shape(MultiPolygon([outline]), srid=4326),
        )
    )
    session.flush()
    options = imagery.FindOptions("mapillary", area="Midtown", spacing_m=20)
    results = _run(session, campaign, imagery_settings, sleeps, options)
    # 001 (2021) and 002 (2019) are 7 m apart: the newer one is kept; 004 is 60 m away.
    ids = set(
        session.scalars(select(Panorama.provider_id).where(Panorama.campaign_id == campaign.id))
    )
    assert ids == {"1000000000000001", "1000000000000004"}
    assert sum(r.tasks_created for r in results) == 2
    locations = session.scalars(
        select(Location.external_id).where(Location.campaign_id == campaign.id)
    ).all()
    assert sorted(locations) == ["mapillary:1000000000000001", "mapillary:1000000000000004"]
    calls = len(fake.requests)
    assert _run(session, campaign, imagery_settings, sleeps, options) == []
    assert len(fake.requests) == calls


def test_the_cli_finds_reports_and_resumes(
    cli_runner: CliRunner, fake: FakeImagery, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DECODERS_MAPILLARY_TOKEN", TOKEN)
    monkeypatch.setenv("DECODERS_MAPILLARY_API_URL", fake.mapillary_url)
    get_settings.cache_clear()
    slug = f"imagery-cli-{tmp_path.name[-8:].lower().replace('_', '-')}"
    assert cli_runner.invoke(cli, ["campaign", "create", slug, "--name", "Imagery"]).exit_code == 0
    csv = tmp_path / "locations.csv"
    csv.write_text("\n".join(["id,lat,lon", *(f"{k},{a},{o}" for k, (a, o) in LOCATIONS.items())]))
    imported = cli_runner.invoke(cli, ["import", "locations", str(csv), "--campaign", slug])
    assert imported.exit_code == 0, imported.output
    args = ["imagery", "find", "--campaign", slug, "--provider", "mapillary", "--no-progress"]
    fake.throttle["mapillary/images"] = (1, "0")
    first = cli_runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "2 panoramas and 2 tasks created" in first.output
    assert "without: 1" in first.output and "  L3" in first.output
    again = cli_runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "searched 0 locations" in again.output
