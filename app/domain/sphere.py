"""Directions on the viewing sphere, in Street View's point-of-view convention.

Heading is degrees clockwise from true north in [0, 360); pitch is degrees in
[-90, 90], up positive; zoom 0 shows a 180° horizontal field of view and each
zoom step halves it.
"""

import math
from collections.abc import Sequence


def normalize_heading(h: float) -> float:
    """Return the heading folded into [0, 360)."""
    folded = h % 360.0
    # A tiny negative input folds to exactly 360.0 in floating point.
    return 0.0 if folded >= 360.0 else folded


def field_of_view(zoom: float) -> float:
    """Return the horizontal field of view in degrees at a Street View zoom level."""
    return 180.0 / math.pow(2.0, zoom)


def direction_vector(heading: float, pitch: float) -> tuple[float, float, float]:
    """Return the unit vector (east, north, up) of a heading and pitch."""
    h = math.radians(heading)
    p = math.radians(pitch)
    cos_p = math.cos(p)
    return (cos_p * math.sin(h), cos_p * math.cos(h), math.sin(p))


def angular_distance(h1: float, p1: float, h2: float, p2: float) -> float:
    """Return the great-circle angle in degrees between two directions."""
    # Vincenty's form (atan2 of cross and dot) stays accurate for tiny and
    # near-antipodal angles, where acos of a dot product loses all precision;
    # it depends on the heading difference only, so a common rotation of the
    # headings changes nothing but rounding.
    dh = math.radians(h2 - h1)
    r1 = math.radians(p1)
    r2 = math.radians(p2)
    sin1, cos1 = math.sin(r1), math.cos(r1)
    sin2, cos2 = math.sin(r2), math.cos(r2)
    cross = math.hypot(cos2 * math.sin(dh), cos1 * sin2 - sin1 * cos2 * math.cos(dh))
    dot = sin1 * sin2 + cos1 * cos2 * math.cos(dh)
    return math.degrees(math.atan2(cross, dot))


def _checked_weights(n: int, weights: Sequence[float] | None) -> Sequence[float]:
    if n == 0:
        raise ValueError("at least one value is required")
    if weights is None:
        return [1.0] * n
    if len(weights) != n:
        raise ValueError("weights and values differ in length")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    return weights


def circular_mean(angles: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Return the (weighted) circular mean of angles in degrees, in [0, 360)."""
    ws = _checked_weights(len(angles), weights)
    s = sum(w * math.sin(math.radians(a)) for a, w in zip(angles, ws, strict=True))
    c = sum(w * math.cos(math.radians(a)) for a, w in zip(angles, ws, strict=True))
    if math.hypot(s, c) <= 1e-12 * sum(ws):
        # Opposite angles cancel and the mean is undefined; answer something
        # deterministic rather than the direction of rounding noise.
        return normalize_heading(angles[0])
    return normalize_heading(math.degrees(math.atan2(s, c)))


def mean_direction(
    points: Sequence[tuple[float, float]], weights: Sequence[float] | None = None
) -> tuple[float, float]:
    """Return the (heading, pitch) of the normalised (weighted) vector sum."""
    ws = _checked_weights(len(points), weights)
    east = north = up = 0.0
    for (heading, pitch), w in zip(points, ws, strict=True):
        e, n, u = direction_vector(heading, pitch)
        east += w * e
        north += w * n
        up += w * u
    if math.sqrt(east * east + north * north + up * up) <= 1e-12 * sum(ws):
        # Directions cancel: undefined mean, answer deterministically.
        return (normalize_heading(points[0][0]), points[0][1])
    heading = normalize_heading(math.degrees(math.atan2(east, north)))
    pitch = math.degrees(math.atan2(up, math.hypot(east, north)))
    return (heading, pitch)
