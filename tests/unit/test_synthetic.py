"""Synthetic demo panoramas: the drawn truth is where `plan_scene` says it is."""

import io
import math
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from app.demo.imagery.projection import direction_to_pixel, pixel_to_direction
from app.demo.imagery.render import DrawnCamera, camera_at, plan_scene, render_equirect
from app.demo.imagery.scene import facade_hit, heading_gap, street_layout

Gray = npt.NDArray[np.float64]
WIDTH = 2048  # half size keeps the file fast; one test renders the full 4096
PLAN_SEEDS = range(300)
# Seeds whose plans cover both attachments and both camera types.
VISIBILITY_SEEDS = (1, 3, 4, 15)
CLEARLY_DARKER = 20.0  # grey levels; cameras measure 33+ darker at 2048 px, 40+ at 4096


@cache
def _render(seed: int, cameras: tuple[DrawnCamera, ...], width: int = WIDTH) -> Gray:
    jpeg = render_equirect(cameras, seed=seed, width=width)
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"), dtype=np.float64)


def _window(gray: Gray, x: float, y: float, half_x: int, half_y: int) -> float:
    """Mean grey level of a window centred on (x, y), wrapping across the 0/360 seam."""
    cols = np.arange(math.floor(x) - half_x, math.floor(x) + half_x + 1) % gray.shape[1]
    rows = np.arange(math.floor(y) - half_y, math.floor(y) + half_y + 1)
    return float(gray[np.ix_(rows, cols)].mean())


def _pixel(heading: float, pitch: float, width: int = WIDTH) -> tuple[float, float]:
    return direction_to_pixel(heading, pitch, width=width, height=width // 2)


def test_render_is_a_4096_by_2048_jpeg() -> None:
    jpeg = render_equirect(plan_scene(4), seed=4)
    image = Image.open(io.BytesIO(jpeg))
    assert jpeg[:2] == b"\xff\xd8"
    assert image.format == "JPEG"
    assert image.size == (4096, 2048)


def test_render_width_keeps_the_2_to_1_ratio() -> None:
    image = Image.open(io.BytesIO(render_equirect([], seed=1, width=1024)))
    assert image.size == (1024, 512)


def test_render_rejects_an_odd_width() -> None:
    with pytest.raises(ValueError):
        render_equirect([], seed=1, width=1023)


def test_render_is_deterministic_for_a_seed() -> None:
    cams = plan_scene(3)
    assert render_equirect(cams, seed=3, width=512) == render_equirect(cams, seed=3, width=512)


def test_plan_scene_is_deterministic_for_a_seed() -> None:
    assert all(plan_scene(s) == plan_scene(s) for s in range(20))
    assert any(plan_scene(s) != plan_scene(s + 1) for s in range(20))


def test_planned_cameras_stay_within_their_ranges() -> None:
    for seed in PLAN_SEEDS:
        for cam in plan_scene(seed):
            assert 0.0 <= cam.heading < 360.0
            assert 6.0 <= cam.distance_m <= 25.0
            assert 3.5 <= cam.mount_height_m <= 6.5
            assert cam.attachment in {"street_furniture", "building"}
            assert cam.camera_type in {"dome_ptz", "bullet"}
            expected = math.degrees(math.atan((cam.mount_height_m - 2.5) / cam.distance_m))
            assert cam.pitch == pytest.approx(expected)
            assert cam.base_pitch == pytest.approx(-math.degrees(math.atan(2.5 / cam.distance_m)))
            assert 2.0 < cam.pitch < 34.0


def test_planned_headings_are_at_least_25_degrees_apart() -> None:
    for seed in PLAN_SEEDS:
        cams = plan_scene(seed)
        for i, a in enumerate(cams):
            for b in cams[i + 1 :]:
                assert heading_gap(a.heading, b.heading) >= 25.0


def test_camera_counts_cover_zero_to_max_roughly_evenly() -> None:
    counts = [len(plan_scene(s)) for s in PLAN_SEEDS]
    for n in range(5):
        assert counts.count(n) >= len(PLAN_SEEDS) // 10
    assert all(len(plan_scene(s, max_cameras=1)) <= 1 for s in range(30))
    assert all(plan_scene(s, max_cameras=0) == [] for s in range(10))


def test_building_cameras_sit_on_the_facade_they_look_at() -> None:
    for seed in range(60):
        for cam in plan_scene(seed):
            if cam.attachment == "building":
                dist, building = facade_hit(street_layout(seed), cam.heading)
                assert building is not None
                assert dist == pytest.approx(cam.distance_m, abs=0.01)


@pytest.mark.parametrize("pano_heading", [0.0, 90.0, 271.5])
def test_pixel_direction_round_trip(pano_heading: float) -> None:
    for heading in np.arange(0.0, 360.0, 7.3):
        for pitch in (-89.0, -30.0, 0.0, 12.5, 89.0):
            x, y = direction_to_pixel(
                heading, pitch, width=4096, height=2048, pano_heading=pano_heading
            )
            assert 0.0 <= x < 4096
            back = pixel_to_direction(x, y, width=4096, height=2048, pano_heading=pano_heading)
            assert heading_gap(back[0], heading) < 1e-9
            assert back[1] == pytest.approx(pitch)


def test_pixel_mapping_puts_pano_heading_at_the_centre_and_wraps() -> None:
    assert direction_to_pixel(0.0, 0.0, width=4096, height=2048) == (2048.0, 1024.0)
    assert direction_to_pixel(180.0, 90.0, width=4096, height=2048) == (0.0, 0.0)
    assert direction_to_pixel(90.0, 0.0, width=4096, height=2048, pano_heading=90.0)[0] == 2048
    x_before, _ = direction_to_pixel(179.9, 0.0, width=4096, height=2048)
    x_after, _ = direction_to_pixel(180.1, 0.0, width=4096, height=2048)
    assert x_before == pytest.approx(4096 - 4096 * 0.1 / 360)
    assert x_after == pytest.approx(4096 * 0.1 / 360)
    assert pixel_to_direction(0.0, 1024.0, width=4096, height=2048) == (180.0, 0.0)
    assert pixel_to_direction(4096.0, 0.0, width=4096, height=2048)[0] == 180.0


def test_every_planned_camera_is_visible_where_it_was_drawn() -> None:
    checked = set()
    for seed in VISIBILITY_SEEDS:
        cams = tuple(plan_scene(seed))
        with_all = _render(seed, cams)
        for i, cam in enumerate(cams):
            without = _render(seed, cams[:i] + cams[i + 1 :])
            x, y = _pixel(cam.heading, cam.pitch)
            darker = _window(without, x, y, 1, 1) - _window(with_all, x, y, 1, 1)
            assert darker > CLEARLY_DARKER, (seed, cam)
            checked.add((cam.attachment, cam.camera_type))
    assert len(checked) == 4  # both attachments and both camera types were exercised


def test_camera_is_clearly_visible_at_full_resolution() -> None:
    cams = tuple(plan_scene(4))
    with_all = _render(4, cams, 4096)
    without = _render(4, cams[1:], 4096)
    x, y = _pixel(cams[0].heading, cams[0].pitch, 4096)
    assert _window(without, x, y, 2, 2) - _window(with_all, x, y, 2, 2) > 2 * CLEARLY_DARKER


def test_street_furniture_pole_meets_the_ground_at_base_pitch() -> None:
    poles = 0
    for seed in VISIBILITY_SEEDS:
        cams = tuple(plan_scene(seed))
        for i, cam in enumerate(cams):
            if cam.attachment != "street_furniture":
                continue
            with_all = _render(seed, cams)
            without = _render(seed, cams[:i] + cams[i + 1 :])
            x, y = _pixel(cam.heading, cam.base_pitch)
            # Just above the base the pole hides the sidewalk; just below it nothing changed.
            above = _window(without, x, y - 3, 0, 1) - _window(with_all, x, y - 3, 0, 1)
            below = abs(_window(without, x, y + 4, 1, 1) - _window(with_all, x, y + 4, 1, 1))
            assert above > CLEARLY_DARKER, (seed, cam)
            assert below < 6.0, (seed, cam)
            poles += 1
    assert poles >= 2


@pytest.mark.parametrize("camera_type", ["bullet", "dome_ptz"])
def test_camera_at_heading_359_wraps_across_the_seam(camera_type: str) -> None:
    # pano_heading 180 puts compass 0 on the image edge, so 359.9 straddles the seam.
    cam = camera_at(359.9, 7.0, 5.5, attachment="street_furniture", camera_type=camera_type)
    jpeg_with = render_equirect([cam], seed=8, width=WIDTH, pano_heading=180.0)
    jpeg_without = render_equirect([], seed=8, width=WIDTH, pano_heading=180.0)
    with_cam, without = (
        np.asarray(Image.open(io.BytesIO(j)).convert("L"), dtype=np.float64)
        for j in (jpeg_with, jpeg_without)
    )
    x, y = direction_to_pixel(
        cam.heading, cam.pitch, width=WIDTH, height=WIDTH // 2, pano_heading=180.0
    )
    assert x > WIDTH - 1  # the camera's centre is in the last column ...
    # ... and its glyph continues in the first columns.
    for col in (WIDTH - 2, WIDTH - 1, 0, 1):
        assert _window(without, col, y, 0, 1) - _window(with_cam, col, y, 0, 1) > CLEARLY_DARKER
