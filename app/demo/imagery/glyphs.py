"""Draw the demo's cameras: their pole or wall, then a dome or bullet glyph at the exact direction.

Glyphs are drawn on a small tile at 4x and downsampled, so a 12-pixel camera still reads as a
camera when the viewer zooms in; the tile is placed with sub-pixel accuracy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

from app.demo.imagery.canvas import Canvas, span_px
from app.demo.imagery.projection import direction_to_pixel
from app.demo.imagery.scene import (
    FACADE_COLORS,
    Building,
    DrawnCamera,
    StreetLayout,
    facade_hit,
    local_xy,
)
from app.demo.imagery.street import draw_building, draw_fixture

SUPERSAMPLE = 4
ON_FACADE_TOLERANCE_M = 0.6  # a building camera further off its façade gets a wall of its own
PATCH_HALF_ANGLE_DEG = 10.0  # such a wall stays narrower than the 25° between planned cameras
Color = tuple[int, int, int]
CLAMP: Color = (62, 64, 68)
PLATE: Color = (150, 150, 146)
ARM: Color = (112, 114, 118)
HOUSING: Color = (46, 49, 55)
BUBBLE: Color = (30, 32, 38)
LENS: Color = (8, 8, 12)


def _rng(seed: int, cam: DrawnCamera) -> random.Random:
    # Keyed by the camera itself, so its look never depends on the other cameras in the list.
    return random.Random(f"decoders-camera:{seed}:{cam.heading:.4f}:{cam.distance_m:.3f}")


def glyph_size_px(distance_m: float, width: int) -> float:
    """Return a camera glyph's size: about 0.7-1.4° by distance, never under ~12 px at 4096."""
    d = min(max(distance_m, 3.0), 60.0)
    near = (1 / d - 1 / 25) / (1 / 6 - 1 / 25)
    degrees = min(1.6, max(0.5, 0.7 + 0.7 * near))
    return max(degrees / 360.0 * width, 12.0 * width / 4096, 8.0)


def draw_mount(canvas: Canvas, layout: StreetLayout, cam: DrawnCamera, *, seed: int) -> None:
    """Draw what a camera hangs on: its pole, or a wall when no façade stands there."""
    rng = _rng(seed, cam)
    x, y = local_xy(layout, cam.heading, cam.distance_m)
    if cam.attachment == "street_furniture":
        kind = rng.choice(("street_light", "signal", "plain"))
        # The fixture sits above the camera, so the camera is never hidden behind it.
        top_m = cam.mount_height_m + {"street_light": 2.5, "signal": 2.0, "plain": 0.8}[kind]
        size = glyph_size_px(cam.distance_m, canvas.width)
        width = max(2.0, min(span_px(0.18, cam.distance_m, canvas.width), 0.45 * size))
        draw_fixture(canvas, layout, x, y, kind=kind, top=top_m, width=width)
        return
    if cam.attachment != "building":
        return
    dist, _ = facade_hit(layout, cam.heading)
    if abs(dist - cam.distance_m) <= ON_FACADE_TOLERANCE_M:
        return
    half = min(5.0, cam.distance_m * math.tan(math.radians(PATCH_HALF_ANGLE_DEG)))
    r = math.hypot(x, y)
    tx, ty = y / r, -x / r  # along the wall, perpendicular to the line of sight
    wall = Building(
        x - tx * half,
        y - ty * half,
        x + tx * half,
        y + ty * half,
        height=cam.mount_height_m + rng.uniform(3.0, 8.0),
        color=rng.choice(FACADE_COLORS),
        floor_m=3.3,
        bay_m=2.8,
        storefront=False,
    )
    draw_building(canvas, wall)


def draw_glyph(canvas: Canvas, cam: DrawnCamera, *, seed: int) -> None:
    """Draw a dome or bullet camera centred exactly on its heading and pitch ("unknown": dome)."""
    facing = _rng(seed, cam).choice((-1.0, 1.0))
    w, h = canvas.width, canvas.height
    gx, gy = direction_to_pixel(
        cam.heading, cam.pitch, width=w, height=h, pano_heading=canvas.pano_heading
    )
    size = glyph_size_px(cam.distance_m, w)
    span = math.ceil(size * 3.2) + 4
    ix, iy = math.floor(gx) - span // 2, math.floor(gy) - span // 2
    big = Image.new("RGBA", (span * SUPERSAMPLE, span * SUPERSAMPLE), (0, 0, 0, 0))
    pen = _Pen(ImageDraw.Draw(big), (gx - ix) * SUPERSAMPLE, (gy - iy) * SUPERSAMPLE, size)
    mount = "pole" if cam.attachment == "street_furniture" else "wall"
    if cam.camera_type == "bullet":
        _bullet(pen, mount, facing)
    else:
        _dome(pen, mount, facing)
    tile = big.resize((span, span), Image.Resampling.LANCZOS)
    for off in (0, w, -w):
        if ix + off < w and ix + off + span > 0:
            canvas.image.paste(tile, (ix + off, iy), tile)


class _Pen:
    """Draws in glyph units: (u, v) = offsets from the glyph centre in multiples of its size."""

    def __init__(self, draw: ImageDraw.ImageDraw, cx: float, cy: float, size: float) -> None:
        self.draw, self.cx, self.cy, self.unit = draw, cx, cy, size * SUPERSAMPLE

    def at(self, u: float, v: float) -> tuple[float, float]:
        return (self.cx + u * self.unit - 0.5, self.cy + v * self.unit - 0.5)

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill: Color) -> None:
        self.draw.rectangle((self.at(u0, v0), self.at(u1, v1)), fill=fill)

    def ellipse(self, u0: float, v0: float, u1: float, v1: float, fill: Color) -> None:
        self.draw.ellipse((self.at(u0, v0), self.at(u1, v1)), fill=fill)

    def poly(self, pts: list[tuple[float, float]], fill: Color) -> None:
        self.draw.polygon([self.at(u, v) for u, v in pts], fill=fill)

    def line(self, pts: list[tuple[float, float]], fill: Color, width: float) -> None:
        px = max(1, round(width * self.unit))
        self.draw.line([self.at(u, v) for u, v in pts], fill=fill, width=px, joint="curve")


def _dome(pen: _Pen, mount: str, facing: float) -> None:
    """A smoked hemisphere hanging under a collar, on a pole clamp or a wall arm."""
    if mount == "pole":
        pen.rect(-0.34, -0.72, 0.34, -0.58, CLAMP)
        pen.rect(-0.07, -0.6, 0.07, -0.34, ARM)
    else:
        up = -facing * 0.66
        pen.rect(up - 0.16, -0.98, up + 0.16, -0.46, PLATE)
        pen.line([(up, -0.74), (0.0, -0.74), (0.0, -0.34)], ARM, 0.13)
    pen.rect(-0.5, -0.37, 0.5, -0.19, (150, 152, 156))
    pen.rect(-0.5, -0.37, 0.5, -0.31, (184, 186, 190))
    pen.draw.pieslice((pen.at(-0.46, -0.7), pen.at(0.46, 0.3)), 0, 180, fill=BUBBLE)
    pen.ellipse(-0.02, 0.0, 0.2, 0.2, LENS)
    pen.ellipse(-0.32, -0.14, -0.14, -0.03, (112, 122, 140))


def _bullet(pen: _Pen, mount: str, facing: float) -> None:
    """An elongated housing under a sun shield, lens at the front, on a short bracket arm."""
    tilt = math.radians(10.0)
    ca, sa = math.cos(tilt), math.sin(tilt)

    def body(a: float, b: float) -> tuple[float, float]:
        # a runs along the housing towards the lens, b across it (downwards); front tilts down.
        return (facing * (a * ca - b * sa), a * sa + b * ca)

    if mount == "pole":
        pen.line([body(-0.1, -0.2), (0.0, -0.72)], ARM, 0.12)
        pen.rect(-0.3, -0.8, 0.3, -0.66, CLAMP)
    else:
        back = -facing * 0.8
        pen.rect(back - 0.15, -0.96, back + 0.15, -0.4, PLATE)
        pen.line([body(-0.3, -0.2), (back, -0.68)], ARM, 0.12)
    _quad(pen, body, (-0.62, 0.76), (-0.31, -0.19), (98, 102, 110))  # sun shield
    housing = [
        (-0.64, -0.14),
        (-0.58, -0.2),
        (0.56, -0.2),
        (0.56, 0.2),
        (-0.58, 0.2),
        (-0.64, 0.14),
    ]
    pen.poly([body(a, b) for a, b in housing], HOUSING)
    _quad(pen, body, (-0.58, 0.52), (-0.19, -0.13), (74, 78, 86))  # lit top edge
    _quad(pen, body, (0.5, 0.62), (-0.21, 0.21), (34, 35, 40))  # front bezel
    cu, cv = body(0.63, 0.0)
    pen.ellipse(cu - 0.06, cv - 0.16, cu + 0.06, cv + 0.16, LENS)
    pen.ellipse(cu - 0.025, cv - 0.1, cu + 0.025, cv - 0.04, (84, 124, 184))


def _quad(
    pen: _Pen,
    body: Callable[[float, float], tuple[float, float]],
    a: tuple[float, float],
    b: tuple[float, float],
    fill: Color,
) -> None:
    """Fill the housing-frame rectangle a[0]..a[1] along by b[0]..b[1] across."""
    corners = [(a[0], b[0]), (a[1], b[0]), (a[1], b[1]), (a[0], b[1])]
    pen.poly([body(u, v) for u, v in corners], fill)
