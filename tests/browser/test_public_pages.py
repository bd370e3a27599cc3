"""The public map, the Arabic layout and accessibility, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import new_context, screenshot
from tests.browser.pages import join_and_open_task, wait_for_viewer
from tests.browser.seed import Seeded

MAP_READY = (
    "() => { const m = window.__decoders && window.__decoders.map;"
    " return m && m.getLayer('cameras') && m.loaded() && m.areTilesLoaded(); }"
)


def _open_map(page: Page, site: str, slug: str) -> None:
    page.goto(f"{site}/map/?campaign={slug}")
    page.wait_for_function(MAP_READY)


def _rendered(page: Page, layer: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = page.evaluate(
        "layer => window.__decoders.map.queryRenderedFeatures({layers: [layer]})"
        ".map(f => ({properties: f.properties, geometry: f.geometry}))",
        layer,
    )
    return features


def test_map_shows_density_hexagons_and_a_popup_for_a_seeded_camera(
    page: Page, site: str, seeded: Seeded
) -> None:
    _open_map(page, site, seeded.slug)
    page.wait_for_function(
        "() => window.__decoders.map.queryRenderedFeatures({layers: ['hexagons-fill']}).length > 0"
    )
    hexagons = _rendered(page, "hexagons-fill")
    assert sum(h["properties"]["cameras"] for h in hexagons) >= 1
    expect(page.locator("#area-table")).to_contain_text("Manhattan")
    screenshot(page, "map")

    lon, lat = seeded.camera_positions[0]
    page.evaluate("c => window.__decoders.map.jumpTo({center: c, zoom: 18})", [lon, lat])
    # Wait until this very camera is drawn under its position, then click it like a person.
    x, y = page.wait_for_function(
        """c => { const m = window.__decoders.map; const p = m.project(c);
        const hit = m.queryRenderedFeatures([[p.x - 3, p.y - 3], [p.x + 3, p.y + 3]],
          {layers: ['cameras']});
        if (!m.loaded() || hit.length === 0) return null;
        const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        arg=[lon, lat],
    ).json_value()
    page.mouse.click(x, y)
    popup = page.locator(".maplibregl-popup")
    expect(popup).to_contain_text("Camera")
    expect(popup).to_contain_text("93%")
    screenshot(page, "map-camera-popup")


def test_filters_switch_the_hexagons_to_dome_cameras(page: Page, site: str, seeded: Seeded) -> None:
    _open_map(page, site, seeded.slug)
    page.get_by_label("Dome / PTZ only").check()
    page.wait_for_function(
        "() => JSON.stringify(window.__decoders.map.getFilter('hexagons-fill'))"
        ".includes('dome_ptz')"
    )


def test_arabic_is_right_to_left_by_default_and_by_choice(
    browser: Browser, site: str, seeded: Seeded
) -> None:
    context = new_context(browser, locale="ar-EG")
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        page.wait_for_selector("#join-anonymous")
        assert page.evaluate("document.dir") == "rtl"
        assert page.evaluate("document.documentElement.lang") == "ar"
        expect(page.locator("h1")).to_contain_text("كاميرات")
        screenshot(page, "landing-ar")
        page.select_option("#language", "en")
        assert page.evaluate("document.dir") == "ltr"
        page.select_option("#language", "ar")
        page.reload()
        page.wait_for_selector("#join-anonymous")
        assert page.evaluate("document.dir") == "rtl"  # the choice is remembered
        page.goto(f"{site}/decode/?campaign={seeded.slug}")
        page.click("#join-anonymous")
        page.wait_for_function("() => window.__decoders && window.__decoders.mode === 'idle'")
        assert page.evaluate("document.dir") == "rtl"
        expect(page.locator("#submit-task")).to_have_text("إرسال")
        wait_for_viewer(page)
        screenshot(page, "decode-task-ar")
    finally:
        context.close()


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


@pytest.mark.parametrize("name", ["landing", "task", "map"])
def test_pages_have_no_serious_accessibility_violations(
    page: Page, site: str, seeded: Seeded, name: str
) -> None:
    if name == "landing":
        page.goto(f"{site}/")
        page.wait_for_selector("#join-anonymous")
        page.wait_for_selector("#progress-title")
    elif name == "task":
        join_and_open_task(page, site, seeded.slug)
        page.locator("#viewer").click()  # open the questions, so they are checked too
        page.wait_for_selector("#tag-panel")
    else:
        _open_map(page, site, seeded.slug)
    assert _serious(page) == []
    screenshot(page, f"axe-{name}")
