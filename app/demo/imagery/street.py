"""Draw a synthetic street (sidewalks, markings, skyline, façades, bare poles) on a Canvas."""

from __future__ import annotations

import math

import numpy as np

from app.demo.imagery.canvas import Canvas, shade, span_px
from app.demo.imagery.scene import (
    EYE_HEIGHT_M,
    FAR_M,
    Building,
    Color,
    Decoy,
    StreetLayout,
    arm_direction,
)

SIDEWALK: Color = (170, 167, 160)
CURB: Color = (198, 196, 190)
PAINT_WHITE: Color = (226, 226, 220)
PAINT_YELLOW: Color = (214, 178, 60)
GLASS: tuple[Color, ...] = ((146, 166, 188), (128, 148, 170), (166, 180, 196))
SIGN_BANDS: tuple[Color, ...] = ((186, 64, 52), (64, 112, 164), (222, 200, 120), (232, 230, 222))
SUN_HEADING = 200.0  # façades facing south-south-west are the brightest
POLE_GRAY: Color = (104, 110, 112)
MIN_WINDOW_PX = 1.5  # far windows at grazing angles would only add noise


def draw_street(canvas: Canvas, layout: StreetLayout) -> None:
    """Draw everything of the layout except its bare poles."""
    _sidewalks(canvas, layout)
    _markings(canvas, layout)
    for h0, h1, top, color in layout.skyline:
        x, y = canvas.dir_px(np.array([h0, h1, h1, h0]), np.array([-0.6, -0.6, top, top]))
        canvas.polygon(x, y, color)
    for b in layout.buildings:
        draw_building(canvas, b)


def _sidewalks(canvas: Canvas, layout: StreetLayout) -> None:
    sw = layout.sidewalk
    for sx in (1.0, -1.0):
        for sy in (1.0, -1.0):
            a = (layout.east if sx > 0 else layout.west) - sw
            y0 = layout.north if sy > 0 else layout.south
            b = y0 - sw if y0 > 0 else 0.0
            corner = (sx * a, sy * b)
            far_a, far_b = (sx * a, sy * FAR_M), (sx * FAR_M, sy * b)
            canvas.ground([far_a, corner, far_b, (sx * FAR_M, sy * FAR_M)], SIDEWALK, z=0.15)
            canvas.wall(far_a, corner, 0.0, 0.15, CURB)
            if y0 > 0:
                canvas.wall(corner, far_b, 0.0, 0.15, CURB)


def _markings(canvas: Canvas, layout: StreetLayout) -> None:
    sw = layout.sidewalk
    centre = (layout.east - layout.west) / 2
    crossing = layout.north > 0
    for sy in (1.0, -1.0):
        start = ((layout.north if sy > 0 else layout.south) + 0.5) if crossing else 0.0
        for dx in (-0.2, 0.1):
            x0, x1 = centre + dx, centre + dx + 0.1
            pts = [(x0, sy * start), (x1, sy * start), (x1, sy * FAR_M), (x0, sy * FAR_M)]
            canvas.ground(pts, PAINT_YELLOW)
    if not crossing:
        return
    left, right = -(layout.west - sw), layout.east - sw
    low, high = -(layout.south - sw), layout.north - sw
    for sy, y_curb in ((1.0, layout.north), (-1.0, layout.south)):
        ya, yb = sy * (y_curb - sw + 0.3), sy * (y_curb - 0.3)
        for x in np.arange(left + 0.4, right - 0.5, 1.1):
            canvas.ground([(x, ya), (x + 0.55, ya), (x + 0.55, yb), (x, yb)], PAINT_WHITE)
    for sx, x_curb in ((1.0, layout.east), (-1.0, layout.west)):
        xa, xb = sx * (x_curb - sw + 0.3), sx * (x_curb - 0.3)
        for y in np.arange(low + 0.4, high - 0.5, 1.1):
            canvas.ground([(xa, y), (xb, y), (xb, y + 0.55), (xa, y + 0.55)], PAINT_WHITE)


def _sun_factor(canvas: Canvas, b: Building) -> float:
    """Return the brightness of a façade from the direction it faces."""
    ex, ey = b.x1 - b.x0, b.y1 - b.y0
    nx, ny = -ey, ex
    if nx * b.x0 + ny * b.y0 > 0:  # make the normal point back towards the street
        nx, ny = -nx, -ny
    facing = canvas.rotation + math.degrees(math.atan2(nx, ny))
    return 0.9 + 0.1 * math.cos(math.radians(facing - SUN_HEADING))


def draw_building(canvas: Canvas, b: Building) -> None:
    """Draw one façade with its cornice, shop front and window grid."""
    p0, p1 = (b.x0, b.y0), (b.x1, b.y1)
    face = shade(b.color, _sun_factor(canvas, b))
    canvas.wall(p0, p1, 0.0, b.height, face)
    canvas.wall(p0, p1, b.height - 0.6, b.height, shade(face, 0.78))
    length = math.hypot(b.x1 - b.x0, b.y1 - b.y0)
    bays = max(1, int(length // b.bay_m))
    margin = (length - bays * b.bay_m) / 2
    cols = margin + (np.arange(bays) + 0.5) * b.bay_m
    first = 0.8
    if b.storefront:
        first = 4.0
        canvas.wall(p0, p1, 0.0, 3.7, shade(face, 0.86))
        band = SIGN_BANDS[int(length * 10) % len(SIGN_BANDS)]
        canvas.wall(p0, p1, 2.95, 3.6, band)
        half = b.bay_m * 0.42
        _quads(canvas, b, cols - half, cols + half, np.full(bays, 0.3), np.full(bays, 2.75))
    floors = np.arange(first, b.height - 0.8 - b.floor_m * 0.85, b.floor_m)
    if floors.size:
        s_grid, z_grid = np.meshgrid(cols, floors)
        half = b.bay_m * 0.26
        s, z = s_grid.ravel(), z_grid.ravel()
        _quads(canvas, b, s - half, s + half, z + b.floor_m * 0.25, z + b.floor_m * 0.8)


def _quads(
    canvas: Canvas,
    b: Building,
    s0: np.ndarray,
    s1: np.ndarray,
    z0: np.ndarray,
    z1: np.ndarray,
) -> None:
    """Draw façade rectangles given by along-face offsets s and heights z (all vectorised)."""
    length = math.hypot(b.x1 - b.x0, b.y1 - b.y0)
    ux, uy = (b.x1 - b.x0) / length, (b.y1 - b.y0) / length
    s = np.stack([s0, s1, s1, s0], axis=1)
    z = np.stack([z0, z0, z1, z1], axis=1)
    xs, ys = b.x0 + s * ux, b.y0 + s * uy
    headings = canvas.rotation + np.degrees(np.arctan2(xs, ys))
    pitches = np.degrees(np.arctan2(z - EYE_HEIGHT_M, np.hypot(xs, ys)))
    w = canvas.width
    px = w / 2 + (headings - canvas.pano_heading) / 360.0 * w - 0.5
    px = px[:, :1] + (px - px[:, :1] + w / 2) % w - w / 2  # unwrap each quad around its corner
    px = px - np.floor((px[:, :1] + 0.5) / w) * w
    py = canvas.height / 2 - pitches / 180.0 * canvas.height - 0.5
    keep = (np.ptp(px, axis=1) >= MIN_WINDOW_PX) & (np.ptp(py, axis=1) >= MIN_WINDOW_PX)
    for i in np.flatnonzero(keep):
        canvas.polygon(px[i], py[i], GLASS[i % len(GLASS)])


def draw_decoy(canvas: Canvas, layout: StreetLayout, d: Decoy) -> None:
    """Draw a pole that carries no camera: a street light, a traffic signal or a sign."""
    dist = math.hypot(d.x, d.y)
    top = {"street_light": 8.6, "signal": 5.6, "sign": 3.3}[d.kind]
    width = min(span_px(0.2, dist, canvas.width), 0.9 / 360.0 * canvas.width)
    draw_fixture(canvas, layout, d.x, d.y, kind=d.kind, top=top, width=width)


def draw_fixture(
    canvas: Canvas,
    layout: StreetLayout,
    x: float,
    y: float,
    *,
    kind: str,
    top: float,
    width: float,
    color: Color = POLE_GRAY,
) -> None:
    """Draw a vertical pole from the ground to `top` metres, crowned by its kind's fixture."""
    dist = math.hypot(x, y)
    heading = (layout.rotation + math.degrees(math.atan2(x, y))) % 360.0
    base = -math.degrees(math.atan2(EYE_HEIGHT_M, dist))
    canvas.pole(heading, base, math.degrees(math.atan2(top - EYE_HEIGHT_M, dist)), width, color)
    ax, ay = arm_direction(layout, x, y)
    bar = max(2, round(width * 0.7))
    if kind == "street_light":
        end = (x + ax * 2.2, y + ay * 2.2, top + 0.2)
        canvas.segment((x, y, top - 0.3), end, color, bar)
        head = (x + ax * 2.9, y + ay * 2.9, top + 0.15)
        canvas.segment(end, head, (214, 212, 200), max(2, round(width * 1.3)))
    elif kind == "signal":
        end = (x + ax * 1.1, y + ay * 1.1, top - 0.2)
        canvas.segment((x, y, top - 0.2), end, color, bar)
        box = max(3, round(span_px(0.4, dist, canvas.width)))
        canvas.segment(
            (end[0], end[1], top - 1.3), (end[0], end[1], top - 0.2), (200, 164, 44), box
        )
        for z, lamp in ((top - 0.45, (214, 60, 48)), (top - 1.05, (60, 180, 100))):
            canvas.segment((end[0], end[1], z), (end[0], end[1], z + 0.12), lamp, max(2, box // 2))
    elif kind == "sign":
        plate = max(2, round(span_px(0.3, dist, canvas.width)))
        a, b = (x - ay * 0.6, y + ax * 0.6, top), (x + ay * 0.6, y - ax * 0.6, top)
        canvas.segment(a, b, (40, 122, 72), plate)
    else:  # a plain pole: just a cap
        canvas.segment((x, y, top), (x, y, top + 0.08), shade(color, 0.7), max(2, round(width)))
