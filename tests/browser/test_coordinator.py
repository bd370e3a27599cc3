"""Coordinator pages in Chromium: sign in, progress, and an import's row-numbered errors."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.seed import COORDINATOR_PASSWORD, Seeded


def test_coordinator_sees_progress_and_the_rows_an_import_refused(
    page: Page, site: str, seeded: Seeded, tmp_path: Path
) -> None:
    page.goto(f"{site}/coordinator/?campaign={seeded.slug}")
    page.fill("#join-email", seeded.coordinator_email)
    page.fill("#join-password", COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#totals-title")).to_be_visible()
    expect(page.locator("#areas-title + table")).to_contain_text("Manhattan")

    bad = tmp_path / "locations.csv"
    bad.write_text("id,lat,lon,name\nok-1,40.75,-73.98,Fine\nbad-1,400,-73.98,Broken\n")
    form = page.locator("#import-locations")
    form.locator("input[type=file]").set_input_files(str(bad))
    form.get_by_role("button", name="Upload").click()
    errors = form.locator("table.errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody td").first).to_have_text("3")  # the header is row 1

    good = tmp_path / "good.csv"
    good.write_text("id,lat,lon,name\nnew-1,40.7601,-73.9701,New place\n")
    form.locator("input[type=file]").set_input_files(str(good))
    form.get_by_role("button", name="Upload").click()
    expect(form.locator(".report")).to_contain_text("created")
    screenshot(page, "coordinator")
