"""Wrap-aware drawing of local street geometry into an equirectangular image.

Pillow coordinates put pixel centres on integers, while `projection` measures pixel edges,
hence the half-pixel shift in `Canvas.to_px`. Shapes are unwrapped along their outline and
drawn again one image width to the left or right when they cross the 0/360 seam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from app.demo.imagery.scene import EYE_HEIGHT_M, Color

FloatArray = npt.NDArray[np.float64]
Point3 = tuple[float, float, float]

MAX_EDGE_STEP_DEG = 1.0  # straight 3D edges are curves in the panorama; sample them this finely


class Canvas:
    """An equirectangular image seen from the camera at the local origin, EYE_HEIGHT_M up."""

    def __init__(self, image: Image.Image, *, rotation: float, pano_heading: float) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.width, self.height = image.size
        self.rotation = rotation
        self.pano_heading = pano_heading

    def dir_px(self, headings: FloatArray, pitches: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return Pillow x, y of compass directions, unwrapped along the sequence."""
        h = np.unwrap(np.asarray(headings, dtype=np.float64), period=360.0)
        x = self.width / 2 + (h - self.pano_heading) / 360.0 * self.width - 0.5
        x = x - math.floor((x[0] + 0.5) / self.width) * self.width
        y = self.height / 2 - np.asarray(pitches, dtype=np.float64) / 180.0 * self.height - 0.5
        return x, y

    def to_px(
        self, xs: FloatArray, ys: FloatArray, zs: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Return Pillow x, y of local points (metres), unwrapped along the sequence."""
        headings = self.rotation + np.degrees(np.arctan2(xs, ys))
        pitches = np.degrees(np.arctan2(zs - EYE_HEIGHT_M, np.hypot(xs, ys)))
        return self.dir_px(headings, pitches)

    def offsets(self, xs: FloatArray) -> list[float]:
        """Return the horizontal shifts at which a shape must be drawn to cover the seam."""
        out = [0.0]
        if float(xs.min()) < 0.5:
            out.append(float(self.width))
        if float(xs.max()) > self.width - 1.5:
            out.append(-float(self.width))
        return out

    def polygon(self, xs: FloatArray, ys: FloatArray, fill: Color) -> None:
        """Fill a polygon given in unwrapped Pillow coordinates."""
        for off in self.offsets(xs):
            self.draw.polygon(list(zip((xs + off).tolist(), ys.tolist(), strict=True)), fill=fill)

    def polyline(self, xs: FloatArray, ys: FloatArray, fill: Color, width: int) -> None:
        """Draw a thick line through unwrapped Pillow coordinates."""
        for off in self.offsets(xs):
            pts = list(zip((xs + off).tolist(), ys.tolist(), strict=True))
            self.draw.line(pts, fill=fill, width=max(1, width), joint="curve")

    def wall(
        self,
        p0: tuple[float, float],
        p1: tuple[float, float],
        z0: float,
        z1: float,
        fill: Color,
    ) -> None:
        """Fill the vertical rectangle standing on ground segment p0-p1 between heights z0, z1."""
        gx, gy = edge_points(p0, p1)
        xs = np.concatenate([gx, gx[::-1]])
        ys = np.concatenate([gy, gy[::-1]])
        zs = np.concatenate([np.full(gx.size, z1), np.full(gx.size, z0)])
        self.polygon(*self.to_px(xs, ys, zs), fill=fill)

    def ground(self, corners: Sequence[tuple[float, float]], fill: Color, z: float = 0.0) -> None:
        """Fill a flat polygon at height z (a sidewalk, a crosswalk stripe)."""
        parts = [
            edge_points(a, b) for a, b in zip(corners, [*corners[1:], corners[0]], strict=True)
        ]
        xs = np.concatenate([p[0] for p in parts])
        ys = np.concatenate([p[1] for p in parts])
        self.polygon(*self.to_px(xs, ys, np.full(xs.size, z)), fill=fill)

    def segment(self, a: Point3, b: Point3, fill: Color, width: int) -> None:
        """Draw a straight 3D bar (an arm of a street light) as a thick line."""
        t = np.linspace(0.0, 1.0, 8)
        xs, ys, zs = (a[i] + (b[i] - a[i]) * t for i in range(3))
        self.polyline(*self.to_px(xs, ys, zs), fill=fill, width=width)

    def pole(self, heading: float, pitch0: float, pitch1: float, width: float, fill: Color) -> None:
        """Draw a vertical pole (a column at one heading) between two pitches, lit on one side."""
        x, y = self.dir_px(np.array([heading, heading]), np.array([pitch0, pitch1]))
        left, right = x[0] - width / 2 + 0.5, x[0] + width / 2 - 0.5
        xs = np.array([left, right, right, left])
        ys = np.array([y[0], y[0], y[1], y[1]])
        self.polygon(xs, ys, fill)
        if width >= 4.0:
            h0, h1 = left + width * 0.2, left + width * 0.45
            self.polygon(np.array([h0, h1, h1, h0]), ys, shade(fill, 1.35))


def edge_points(p0: tuple[float, float], p1: tuple[float, float]) -> tuple[FloatArray, FloatArray]:
    """Return points along a ground segment, evenly spaced in heading as seen from the origin."""
    a0, a1 = math.atan2(p0[0], p0[1]), math.atan2(p1[0], p1[1])
    da = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
    n = int(min(181, max(2, math.ceil(abs(math.degrees(da)) / MAX_EDGE_STEP_DEG) + 1)))
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    phi = a0 + da * np.linspace(0.0, 1.0, n)
    ux, uy = np.sin(phi), np.cos(phi)
    denom = dx * uy - dy * ux
    if abs(da) < 1e-9 or np.any(np.abs(denom) < 1e-12):
        t = np.linspace(0.0, 1.0, n)  # a radial edge: evenly in heading means nothing here
    else:
        # Where the ray at phi meets the segment: p0 + t·d = s·u, solved with 2D cross products.
        t = np.clip(-(p0[0] * uy - p0[1] * ux) / denom, 0.0, 1.0)
    return p0[0] + t * dx, p0[1] + t * dy


def shade(color: Color, factor: float) -> Color:
    """Return a colour scaled by a brightness factor."""
    r, g, b = (min(255, max(0, round(c * factor))) for c in color)
    return (r, g, b)


def background(width: int, height: int) -> Image.Image:
    """Return sky above the horizon and asphalt below it, both as smooth gradients."""
    pitch = 90.0 - (np.arange(height, dtype=np.float64) + 0.5) / height * 180.0
    up = np.clip(pitch / 90.0, 0.0, 1.0)[:, None] ** 0.55
    down = np.clip(-pitch / 90.0, 0.0, 1.0)[:, None] ** 0.35
    horizon_sky, zenith = np.array([206.0, 224.0, 240.0]), np.array([74.0, 128.0, 204.0])
    horizon_road, nadir = np.array([132.0, 132.0, 134.0]), np.array([84.0, 85.0, 88.0])
    sky = horizon_sky * (1 - up) + zenith * up
    road = horizon_road * (1 - down) + nadir * down
    column = np.where((pitch > 0)[:, None], sky, road).astype(np.uint8)
    rows = np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3)))
    return Image.fromarray(rows)


def span_px(size_m: float, distance_m: float, width: int) -> float:
    """Return how many pixels across an object of size_m looks at distance_m."""
    return math.degrees(2 * math.atan2(size_m / 2, max(distance_m, 0.1))) / 360.0 * width
