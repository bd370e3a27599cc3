"""Locate a camera seen from two or more panoramas by crossing bearing rays (§5.3a).

Work happens in a local tangent plane in metres (x east, y north) around a
reference point: at the scale of a few street blocks the plane's distortion is
far below the metres of uncertainty that the click noise causes.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# IUGG mean Earth radius; the spherical model errs by < 0.5 % in distance,
# negligible beside the click-noise uncertainty.
EARTH_RADIUS_M = 6_371_008.8
# Two rays closer than 2° to parallel cross so far away, and so sensitively to
# a 0.5° click error, that the crossing says nothing useful.
MIN_CROSSING_ANGLE_DEG = 2.0
# Inter-user click noise is about 0.3-0.6° per axis (DESIGN §5.3); a ray's
# lateral error therefore grows as range * tan(0.5°) even when rays agree.
BEARING_NOISE_DEG = 0.5
# Smallest/largest eigenvalue of the normal matrix for two equal rays crossing
# at the minimum angle: (1 - cos a) / (1 + cos a). Below it, geometry is too
# close to parallel for any number of rays.
_MIN_CONDITION = (1 - math.cos(math.radians(MIN_CROSSING_ANGLE_DEG))) / (
    1 + math.cos(math.radians(MIN_CROSSING_ANGLE_DEG))
)


@dataclass(frozen=True)
class Ray:
    """A bearing ray from a panorama at local (x, y) metres, clockwise from north."""

    x: float
    y: float
    bearing: float
    weight: float = 1.0
    noise_deg: float = BEARING_NOISE_DEG  # 1-sigma bearing noise of this ray


@dataclass(frozen=True)
class Triangulation:
    """A least-squares crossing: point, residual RMS, 1-sigma radius, ray ranges."""

    x: float
    y: float
    rms_residual_m: float
    uncertainty_m: float
    ranges: tuple[float, ...]


def to_local(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Return (x east, y north) metres of (lat, lon) in the tangent plane at (lat0, lon0)."""
    dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
    x = math.radians(dlon) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    y = math.radians(lat - lat0) * EARTH_RADIUS_M
    return (x, y)


def from_local(lat0: float, lon0: float, x: float, y: float) -> tuple[float, float]:
    """Return the (lat, lon) of local (x, y) metres; the inverse of to_local."""
    lat = lat0 + math.degrees(y / EARTH_RADIUS_M)
    dlon = math.degrees(x / (EARTH_RADIUS_M * math.cos(math.radians(lat0))))
    lon = (lon0 + dlon + 180.0) % 360.0 - 180.0
    return (lat, lon)


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """Return the (lat, lon) reached along a great circle from a start point."""
    phi1 = math.radians(lat)
    theta = math.radians(bearing_deg)
    delta = distance_m / EARTH_RADIUS_M
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    dlam = math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    lon2 = (lon + math.degrees(dlam) + 180.0) % 360.0 - 180.0
    return (math.degrees(phi2), lon2)


def _unit(bearing: float) -> tuple[float, float]:
    b = math.radians(bearing)
    return (math.sin(b), math.cos(b))


def ray_crossing(a: Ray, b: Ray) -> tuple[float, float, float, float] | None:
    """Return (x, y, range_a, range_b) where two rays' lines cross, or None if near-parallel."""
    ax, ay = _unit(a.bearing)
    bx, by = _unit(b.bearing)
    cross = ax * by - ay * bx  # sine of the angle from a to b
    if abs(cross) < math.sin(math.radians(MIN_CROSSING_ANGLE_DEG)):
        return None
    wx, wy = b.x - a.x, b.y - a.y
    # Solve a + ta·da = b + tb·db by crossing both sides with db and with da.
    range_a = (wx * by - wy * bx) / cross
    range_b = (wx * ay - wy * ax) / cross
    return (a.x + range_a * ax, a.y + range_a * ay, range_a, range_b)


def intersect_rays(rays: Sequence[Ray]) -> Triangulation | None:
    """Return the weighted least-squares crossing of >= 2 rays, or None if unusable."""
    if len(rays) < 2 or any(r.weight <= 0 for r in rays):
        return None
    # Centre on the mean origin so large projected coordinates lose no precision.
    cx = sum(r.x for r in rays) / len(rays)
    cy = sum(r.y for r in rays) / len(rays)
    origins = np.array([(r.x - cx, r.y - cy) for r in rays], dtype=np.float64)
    dirs = np.array([_unit(r.bearing) for r in rays], dtype=np.float64)
    w = np.array([r.weight for r in rays], dtype=np.float64)
    # Minimise sum w_i |P_i (p - o_i)|^2 with P_i = I - d_i d_i^T, the
    # projector onto ray i's normal: the normal equations are A p = b.
    proj = np.eye(2)[None, :, :] - dirs[:, :, None] * dirs[:, None, :]
    a_mat = np.einsum("i,ijk->jk", w, proj)
    eig = np.linalg.eigvalsh(a_mat)
    if eig[0] <= _MIN_CONDITION * eig[1]:
        return None
    b_vec = np.einsum("i,ijk,ik->j", w, proj, origins)
    point = np.linalg.solve(a_mat, b_vec)
    offsets = point[None, :] - origins
    ranges = np.einsum("ij,ij->i", offsets, dirs)
    if np.any(ranges <= 0):
        return None  # the camera would be behind a panorama that saw it
    residuals = offsets[:, 0] * dirs[:, 1] - offsets[:, 1] * dirs[:, 0]
    rms = float(np.sqrt(np.sum(w * residuals**2) / np.sum(w)))
    noise = np.array([r.noise_deg for r in rays], dtype=np.float64)
    uncertainty = _uncertainty(a_mat, proj, w, ranges, residuals, noise)
    return Triangulation(
        x=float(point[0]) + cx,
        y=float(point[1]) + cy,
        rms_residual_m=rms,
        uncertainty_m=uncertainty,
        ranges=tuple(float(t) for t in ranges),
    )


def _uncertainty(
    a_mat: FloatArray,
    proj: FloatArray,
    w: FloatArray,
    ranges: FloatArray,
    residuals: FloatArray,
    noise_deg: FloatArray,
) -> float:
    """1-sigma semi-major axis (m) of the crossing's error ellipse."""
    # Each ray's lateral error has variance (range·tan(noise))^2 from click
    # noise -- a floor, so two noiseless rays do not claim 0 m -- plus the
    # scatter the rays actually show (unbiased: n - 2 degrees of freedom).
    # That error moves the solution by A^-1 w_i P_i e_i, giving the sandwich
    # covariance A^-1 (sum w_i^2 var_i P_i) A^-1, which grows along the
    # bisector when the rays cross at a narrow angle.
    n = len(ranges)
    floor = (ranges * np.tan(np.radians(noise_deg))) ** 2
    scatter = float(np.sum(w * residuals**2) / np.sum(w) * n / (n - 2)) if n > 2 else 0.0
    var = floor + scatter
    inv = np.linalg.inv(a_mat)
    meat = np.einsum("i,ijk->jk", w**2 * var, proj)
    cov = inv @ meat @ inv
    return float(math.sqrt(max(np.linalg.eigvalsh(cov)[-1], 0.0)))
