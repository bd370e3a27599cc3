"""Mapillary and Panoramax panoramas in Chromium, served by the local fakes of their APIs.

Each panorama is a rendered street with one camera drawn at a known compass bearing and a
heading that is not zero, so a tag stored within 2° of the drawn bearing shows that the viewer
aligned the provider's image with the compass. Nothing here calls the internet.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from PIL import Image
from playwright.sync_api import Page, Route, expect
from shapely.geometry import Point
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.demo.imagery.render import camera_at, render_equirect
from app.main import FRONTEND_DIST
from app.models import Location, Panorama, Task
from app.schemas.campaigns import CampaignCreate
from app.services.accounts.users import create_user
from app.services.campaigns import create_campaign
from tests.browser.conftest import screenshot
from tests.browser.pages import heading_gap, join_and_open_task, tag_camera
from tests.fake_imagery import TOKEN, FakeImagery, fake_imagery
from tests.live import live_server

MAPILLARY_ID = "1000000000000001"  # in the fake's fixtures, so it resolves a signed URL
PANORAMAX_ID = "00000000-0000-4000-8000-000000000001"
LON, LAT = -73.9857, 40.758036
CAMERA = camera_at(250.0, 9.0, 5.5, attachment="street_furniture", camera_type="dome_ptz")
TILES = {"cols": 8, "rows": 4, "width": 2048}
PASSWORD = "coordinator-password-1"
_slugs = count(1)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeImagery]:
    with fake_imagery() as server:
        yield server


@pytest.fixture(scope="module")
def imagery_site(
    live_database_url: str, tmp_path_factory: pytest.TempPathFactory, fake: FakeImagery
) -> Iterator[str]:
    """A live server of its own, whose Mapillary is the fake (the shared one has none)."""
    if not (FRONTEND_DIST / "index.html").is_file():
        pytest.fail("frontend/dist is missing: build it with `make frontend`")
    env = {
        "DECODERS_MAPILLARY_TOKEN": TOKEN,
        "DECODERS_MAPILLARY_API_URL": fake.mapillary_url,
        "DECODERS_PANORAMAX_URL": fake.panoramax_url,
        "DECODERS_ANONYMOUS_READS_PER_MINUTE": "1000000",
    }
    media: Path = tmp_path_factory.mktemp("imagery-media")
    with live_server(live_database_url, media_dir=media, env=env) as base:
        yield base


def _campaign_with(engine: Engine, **panorama: Any) -> str:
    """A new open campaign whose one task is this panorama; its slug."""
    slug = f"imagery-{os.getpid()}-{next(_slugs)}"
    with Session(engine) as session:
        campaign = create_campaign(
            session, payload=CampaignCreate(slug=slug, name="Provider imagery", tutorial_tasks=0)
        )
        campaign.status = "open"
        pano = Panorama(
            campaign_id=campaign.id,
            geom=from_shape(Point(LON, LAT), srid=4326),
            captured_at=date(2021, 6, 1),
            **panorama,
        )
        session.add(pano)
        session.flush()
        session.add(Task(campaign_id=campaign.id, panorama_id=pano.id))
        session.commit()
    return slug


def _tag_and_submit(page: Page, *, pano_heading: float, picture: str) -> None:
    tag_camera(page, asdict(CAMERA), pano_heading=pano_heading)
    screenshot(page, picture)  # the pin sits on the drawn camera
    page.click("#submit-task")
    page.wait_for_function("window.__decoders.results.length > 0")


def _stored_headings(engine: Engine, task_id: int) -> list[float]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT heading FROM tags WHERE task_id = :t"), {"t": task_id})
        return [float(h) for h in rows.scalars()]


def _mapillary_campaign(engine: Engine, fake: FakeImagery, heading: float) -> str:
    fake.images[MAPILLARY_ID] = render_equirect(
        [CAMERA], seed=4242, width=2048, pano_heading=heading
    )
    return _campaign_with(
        engine,
        provider="mapillary",
        provider_id=MAPILLARY_ID,
        heading=heading,
        licence="CC-BY-SA-4.0",
        attribution="© street_walker, Mapillary, CC BY-SA 4.0",
        creator="street_walker",
        page_url=f"https://www.mapillary.com/app/?pKey={MAPILLARY_ID}",
    )


def test_a_camera_tagged_on_a_mapillary_panorama_is_stored_at_its_compass_bearing(
    page: Page, imagery_site: str, fake: FakeImagery, site_engine: Engine
) -> None:
    slug = _mapillary_campaign(site_engine, fake, heading=137.0)
    lease = join_and_open_task(page, imagery_site, slug)
    pano = lease["task"]["panorama"]
    # The image came from the fake's CDN, on a signed URL resolved for this lease.
    assert pano["image_url"].startswith(f"{fake.base}/cdn/{MAPILLARY_ID}.jpg?")
    assert pano["image_expires_at"] is not None and fake.calls("cdn")
    credit = page.locator("#attribution")
    expect(credit).to_be_visible()
    expect(credit).to_contain_text("© street_walker, Mapillary")
    expect(credit.get_by_role("link", name="© street_walker")).to_have_attribute(
        "href", f"https://www.mapillary.com/app/?pKey={MAPILLARY_ID}"
    )
    expect(credit.get_by_role("link", name="CC-BY-SA-4.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by-sa/4.0/"
    )
    _tag_and_submit(page, pano_heading=137.0, picture="decode-mapillary")
    [heading] = _stored_headings(site_engine, lease["task"]["id"])
    assert heading_gap(heading, CAMERA.heading) < 2.0


def test_a_mapillary_image_that_fails_to_load_is_loaded_again_from_a_fresh_lease(
    page: Page, imagery_site: str, fake: FakeImagery, site_engine: Engine
) -> None:
    slug = _mapillary_campaign(site_engine, fake, heading=40.0)
    leases: list[int] = []
    images: list[str] = []

    def count_leases(route: Route) -> None:
        if route.request.method == "POST":
            leases.append(1)
        route.continue_()

    def fail_first_image(route: Route) -> None:
        images.append(route.request.url)
        if len(images) == 1:
            route.abort("connectionreset")  # as a URL that died on the way would
        else:
            route.continue_()

    page.route("**/api/v1/campaigns/*/assignments", count_leases)
    page.route(f"{fake.base}/cdn/**", fail_first_image)
    join_and_open_task(page, imagery_site, slug)
    assert len(leases) == 2 and len(images) == 2
    expect(page.locator(".status")).not_to_contain_text("did not load")


def _tile(image: Image.Image, col: int, row: int) -> bytes:
    size = TILES["width"] // TILES["cols"]
    out = io.BytesIO()
    image.crop((col * size, row * size, (col + 1) * size, (row + 1) * size)).save(out, "JPEG")
    return out.getvalue()


def test_a_camera_tagged_on_a_tiled_panoramax_panorama_is_stored_at_its_compass_bearing(
    page: Page, imagery_site: str, fake: FakeImagery, site_engine: Engine
) -> None:
    heading = 291.0
    full = Image.open(
        io.BytesIO(render_equirect([CAMERA], seed=4343, width=2048, pano_heading=heading))
    )
    # The fake serves the low-resolution base; the tiles are cut here from the full rendering.
    base = io.BytesIO()
    full.resize((1024, 512)).save(base, "JPEG")
    fake.images[PANORAMAX_ID] = base.getvalue()
    root = f"{fake.panoramax_url}/pictures/{PANORAMAX_ID}"
    slug = _campaign_with(
        site_engine,
        provider="panoramax",
        provider_id=PANORAMAX_ID,
        image_url=f"{root}/hd.jpg",
        image_tiles={**TILES, "url": f"{root}/tiled/{{col}}_{{row}}.jpg"},
        heading=heading,
        licence="etalab-2.0",
        attribution="© Ville de Test, Panoramax (127.0.0.1), Licence Ouverte 2.0",
        creator="Ville de Test",
    )

    def serve_tile(route: Route) -> None:
        col, row = route.request.url.rsplit("/", 1)[1].removesuffix(".jpg").split("_")
        route.fulfill(status=200, content_type="image/jpeg", body=_tile(full, int(col), int(row)))

    page.route(f"{root}/tiled/*", serve_tile)
    with page.expect_request(lambda r: "/tiled/" in r.url):
        lease = join_and_open_task(page, imagery_site, slug)
    assert lease["task"]["panorama"]["image_tiles"]["cols"] == TILES["cols"]
    credit = page.locator("#attribution")
    expect(credit).to_contain_text("© Ville de Test, Panoramax")
    expect(credit.get_by_role("link", name="etalab-2.0")).to_be_visible()
    _tag_and_submit(page, pano_heading=heading, picture="decode-panoramax-tiles")
    [stored] = _stored_headings(site_engine, lease["task"]["id"])
    assert heading_gap(stored, CAMERA.heading) < 2.0


def test_a_coordinator_finds_panoramax_imagery_step_by_step_and_sees_what_has_none(
    page: Page, imagery_site: str, site_engine: Engine
) -> None:
    slug = f"imagery-find-{os.getpid()}"
    email = f"coordinator-{slug}@example.org"
    with Session(site_engine) as session:
        campaign = create_campaign(session, payload=CampaignCreate(slug=slug, name="Find"))
        campaign.status = "open"
        create_user(session, email=email, password=PASSWORD, role="coordinator")
        # One location beside a fixture's 360° picture, five in cells of their own with none:
        # six searches, more than one request's worth of tiles.
        for i in range(6):
            lon, lat = (LON, LAT - 0.00002) if i == 0 else (LON + 0.01 * i, LAT + 0.01 * i)
            session.add(
                Location(
                    campaign_id=campaign.id,
                    external_id=f"corner-{i}",
                    geom=from_shape(Point(lon, lat), srid=4326),
                )
            )
        session.commit()
    steps: list[int] = []
    page.on("request", lambda r: steps.append(1) if r.url.endswith("/imagery/find") else None)

    page.goto(f"{imagery_site}/coordinator/?campaign={slug}")
    page.fill("#join-email", email)
    page.fill("#join-password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.select_option("#imagery-provider", "panoramax")
    page.click("#imagery-find")
    expect(page.locator("#imagery-counts")).to_contain_text("Done: 6 of 6 locations searched")
    expect(page.locator("#imagery-counts")).to_contain_text("1 tasks added")
    expect(page.locator("#imagery-bar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#without-imagery li")).to_have_count(5)
    screenshot(page, "coordinator-imagery")
    assert len(steps) >= 2
    with site_engine.connect() as conn:
        tasks = conn.execute(
            text(
                "SELECT count(*) FROM tasks t JOIN campaigns c ON c.id = t.campaign_id"
                " WHERE c.slug = :s"
            ),
            {"s": slug},
        ).scalar_one()
    assert tasks == 1
