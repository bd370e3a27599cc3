"""The fake providers for imagery tests, and settings pointing at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services.imagery import UrlCache, urls
from app.settings import Settings
from tests.fake_imagery import TOKEN, FakeImagery, fake_imagery


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeImagery]:
    with fake_imagery() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeImagery) -> FakeImagery:
    """The fake providers with their fixtures and no misbehaviour."""
    fake_server.reset()
    return fake_server


@pytest.fixture
def sleeps() -> list[float]:
    """What the back-off asked to sleep (tests never really wait)."""
    return []


@pytest.fixture
def settings(settings: Settings, fake_server: FakeImagery) -> Settings:
    """The suite's settings with both providers pointed at the fake (the app uses them too)."""
    return settings.model_copy(
        update={
            "mapillary_token": TOKEN,
            "mapillary_api_url": fake_server.mapillary_url,
            "panoramax_url": fake_server.panoramax_url,
            "imagery_retries": 2,
            "imagery_max_wait_seconds": 5.0,
        }
    )


@pytest.fixture
def imagery_settings(fake: FakeImagery, settings: Settings) -> Settings:
    return settings


@pytest.fixture
def url_cache(fake: FakeImagery, monkeypatch: pytest.MonkeyPatch) -> UrlCache:
    """A fresh lease-time URL cache on the fake CDN's clock."""
    cache = UrlCache(clock=lambda: fake.now)
    monkeypatch.setattr(urls, "_CACHE", cache)
    return cache
