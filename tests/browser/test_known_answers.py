"""Known answers on the coordinator page, in Chromium: label a task, use it as a tutorial."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.models import Campaign, Panorama, Task, User
from tests.browser.conftest import screenshot
from tests.browser.pages import heading_gap, tag_camera, wait_for_viewer
from tests.browser.seed import COORDINATOR_PASSWORD, Seeded
from tests.factories import bearer, make_campaign, make_task, make_user

SEEDED_ANSWERS = 20  # with the coordinator's label, one more than the card's page of 20
CHECK = {"heading": 90.0, "pitch": 5.0, "attachment": "building", "camera_type": "bullet"}


@dataclass(frozen=True)
class KnownCampaign:
    slug: str
    seeded: list[int]  # tasks given a known answer through the API, in id order
    labelled: int  # the task the coordinator labels in the review screen
    spare: int  # a task without a known answer, for the CSV import
    truth: list[dict[str, Any]]  # the cameras drawn on every panorama of the campaign


@pytest.fixture
def known_campaign(site_engine: Engine, seeded: Seeded, site: str) -> KnownCampaign:
    """One tutorial task per newcomer, no hidden checks by chance; every panorama one of the
    demo's drawn ones, so the coordinator can label it by clicking the drawn cameras."""
    with Session(site_engine) as session:
        demo = session.execute(
            select(Task, Panorama)
            .join(Panorama, Panorama.id == Task.panorama_id)
            .join(Campaign, Campaign.id == Task.campaign_id)
            .where(Campaign.slug == seeded.slug, Task.is_tutorial.is_(False))
            .where(text("jsonb_array_length(tasks.known_answer) > 0"))
            .order_by(Task.id)
            .limit(1)
        ).one()
        drawn, picture = demo
        campaign = make_campaign(
            session,
            slug=f"known-{os.getpid()}",
            name="Known answers",
            tutorial_tasks=1,
            known_answer_every=0,
        )
        tasks = [
            make_task(session, campaign, lon=-73.98 + i * 0.001) for i in range(SEEDED_ANSWERS + 2)
        ]
        for task in tasks:
            panorama = session.get_one(Panorama, task.panorama_id)
            panorama.image_url, panorama.heading = picture.image_url, picture.heading
            panorama.image_tiles = picture.image_tiles
        expert = bearer(session, make_user(session, role="expert"))
        truth = list(drawn.known_answer)
        ids, slug = [t.id for t in tasks], campaign.slug
        session.commit()
    with httpx.Client(base_url=f"{site}/api/v1", headers=expert) as api:
        for task_id in ids[:SEEDED_ANSWERS]:
            saved = api.put(f"/tasks/{task_id}/known-answer", json={"cameras": [CHECK]})
            assert saved.status_code == 200, saved.text
    return KnownCampaign(
        slug=slug,
        seeded=ids[:SEEDED_ANSWERS],
        labelled=ids[-2],
        spare=ids[-1],
        truth=truth,
    )


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def _use(engine: Engine, task_id: int) -> tuple[bool, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT is_tutorial, known_answer FROM tasks WHERE id = :id"), {"id": task_id}
        ).one()
    return bool(row.is_tutorial), row.known_answer


def test_coordinator_labels_a_task_and_makes_it_the_tutorial_a_newcomer_gets_first(
    page: Page,
    site: str,
    seeded: Seeded,
    site_engine: Engine,
    known_campaign: KnownCampaign,
    tmp_path: Path,
) -> None:
    kc = known_campaign
    page.goto(f"{site}/coordinator/?campaign={kc.slug}")
    page.fill("#join-email", seeded.coordinator_email)
    page.fill("#join-password", COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    card = page.locator("#known-card")
    rows = card.locator("#known-table tbody tr")
    expect(rows).to_have_count(20)
    expect(card.locator("#known-range")).to_have_text(f"1–20 of {SEEDED_ANSWERS}")
    assert _serious_violations(page) == []

    # Label a task with no known answer yet: open it from the card in the review screen.
    card.locator("#known-task").fill(str(kc.labelled))
    card.get_by_role("button", name="Open in review").click()
    page.wait_for_url(lambda url: url.endswith(f"/review/?task={kc.labelled}"))
    page.wait_for_function("() => window.__decoders && window.__decoders.mode === 'idle'")
    wait_for_viewer(page)
    for camera in kc.truth:
        tag_camera(page, camera)
    page.click("#save-label")
    page.wait_for_function("() => window.__decoders.saved > 0")
    is_tutorial, answer = _use(site_engine, kc.labelled)
    assert not is_tutorial and len(answer) == len(kc.truth)
    for truth in kc.truth:
        assert any(heading_gap(c["heading"], truth["heading"]) < 2 for c in answer), answer

    # Back on the card: 21 answers, the new one last (a hidden check), on the second page.
    page.goto(f"{site}/coordinator/?campaign={kc.slug}")
    expect(card.locator("#known-range")).to_have_text(f"1–20 of {SEEDED_ANSWERS + 1}")
    card.locator("#known-next").click()
    expect(card.locator("#known-range")).to_have_text(f"21–21 of {SEEDED_ANSWERS + 1}")
    mine = card.locator(f'#known-table tr[data-task="{kc.labelled}"]')
    with Session(site_engine) as session:
        coordinator = session.scalars(
            select(User.public_id).where(User.email == seeded.coordinator_email)
        ).one()
    expect(mine).to_have_attribute("data-use", "check")
    expect(mine).to_contain_text(coordinator)
    expect(mine.locator(".known-cameras")).to_have_text(str(len(kc.truth)))
    expect(mine.locator(".known-role")).to_have_text("Hidden check")
    expect(mine.locator("a.known-review")).to_have_attribute("href", f"/review/?task={kc.labelled}")

    # Promote another one and back: a tutorial, then a hidden check again.
    card.locator("#known-prev").click()
    other = card.locator(f'#known-table tr[data-task="{kc.seeded[0]}"]')
    other.get_by_role("button", name="Use as tutorial").click()
    expect(other).to_have_attribute("data-use", "tutorial")
    expect(card.locator("#known-notice")).to_have_text(
        f"Task {kc.seeded[0]} is now a tutorial task."
    )
    assert _use(site_engine, kc.seeded[0])[0] is True
    other.get_by_role("button", name="Use as hidden check").click()
    expect(other).to_have_attribute("data-use", "check")
    assert _use(site_engine, kc.seeded[0])[0] is False

    # A refusal shows the API's code and message: this task lost its known answer meanwhile.
    with site_engine.begin() as conn:
        conn.execute(
            text("UPDATE tasks SET known_answer = NULL WHERE id = :id"), {"id": kc.seeded[1]}
        )
    card.locator(f'tr[data-task="{kc.seeded[1]}"] button.known-use').click()
    expect(card.locator("#known-error")).to_contain_text("(no_known_answer)")
    expect(card.locator("#known-error")).to_contain_text(f"Task {kc.seeded[1]} has no known answer")

    # The coordinator's label becomes the tutorial: it moves to the top of the first page.
    card.locator("#known-next").click()
    mine.get_by_role("button", name="Use as tutorial").click()
    expect(card.locator("#known-range")).to_have_text(f"1–20 of {SEEDED_ANSWERS}")
    expect(rows.first).to_have_attribute("data-task", str(kc.labelled))
    expect(rows.first).to_have_attribute("data-use", "tutorial")
    expect(mine.get_by_role("button", name="Use as hidden check")).to_be_focused()
    assert _use(site_engine, kc.labelled)[0] is True
    screenshot(page, "coordinator-known-answers")

    with httpx.Client(base_url=f"{site}/api/v1") as api:
        staff = bearer_of(site_engine, seeded.coordinator_email)
        listed = api.get(f"/campaigns/{kc.slug}/known-answers", headers=staff).json()
        assert [(a["task_id"], a["use"]) for a in listed["known_answers"][:2]] == [
            (kc.labelled, "tutorial"),
            (kc.seeded[0], "check"),
        ]
        # A fresh decoder is handed it first, as a tutorial task with a known answer.
        joined = api.post("/auth/register", json={})
        assert joined.status_code == 201, joined.text
        decoder = {"Authorization": f"Bearer {joined.json()['token']}"}
        lease = api.post(f"/campaigns/{kc.slug}/assignments", headers=decoder)
        assert lease.status_code == 201, lease.text
        assert lease.json()["task"]["id"] == kc.labelled
        assert lease.json()["tutorial"] is True
        assert lease.json()["task"]["known_answer"] is True

    # The CSV import: a row naming no task of the campaign is refused with its line, then a
    # good file makes the spare task a hidden check with no camera.
    bad = tmp_path / "known-bad.csv"
    bad.write_text("task_id,heading,pitch,attachment,camera_type\n999999999,,,,\n")
    form = card.locator("#known-import")
    form.locator("#known-file").set_input_files(str(bad))
    form.get_by_role("button", name="Upload").click()
    result = form.locator("#known-import-result")
    expect(result.locator(".form-error")).to_contain_text("(import_failed)")
    expect(result.locator("ul.errors li")).to_have_text(
        [f"line 2: no task of '{kc.slug}' matches this row"]
    )
    good = tmp_path / "known.csv"
    good.write_text(f"task_id,heading,pitch,attachment,camera_type\n{kc.spare},,,,\n")
    form.locator("#known-file").set_input_files(str(good))
    form.locator("#known-import-use").select_option("check")
    form.get_by_role("button", name="Upload").click()
    expect(result).to_have_text("Imported: 1 tasks, 0 cameras.")
    expect(card.locator("#known-range")).to_contain_text(f"of {SEEDED_ANSWERS + 1}")
    assert _use(site_engine, kc.spare) == (False, [])
    assert _serious_violations(page) == []


def bearer_of(engine: Engine, email: str) -> dict[str, str]:
    """A bearer token for an existing account (the coordinator the page signed in)."""
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        headers = bearer(session, user)
        session.commit()
    return headers
