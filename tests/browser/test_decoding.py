"""A decoder in Chromium: tutorial, tagging by clicks and keys, submissions stored once."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, Route, expect
from sqlalchemy import Engine, text

from tests.browser.conftest import screenshot
from tests.browser.pages import (
    heading_gap,
    join_and_open_task,
    known_answer,
    tag_camera,
    wait_for_task,
)
from tests.browser.seed import Seeded

# Every text the page puts on screen, however briefly, for asserting what was never shown.
RECORD_TEXTS = """
window.__shown = [];
new MutationObserver((records) => {
  for (const r of records)
    for (const n of r.addedNodes) if (n.textContent) window.__shown.push(n.textContent);
}).observe(document, {childList: true, subtree: true});
"""


def _user_id(page: Page) -> int:
    return int(page.evaluate("fetch('/api/v1/me').then(r => r.json()).then(u => u.id)"))


def _stored_tags(engine: Engine, user_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT task_id, heading, pitch, attachment, camera_type FROM tags"
                " WHERE user_id = :u ORDER BY task_id, ordinal"
            ),
            {"u": user_id},
        ).mappings()
        return [dict(r) for r in rows]


def test_new_decoder_completes_tutorial_and_a_task_by_clicking_the_drawn_cameras(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    lease = join_and_open_task(page, site, seeded.slug)
    screenshot(page, "decode-task")
    truth: dict[int, list[dict[str, Any]]] = {}
    tutorials = 0
    # Three tutorial tasks come first, then the pool; stop after a pool task with cameras.
    for _ in range(8):
        cameras = known_answer(site_engine, lease["task"]["id"])
        truth[lease["task"]["id"]] = cameras
        for camera in cameras:
            tag_camera(page, camera)
        expect(page.locator("#tag-list li:not(.empty)")).to_have_count(len(cameras))
        stored = page.evaluate("window.__decoders.results.length")
        page.click("#submit-task" if cameras else "#no-cameras")
        page.wait_for_function("n => window.__decoders.results.length > n", arg=stored)
        if lease["tutorial"]:
            tutorials += 1
            feedback = page.locator("#feedback")
            expect(feedback).to_be_visible()
            expect(page.locator(".pin-matched")).to_have_count(len(cameras))
            if tutorials == 1:
                screenshot(page, "decode-tutorial-feedback")
            expect(page.locator("#feedback .verdict")).to_contain_text(f"all {len(cameras)}")
            page.click("#next-task")
        elif cameras:
            break
        lease = wait_for_task(page, previous=lease["id"])
    assert tutorials == 3
    stored = _stored_tags(site_engine, _user_id(page))
    assert len(stored) == sum(len(c) for c in truth.values())
    for task_id, cameras in truth.items():
        tags = [t for t in stored if t["task_id"] == task_id]
        for camera in cameras:
            nearest = min(tags, key=lambda t: heading_gap(t["heading"], camera["heading"]))
            assert heading_gap(nearest["heading"], camera["heading"]) < 2.0
            assert abs(nearest["pitch"] - camera["pitch"]) < 2.0
            assert nearest["attachment"] == camera["attachment"]


def test_a_lost_answer_is_resent_with_the_same_key_and_stored_once(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    lease = join_and_open_task(page, site, seeded.slug)
    for camera in known_answer(site_engine, lease["task"]["id"]):
        tag_camera(page, camera)
    keys: list[str] = []

    def drop_first_answer(route: Route) -> None:
        body = route.request.post_data_json or {}
        keys.append(body["idempotency_key"])
        if len(keys) == 1:
            route.fetch()  # the server stores it, but the answer never reaches the browser
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/submission", drop_first_answer)
    page.locator("#submit-task").dblclick()  # and a double click sends one answer
    expect(page.locator("#feedback")).to_be_visible()
    assert len(keys) == 2 and keys[0] == keys[1]
    # The panel's Next button takes Submit's place: when the answer comes back between the
    # two clicks of that double click, the second click (detail 2) lands on it and must not
    # skip the feedback. Only the one real click after it asks for the next task.
    leases: list[str] = []
    page.on(
        "request",
        lambda r: (
            leases.append(r.url) if r.method == "POST" and r.url.endswith("/assignments") else None
        ),
    )
    page.locator("#next-task").dispatch_event("click", {"detail": 2})
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/assignments")):
        page.locator("#next-task").click()
    expect(page.locator("#feedback")).to_have_count(0)
    assert len(leases) == 1
    with site_engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM submissions WHERE user_id = :u"), {"u": _user_id(page)}
        ).scalar_one()
    assert count == 1


def test_an_answer_on_an_expired_lease_is_resent_on_a_fresh_lease_once(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    lease = join_and_open_task(page, site, seeded.slug)
    for camera in known_answer(site_engine, lease["task"]["id"]):
        tag_camera(page, camera)
    with site_engine.begin() as conn:
        conn.execute(
            text("UPDATE assignments SET expires_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": lease["id"]},
        )
    page.click("#submit-task")
    expect(page.locator("#feedback")).to_be_visible()
    with site_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status FROM assignments WHERE user_id = :u ORDER BY id"),
            {"u": _user_id(page)},
        ).scalars()
        statuses = list(rows)
        submissions = conn.execute(
            text("SELECT count(*) FROM submissions WHERE user_id = :u"), {"u": _user_id(page)}
        ).scalar_one()
    assert statuses == ["expired", "submitted"]
    assert submissions == 1


def test_keyboard_alone_tags_a_camera_on_a_phone_sized_screen(
    page: Page, site: str, seeded: Seeded
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    join_and_open_task(page, site, seeded.slug)
    screenshot(page, "decode-task-360x640")
    page.focus("#viewer")
    for key in ["ArrowRight", "ArrowRight", "ArrowUp", "+", "Enter"]:
        page.keyboard.press(key)
    expect(page.locator("#tag-panel")).to_be_visible()
    page.keyboard.press("Space")  # the first attachment (focus moved there)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first camera type
    for _ in range(4):
        if page.evaluate("document.activeElement.id") == "save-tag":
            break
        page.keyboard.press("Tab")
    screenshot(page, "decode-questions-360x640")
    page.keyboard.press("Enter")
    expect(page.locator("#tag-list li:not(.empty)")).to_have_count(1)
    expect(page.locator("#tag-list li")).to_contain_text("Street light")
    expect(page.locator("#submit-task")).to_be_enabled()


def test_flag_then_report_a_problem_then_skip(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    lease = join_and_open_task(page, site, seeded.slug)
    page.click("#flag-task")
    page.fill("#flag-body", "Is the thing on the left pole a camera?")
    page.click("#send-flag")
    expect(page.locator("dialog .flags")).to_contain_text("left pole")
    page.keyboard.press("Escape")

    page.click("#report-problem")
    page.get_by_label("The image is too blurred or dark to use").check()
    page.click("#send-problem")
    lease = wait_for_task(page, previous=lease["id"])
    page.click("#skip-task")
    wait_for_task(page, previous=lease["id"])
    with site_engine.connect() as conn:
        user = _user_id(page)
        outcome = conn.execute(
            text("SELECT outcome, problem_kind FROM submissions WHERE user_id = :u"), {"u": user}
        ).one()
        skipped = conn.execute(
            text("SELECT count(*) FROM assignments WHERE user_id = :u AND status = 'skipped'"),
            {"u": user},
        ).scalar_one()
        flags = conn.execute(
            text("SELECT count(*) FROM flags WHERE body LIKE 'Is the thing%'")
        ).scalar_one()
    assert tuple(outcome) == ("problem", "image_unusable")
    assert skipped == 1
    assert flags >= 1


def test_a_busy_lease_is_asked_for_again_until_a_task_comes_and_all_done_never_shows(
    page: Page, site: str, seeded: Seeded
) -> None:
    page.add_init_script(RECORD_TEXTS)
    asked: list[str] = []

    def busy_once(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        asked.append(route.request.url)
        if len(asked) > 1:
            route.continue_()
            return
        error = {"code": "busy", "message": "Every task left is being handed out.", "details": None}
        route.fulfill(
            status=503,
            headers={"Retry-After": "0", "Content-Type": "application/json"},
            body=json.dumps({"error": error}),
        )

    page.route("**/api/v1/campaigns/*/assignments", busy_once)
    lease = join_and_open_task(page, site, seeded.slug)
    assert lease["task"]["id"] > 0 and len(asked) == 2
    shown = "\n".join(page.evaluate("window.__shown"))
    assert "Busy: photos are being handed out" in shown
    assert "All done" not in shown


def test_a_suspended_decoder_is_told_so_instead_of_getting_tasks(
    page: Page, site: str, seeded: Seeded, site_engine: Engine
) -> None:
    # A lease refused because of a suspension made while the page was open.
    refusal = {"error": {"code": "decoder_suspended", "message": "Suspended."}}

    def refuse(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=403, content_type="application/json", body=json.dumps(refusal))
        else:
            route.fallback()

    page.route("**/api/v1/campaigns/*/assignments", refuse)
    page.goto(f"{site}/decode/?campaign={seeded.slug}")
    page.click("#join-anonymous")
    expect(page.locator("#suspended")).to_contain_text("suspended")
    page.unroute("**/api/v1/campaigns/*/assignments")

    # A real suspension: /me says so on the next visit, before any lease is asked for.
    with site_engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET suspended_at = now() WHERE id = :id"), {"id": _user_id(page)}
        )
    page.reload()
    expect(page.locator("#suspended h1")).to_have_text("Your account is suspended")
    assert page.evaluate("window.__decoders.lease") is None
