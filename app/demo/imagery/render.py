"""Synthetic equirectangular street panoramas with cameras drawn at known directions.

The offline demo and the browser tests need panoramas whose truth is known: `plan_scene`
places cameras on the poles and walls of a seeded street, `render_equirect` draws that street
and the cameras as a JPEG. Both are pure functions of the seed, so a scene re-rendered without
one of its cameras differs only where that camera (and its pole or wall) was.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence

from app.demo.imagery.canvas import Canvas, background
from app.demo.imagery.glyphs import draw_glyph, draw_mount
from app.demo.imagery.scene import (
    DECOY_CLEARANCE_DEG,
    EYE_HEIGHT_M,
    DrawnCamera,
    StreetLayout,
    curb_distance,
    facade_hit,
    heading_gap,
    local_heading,
    street_layout,
)
from app.demo.imagery.street import draw_decoy, draw_street

__all__ = ["DrawnCamera", "camera_at", "plan_scene", "render_equirect"]

MIN_SEPARATION_DEG = 25.0  # keeps each camera a distinct, unambiguous target
MIN_DISTANCE_M, MAX_DISTANCE_M = 6.0, 25.0
MIN_MOUNT_M, MAX_MOUNT_M = 3.5, 6.5
DECOY_SKIP_DEG = 8.0  # a hand-placed camera this close to a bare pole hides that pole
PLACEMENT_TRIES = 400


def camera_at(
    heading: float, distance_m: float, mount_height_m: float, *, attachment: str, camera_type: str
) -> DrawnCamera:
    """Return a DrawnCamera with its pitch and base pitch derived from the geometry."""
    return DrawnCamera(
        heading=heading % 360.0,
        pitch=math.degrees(math.atan((mount_height_m - EYE_HEIGHT_M) / distance_m)),
        attachment=attachment,
        camera_type=camera_type,
        distance_m=distance_m,
        mount_height_m=mount_height_m,
        base_pitch=-math.degrees(math.atan(EYE_HEIGHT_M / distance_m)),
    )


def plan_scene(seed: int, *, max_cameras: int = 4) -> list[DrawnCamera]:
    """Return 0..max_cameras cameras on the poles and walls of the seed's street, by heading."""
    layout = street_layout(seed)
    rng = random.Random(f"decoders-plan:{seed}")
    wanted = rng.randint(0, max_cameras)
    bare = [local_heading(layout, d.x, d.y) for d in layout.decoys]
    cameras: list[DrawnCamera] = []
    for _ in range(PLACEMENT_TRIES):
        if len(cameras) >= wanted:
            break
        heading = round(rng.uniform(0.0, 360.0), 3)
        if any(heading_gap(heading, c.heading) < MIN_SEPARATION_DEG for c in cameras):
            continue
        if any(heading_gap(heading, h) < DECOY_CLEARANCE_DEG for h in bare):
            continue
        place = _on_wall if rng.random() < 0.5 else _on_pole
        cam = place(layout, heading, rng)
        if cam is not None:
            cameras.append(cam)
    return sorted(cameras, key=lambda c: c.heading)


def _on_wall(layout: StreetLayout, heading: float, rng: random.Random) -> DrawnCamera | None:
    """Mount a camera on the façade seen at this heading, if it is near enough and tall enough."""
    dist, building = facade_hit(layout, heading)
    if building is None or not MIN_DISTANCE_M <= dist <= MAX_DISTANCE_M:
        return None
    top = min(MAX_MOUNT_M, building.height - 1.5)
    if top < MIN_MOUNT_M:
        return None
    kind = "bullet" if rng.random() < 0.55 else "dome_ptz"
    mount = round(rng.uniform(MIN_MOUNT_M, top), 2)
    return camera_at(heading, round(dist, 3), mount, attachment="building", camera_type=kind)


def _on_pole(layout: StreetLayout, heading: float, rng: random.Random) -> DrawnCamera | None:
    """Stand a camera pole on the sidewalk just behind the curb at this heading."""
    dist = curb_distance(layout, heading) + rng.uniform(0.35, 0.8)
    facade, _ = facade_hit(layout, heading)
    if not MIN_DISTANCE_M <= dist <= MAX_DISTANCE_M or dist > facade - 0.5:
        return None
    kind = "dome_ptz" if rng.random() < 0.55 else "bullet"
    mount = round(rng.uniform(MIN_MOUNT_M, MAX_MOUNT_M), 2)
    return camera_at(
        heading, round(dist, 3), mount, attachment="street_furniture", camera_type=kind
    )


def render_equirect(
    cameras: Sequence[DrawnCamera],
    *,
    seed: int,
    width: int = 4096,
    pano_heading: float = 0.0,
    quality: int = 85,
) -> bytes:
    """Return a 2:1 equirectangular JPEG of the seed's street with these cameras drawn in."""
    if width < 64 or width % 2:
        raise ValueError("width must be an even number of at least 64 pixels")
    layout = street_layout(seed)
    image = background(width, width // 2)
    canvas = Canvas(image, rotation=layout.rotation, pano_heading=pano_heading)
    draw_street(canvas, layout)
    for decoy in layout.decoys:
        h = local_heading(layout, decoy.x, decoy.y)
        if all(heading_gap(h, c.heading) >= DECOY_SKIP_DEG for c in cameras):
            draw_decoy(canvas, layout, decoy)
    # Far to near, and all mounts before any glyph, so no pole or wall covers a camera.
    ordered = sorted(cameras, key=lambda c: -c.distance_m)
    for cam in ordered:
        draw_mount(canvas, layout, cam, seed=seed)
    for cam in ordered:
        draw_glyph(canvas, cam, seed=seed)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()
