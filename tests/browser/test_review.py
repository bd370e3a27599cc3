"""An expert in Chromium: label a task's cameras by clicks, save, then see the crowd."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.accounts.users import create_user
from tests.browser.conftest import screenshot
from tests.browser.pages import heading_gap, tag_camera, wait_for_viewer
from tests.browser.seed import Seeded

EXPERT_PASSWORD = "expert-password-1"


def sign_in(page: Page, email: str, password: str) -> None:
    page.fill("#join-email", email)
    page.fill("#join-password", password)
    page.get_by_role("button", name="Sign in").click()


def staff_user(engine: Engine, email: str, role: str, password: str) -> int:
    """A signed-up account with a staff role (once per test session: e-mails are unique)."""
    with Session(engine) as session:
        user = create_user(session, email=email, password=password, role=role)
        session.commit()
        return user.id


@pytest.fixture
def labelled_task(site_engine: Engine, seeded: Seeded) -> Iterator[dict[str, Any]]:
    """A pool task with drawn cameras, its known answer cleared; put back afterwards."""
    with site_engine.begin() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT t.id, t.known_answer FROM tasks t JOIN campaigns c"
                    " ON c.id = t.campaign_id WHERE c.slug = :slug AND NOT t.is_tutorial"
                    " AND jsonb_array_length(t.known_answer) > 0 ORDER BY t.id LIMIT 1"
                ),
                {"slug": seeded.slug},
            )
            .mappings()
            .one()
        )
        conn.execute(text("UPDATE tasks SET known_answer = NULL WHERE id = :id"), {"id": row["id"]})
    yield {"id": row["id"], "cameras": row["known_answer"]}
    with site_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE tasks SET known_answer = CAST(:answer AS jsonb), labelled_by = NULL,"
                " labelled_at = NULL WHERE id = :id"
            ),
            {"id": row["id"], "answer": json.dumps(row["known_answer"])},
        )


def test_expert_labels_the_drawn_cameras_and_only_then_sees_the_crowd(
    page: Page, site: str, seeded: Seeded, site_engine: Engine, labelled_task: dict[str, Any]
) -> None:
    email = f"expert-{seeded.slug}@example.org"
    expert_id = staff_user(site_engine, email, "expert", EXPERT_PASSWORD)
    task_id, cameras = labelled_task["id"], labelled_task["cameras"]
    page.goto(f"{site}/review/?task={task_id}")
    sign_in(page, email, EXPERT_PASSWORD)
    page.wait_for_function("() => window.__decoders && window.__decoders.mode === 'idle'")
    wait_for_viewer(page)
    expect(page.locator("#crowd-hidden")).to_be_visible()

    for camera in cameras:
        tag_camera(page, camera)
    expect(page.locator("#tag-list li:not(.empty)")).to_have_count(len(cameras))
    expect(page.locator(".pin-crowd")).to_have_count(0)
    page.click("#save-label")
    page.wait_for_function("() => window.__decoders.saved > 0")
    expect(page.locator("#crowd")).to_be_visible()
    crowd = page.evaluate("window.__decoders.review.crowd")
    expect(page.locator(".pin-crowd")).to_have_count(len(crowd["tags"]))
    screenshot(page, "review-saved")

    with site_engine.connect() as conn:
        stored = (
            conn.execute(
                text("SELECT known_answer, labelled_by FROM tasks WHERE id = :id"),
                {"id": task_id},
            )
            .mappings()
            .one()
        )
    assert stored["labelled_by"] == expert_id
    label = stored["known_answer"]
    assert len(label) == len(cameras)
    for truth in cameras:
        near = [c for c in label if heading_gap(c["heading"], truth["heading"]) < 2]
        assert near, f"no saved camera near {truth['heading']}° in {label}"
        assert abs(near[0]["pitch"] - truth["pitch"]) < 2
        assert near[0]["attachment"] == truth["attachment"]
        assert near[0]["camera_type"] == truth["camera_type"]
