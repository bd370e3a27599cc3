"""A leased provider panorama: a fresh Mapillary URL (never a stale one), tiles, its credit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.imagery import BBox, Candidate
from app.errors import ImageryInvalid
from app.models import Campaign, Panorama, Task
from app.services import imagery
from app.services.imagery import UrlCache
from app.settings import Settings
from tests.factories import bearer, make_campaign, make_task, make_user
from tests.fake_imagery import FakeImagery

MAPILLARY = Candidate(
    "mapillary", "1000000000000001", 40.758036, -73.9857, 90.5, None, True,
    "CC-BY-SA-4.0", "© street_walker, Mapillary, CC BY-SA 4.0", "street_walker",
    page_url="https://www.mapillary.com/app/?pKey=1000000000000001",
)  # fmt: skip


def _task(session: Session, campaign: Campaign, candidate: Candidate) -> Panorama:
    panorama = imagery.new_panorama(campaign.id, candidate)
    session.add(panorama)
    session.flush()
    session.add(Task(campaign_id=campaign.id, panorama_id=panorama.id))
    session.flush()
    return panorama


def _lease(client: TestClient, session: Session, campaign: Campaign) -> dict[str, object]:
    headers = bearer(session, make_user(session))
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert response.status_code == 201, response.text
    panorama = response.json()["task"]["panorama"]
    assert isinstance(panorama, dict)
    return panorama


def test_a_mapillary_lease_carries_a_fresh_url_and_the_credit(
    client: TestClient, session: Session, fake: FakeImagery, url_cache: UrlCache
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    _task(session, campaign, MAPILLARY)
    pano = _lease(client, session, campaign)
    assert pano["provider"] == "mapillary" and pano["pano_id"] == "1000000000000001"
    assert pano["heading"] == 90.5
    url = str(pano["image_url"])
    assert url.startswith(f"{fake.base}/cdn/1000000000000001.jpg")
    assert httpx.get(url).status_code == 200
    expires = datetime.fromisoformat(str(pano["image_expires_at"]))
    assert abs((expires - datetime.fromtimestamp(fake.now, UTC)).total_seconds() - 3600) < 2
    assert pano["attribution"] == {
        "text": "© street_walker, Mapillary, CC BY-SA 4.0",
        "licence": "CC-BY-SA-4.0",
        "licence_url": "https://creativecommons.org/licenses/by-sa/4.0/",
        "creator": "street_walker",
        "url": "https://www.mapillary.com/app/?pKey=1000000000000001",
    }


def test_a_resolved_url_is_reused_within_its_lifetime(
    session: Session, fake: FakeImagery, settings: Settings, url_cache: UrlCache
) -> None:
    panorama = _task(session, make_campaign(session), MAPILLARY)
    first = imagery.viewer_image(panorama, settings=settings)
    fake.now += 1800
    again = imagery.viewer_image(panorama, settings=settings)
    assert again.image_url == first.image_url
    assert len(fake.calls("mapillary/image")) == 1


def test_an_expired_url_is_never_handed_out(
    session: Session, fake: FakeImagery, settings: Settings, url_cache: UrlCache
) -> None:
    panorama = _task(session, make_campaign(session), MAPILLARY)
    old = imagery.viewer_image(panorama, settings=settings).image_url
    assert old is not None
    fake.now += 3600 - 60  # a minute to live: too little to hand out
    fresh = imagery.viewer_image(panorama, settings=settings).image_url
    assert fresh is not None and fresh != old
    fake.now += 120
    assert httpx.get(old).status_code == 403  # the CDN refuses the stale URL …
    assert httpx.get(fresh).status_code == 200  # … and serves the one we gave out
    assert len(fake.calls("mapillary/image")) == 2


def test_a_url_that_dies_at_once_is_refused(
    session: Session, fake: FakeImagery, settings: Settings, url_cache: UrlCache
) -> None:
    panorama = _task(session, make_campaign(session), MAPILLARY)
    fake.url_lifetime = 30
    with pytest.raises(ImageryInvalid, match="expired"):
        imagery.viewer_image(panorama, settings=settings)


def test_a_provider_outage_fails_the_lease_cleanly(
    client: TestClient, session: Session, fake: FakeImagery, url_cache: UrlCache
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    _task(session, campaign, MAPILLARY)
    fake.throttle["mapillary/image"] = (10, "0")
    headers = bearer(session, make_user(session))
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "imagery_unavailable"
    fake.throttle.clear()  # the lease stays: asking again returns it, now with its image
    again = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert again.status_code == 200, again.text
    assert str(again.json()["task"]["panorama"]["image_url"]).startswith(f"{fake.base}/cdn/")
    live = session.execute(
        text("SELECT count(*) FROM assignments WHERE task_id = :t AND status = 'live'"),
        {"t": again.json()["task"]["id"]},
    ).scalar_one()
    assert live == 1


def test_a_slow_provider_holds_no_slot_of_the_decoding_loop(
    client: TestClient, session: Session, fake: FakeImagery, url_cache: UrlCache
) -> None:
    # Leases and answers run a few at a time (decoding_concurrency); a lease waiting for
    # Mapillary must not take one of those slots, or a slow provider would stall every decoder.
    limiter = client.app.state.decoding_limiter  # type: ignore[attr-defined]
    limiter.total_tokens = 1
    mapillary = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    _task(session, mapillary, MAPILLARY)
    other = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    make_task(session, other)
    first, second = bearer(session, make_user(session)), bearer(session, make_user(session))
    fake.hold["mapillary/image"] = released = threading.Event()
    answers: dict[str, int] = {}

    def lease_mapillary() -> None:
        url = f"/api/v1/campaigns/{mapillary.slug}/assignments"
        answers["mapillary"] = client.post(url, headers=first).status_code

    waiting = threading.Thread(target=lease_mapillary)
    waiting.start()
    try:
        assert fake.parked.wait(60), "the lease never asked Mapillary"
        response = client.post(f"/api/v1/campaigns/{other.slug}/assignments", headers=second)
        assert response.status_code == 201, response.text
        assert "mapillary" not in answers  # still waiting for the provider
    finally:
        released.set()
        waiting.join()
    assert answers["mapillary"] == 201


def test_a_panoramax_lease_offers_tiles_and_the_instance_credit(
    client: TestClient, session: Session, fake: FakeImagery, settings: Settings
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    provider = imagery.provider_for("panoramax", settings)
    found = imagery.search_box(provider, BBox(-73.99, 40.75, -73.98, 40.76))
    _task(session, campaign, next(c for c in found if c.provider_id.endswith("1")))
    pano = _lease(client, session, campaign)
    assert pano["provider"] == "panoramax"
    assert str(pano["image_url"]).endswith("/hd.jpg") and pano["image_expires_at"] is None
    picture = f"{fake.panoramax_url}/pictures/00000000-0000-4000-8000-000000000001"
    assert pano["image_tiles"] == {
        "url": f"{picture}/tiled/{{col}}_{{row}}.jpg",
        "cols": 8,
        "rows": 4,
        "width": 5760,
    }
    assert pano["heading"] == 87.5
    attribution = pano["attribution"]
    assert isinstance(attribution, dict) and attribution["licence"] == "CC-BY-SA-4.0"
    assert attribution["creator"] == "cartographe"
