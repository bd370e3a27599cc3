"""Coordinator pages in Chromium: progress, an import's row-numbered errors, QA and moderation."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.browser.conftest import screenshot
from tests.browser.seed import COORDINATOR_PASSWORD, Seeded
from tests.factories import bearer, make_campaign, make_user
from tests.integration.quality.helpers import complete_tasks


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


def test_coordinator_draws_a_qa_sample_and_reads_the_quality_intervals(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    with Session(site_engine) as session:
        campaign = make_campaign(
            session,
            slug=f"qa-{os.getpid()}",
            name="QA campaign",
            tutorial_tasks=0,
            known_answer_every=0,
        )
        complete_tasks(session, campaign, 4)
        expert = bearer(session, make_user(session, role="expert"))
        slug = campaign.slug
        session.commit()

    page.goto(f"{site}/coordinator/?campaign={slug}")
    page.fill("#join-email", seeded.coordinator_email)
    page.fill("#join-password", COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    card = page.locator("#qa-card")
    expect(card.locator("#qa-none")).to_be_visible()
    expect(card.locator("#quality-empty")).to_be_visible()
    card.locator("#qa-seed").fill("3")
    card.locator("#qa-draw").click()
    expect(card.locator("table.strata tbody tr")).to_have_count(2)
    expect(card.locator("#qa-sample")).to_contain_text("0 of 4 tasks reviewed")

    # One expert label through the API: the camera at 10° only (the crowd found it).
    with httpx.Client(base_url=f"{site}/api/v1", headers=expert) as api:
        item = api.post(f"/campaigns/{slug}/review-queue/next")
        assert item.status_code == 200, item.text
        camera = {"heading": 10.0, "pitch": 8.0}
        camera |= {"attachment": "street_furniture", "camera_type": "dome_ptz"}
        saved = api.put(f"/tasks/{item.json()['task_id']}/known-answer", json={"cameras": [camera]})
        assert saved.status_code == 200, saved.text

    card.locator("#quality-refresh").click()
    overall = card.locator('#quality-table tr[data-category="all"]')
    expect(overall.locator('[data-metric="recall"] .interval-text')).to_have_text("1 [1–1]")
    expect(overall.locator('[data-metric="count_ratio"] .interval-text')).to_contain_text("[")
    expect(overall.locator(".interval-plot")).to_have_count(3)
    expect(overall.locator(".interval-plot circle")).to_have_count(3)
    expect(card.locator("#qa-sample")).to_contain_text("1 of 4 tasks reviewed")

    moderation = page.locator("#moderation-table")
    expect(moderation.locator("tbody tr")).to_have_count(3)
    first = moderation.locator("tbody tr").first
    first.locator("button.suspend").click()
    expect(moderation.locator("tbody tr button.reinstate")).to_have_count(1)
    screenshot(page, "coordinator-quality")
