"""What a decoder does on the pages, as reusable steps for the browser tests."""

from __future__ import annotations

import math
from typing import Any

from playwright.sync_api import Page
from sqlalchemy import Engine, text

from tests.browser.seed import PANORAMA_HEADING


def join_and_open_task(page: Page, site: str, slug: str) -> dict[str, Any]:
    """Land on /decode as a new anonymous decoder; return the first lease once it is shown."""
    page.goto(f"{site}/decode/?campaign={slug}")
    page.click("#join-anonymous")
    return wait_for_task(page, previous=None)


def wait_for_task(page: Page, previous: int | None) -> dict[str, Any]:
    """Wait until a lease other than `previous` is on screen and ready for clicks."""
    page.wait_for_function(
        "prev => { const d = window.__decoders;"
        " return d && d.lease && d.lease.id !== prev && d.mode === 'idle'; }",
        arg=previous,
    )
    wait_for_viewer(page)
    lease: dict[str, Any] = page.evaluate("window.__decoders.lease")
    return lease


def wait_for_viewer(page: Page) -> None:
    """Wait until the viewer has faded the panorama fully in, so screenshots see it whole."""
    page.wait_for_function(
        "() => { const c = document.querySelector('.psv-host:not([hidden]) .psv-canvas-container');"
        " return c && getComputedStyle(c).opacity === '1'; }"
    )


def known_answer(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    """The cameras drawn on a task's panorama (its known answer)."""
    with engine.connect() as conn:
        answer = conn.execute(
            text("SELECT known_answer FROM tasks WHERE id = :id"), {"id": task_id}
        ).scalar_one()
    return list(answer or [])


def look_at(
    page: Page, heading: float, pitch: float, *, pano_heading: float = PANORAMA_HEADING
) -> None:
    """Turn Photo Sphere Viewer itself so a compass direction is under the centre.

    The yaw is worked out here, independently of the app: yaw 0 is the image's centre column,
    whose compass heading is the panorama's. Zooming in makes the click precise.
    """
    yaw = math.radians((heading - pano_heading + 540) % 360 - 180)
    # Resolves on the viewer's next `render` event: by then the canvas and the markers (moved
    # by the plugin's own `render` listener, registered first) show the new direction, so the
    # click cannot land on a pin left where the previous camera was.
    # The canvas must have the frame's size, or the click is read against a stale one.
    page.wait_for_function(
        "() => { const v = window.__decoders.viewer;"
        " return v.container.clientWidth === v.state.size.width"
        " && v.container.clientHeight === v.state.size.height; }"
    )
    page.evaluate(
        """([yaw, pitch]) => new Promise((resolve) => {
          const v = window.__decoders.viewer;
          v.addEventListener('render', () => resolve(), {once: true});
          v.zoom(70);
          v.rotate({yaw, pitch});
          v.needsUpdate();  // a frame even when the view was already there
        })""",
        [yaw, math.radians(pitch)],
    )


def click_centre(page: Page) -> None:
    """A real mouse click at the centre of the viewer."""
    box = page.locator("#viewer").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def tag_camera(
    page: Page, camera: dict[str, Any], *, pano_heading: float = PANORAMA_HEADING
) -> None:
    """Click a drawn camera, answer both questions with its truth, save."""
    look_at(page, camera["heading"], camera["pitch"], pano_heading=pano_heading)
    click_centre(page)
    page.locator(f'.choice[data-value="{camera["attachment"]}"]').click()
    page.locator(f'.choice[data-value="{camera["camera_type"]}"]').click()
    page.click("#save-tag")


def heading_gap(a: float, b: float) -> float:
    """Absolute difference of two compass headings, in [0, 180]."""
    return abs((a - b + 180) % 360 - 180)
