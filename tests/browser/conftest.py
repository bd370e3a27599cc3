"""Real Chromium (Debian's, through Playwright) against a live server with the demo campaign."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import Engine, create_engine

from app.main import FRONTEND_DIST
from tests.browser.seed import Seeded, seed_campaign

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# SwiftShader gives headless Chromium WebGL without a GPU; the rest keeps it off the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site_engine(live_database_url: str) -> Iterator[Engine]:
    engine = create_engine(live_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded(site_engine: Engine, live_media_dir: Path) -> Seeded:
    if not (FRONTEND_DIST / "index.html").is_file():
        pytest.fail("frontend/dist is missing: build it with `make frontend`")
    return seed_campaign(site_engine, slug=f"browser-{os.getpid()}", media_root=live_media_dir)


@pytest.fixture(scope="session")
def site(live_url: str, seeded: Seeded) -> str:
    """Base URL of the live server, once the demo campaign is in its database."""
    return live_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("DECODERS_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(f"Chromium not found at {executable}: install it or set DECODERS_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A fresh profile (no cookies) with sensible timeouts."""
    settings: dict[str, object] = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}
    context = browser.new_context(**{**settings, **options})  # type: ignore[arg-type]
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose uncaught script errors fail the test."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error}\n{error.stack}"))
    yield page
    assert errors == [], f"uncaught errors in the page: {errors}"


def screenshot(page: Page, name: str) -> Path:
    """Keep a picture of the page under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
