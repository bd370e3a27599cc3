"""Street layout of a synthetic demo panorama: a street, an optional cross street, façades.

Geometry is in local metres around the Street View camera's foot: +y runs along the main
street (compass heading `StreetLayout.rotation`), +x to its right; z is height above ground.
Buildings fill the four quadrants {sx·x ≥ X0, sy·y ≥ Y0}; a Y0 of 0 means no cross street.
Everything here is a pure function of the seed, so a scene can be re-rendered without one of
its cameras and stay otherwise identical.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from functools import lru_cache

EYE_HEIGHT_M = 2.5  # Street View's camera height above the road
FAR_M = 160.0  # façades end here; the distant skyline fills the street's vanishing points
DECOY_CLEARANCE_DEG = 15.0  # planned cameras keep this far from camera-less poles

Color = tuple[int, int, int]

# Façade colours (brick, brownstone, limestone, stucco, concrete), all light enough that a
# camera glyph is always clearly darker than the wall behind it.
FACADE_COLORS: tuple[Color, ...] = (
    (172, 96, 74),
    (158, 90, 70),
    (150, 104, 82),
    (200, 176, 142),
    (214, 200, 166),
    (186, 180, 170),
    (160, 160, 158),
    (206, 184, 150),
    (178, 140, 110),
    (196, 206, 210),
)


@dataclass(frozen=True)
class DrawnCamera:
    """A camera drawn into a synthetic panorama: the demo's ground truth."""

    heading: float
    pitch: float
    attachment: str  # "street_furniture" (pole, street light, signal) or "building" (a wall)
    camera_type: str  # "dome_ptz" or "bullet"; the truth is never "unknown"
    distance_m: float  # horizontal distance from the Street View camera
    mount_height_m: float
    base_pitch: float  # where its pole or wall meets the ground


@dataclass(frozen=True)
class Building:
    """One building's street face: base line from (x0, y0) to (x1, y1), facing the street."""

    x0: float
    y0: float
    x1: float
    y1: float
    height: float
    color: Color
    floor_m: float
    bay_m: float
    storefront: bool


@dataclass(frozen=True)
class Decoy:
    """A pole without a camera: a street light, a traffic signal or a street sign."""

    kind: str
    x: float
    y: float


@dataclass(frozen=True)
class StreetLayout:
    """The seeded street scene that cameras are placed in and drawn over."""

    rotation: float
    east: float
    west: float
    north: float
    south: float
    sidewalk: float
    buildings: tuple[Building, ...]
    decoys: tuple[Decoy, ...]
    skyline: tuple[tuple[float, float, float, Color], ...]  # heading from, to, top pitch, colour


def heading_gap(a: float, b: float) -> float:
    """Return the absolute difference in degrees between two headings, in [0, 180]."""
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def local_xy(layout: StreetLayout, heading: float, distance: float) -> tuple[float, float]:
    """Return the local ground position at a compass heading and horizontal distance."""
    a = math.radians(heading - layout.rotation)
    return distance * math.sin(a), distance * math.cos(a)


def local_heading(layout: StreetLayout, x: float, y: float) -> float:
    """Return the compass heading of a local ground position."""
    return (layout.rotation + math.degrees(math.atan2(x, y))) % 360.0


def _corner(layout: StreetLayout, a: float) -> tuple[float, float]:
    """Return the façade offsets (X0, Y0) of the quadrant that local angle a looks into."""
    x0 = layout.east if math.sin(a) >= 0 else layout.west
    y0 = layout.north if math.cos(a) >= 0 else layout.south
    return x0, y0


def _entry(x0: float, y0: float, a: float) -> float:
    """Return the distance at which a ray at local angle a enters {|x| ≥ x0, |y| ≥ y0}."""
    s, c = abs(math.sin(a)), abs(math.cos(a))
    tx = x0 / s if s > 1e-12 else math.inf
    if y0 <= 0.0:
        return tx
    ty = y0 / c if c > 1e-12 else math.inf
    return max(tx, ty)


def facade_hit(layout: StreetLayout, heading: float) -> tuple[float, Building | None]:
    """Return the horizontal distance to the façade seen at a heading and its building."""
    a = math.radians(heading - layout.rotation)
    t = _entry(*_corner(layout, a), a)
    if not math.isfinite(t):
        return math.inf, None
    px, py = t * math.sin(a), t * math.cos(a)
    for b in layout.buildings:
        if _on_segment(b, px, py):
            return t, b
    return math.inf, None


def _on_segment(b: Building, px: float, py: float) -> bool:
    tol = 1e-6
    return (
        min(b.x0, b.x1) - tol <= px <= max(b.x0, b.x1) + tol
        and min(b.y0, b.y1) - tol <= py <= max(b.y0, b.y1) + tol
    )


def curb_distance(layout: StreetLayout, heading: float) -> float:
    """Return the horizontal distance at which a heading's ray reaches the sidewalk."""
    a = math.radians(heading - layout.rotation)
    x0, y0 = _corner(layout, a)
    return _entry(x0 - layout.sidewalk, max(y0 - layout.sidewalk, 0.0), a)


def sidewalk_corners(layout: StreetLayout) -> list[tuple[float, float]]:
    """Return each quadrant's inner sidewalk corner, signed (curb lines meet there)."""
    out = []
    for sx in (1.0, -1.0):
        for sy in (1.0, -1.0):
            x0 = layout.east if sx > 0 else layout.west
            y0 = layout.north if sy > 0 else layout.south
            out.append((sx * (x0 - layout.sidewalk), sy * max(y0 - layout.sidewalk, 0.0)))
    return out


@lru_cache(maxsize=64)
def street_layout(seed: int) -> StreetLayout:
    """Return the street scene of a seed."""
    rng = random.Random(f"decoders-street:{seed}")
    rotation = rng.uniform(0.0, 360.0)
    # The car drives in one lane, so the street's centre line passes beside it.
    road_half = rng.uniform(5.0, 8.0)
    lane_offset = rng.choice((-1.0, 1.0)) * rng.uniform(1.5, min(3.0, road_half - 2.0))
    sidewalk = rng.uniform(3.0, 4.5)
    east = road_half - lane_offset + sidewalk
    west = road_half + lane_offset + sidewalk
    north = south = 0.0
    if rng.random() < 0.75:
        cross_half = rng.uniform(5.0, 8.0)
        shift = rng.uniform(-2.5, 2.5)
        north, south = cross_half + shift + sidewalk, cross_half - shift + sidewalk
    buildings = _buildings(rng, east=east, west=west, north=north, south=south)
    layout = StreetLayout(rotation, east, west, north, south, sidewalk, buildings, (), ())
    return replace(layout, decoys=_decoys(rng, layout), skyline=_skyline(rng))


def _buildings(
    rng: random.Random, *, east: float, west: float, north: float, south: float
) -> tuple[Building, ...]:
    out: list[Building] = []
    for sx in (1.0, -1.0):
        for sy in (1.0, -1.0):
            x0 = east if sx > 0 else west
            y0 = north if sy > 0 else south
            # The face along the main street, then (at a crossing) the one along the cross street.
            out += _face(rng, origin=(sx * x0, 0.0), step=(0.0, sy), start=y0)
            if y0 > 0:
                out += _face(rng, origin=(0.0, sy * y0), step=(sx, 0.0), start=x0)
    return tuple(out)


def _face(
    rng: random.Random,
    *,
    origin: tuple[float, float],
    step: tuple[float, float],
    start: float,
) -> list[Building]:
    """Line one street face, from `start` metres along `step` out to FAR_M, with buildings."""
    out = []
    s = start
    while s < FAR_M:
        width = rng.uniform(8.0, 24.0)
        roll = rng.random()
        if roll < 0.65:
            height = rng.uniform(9.0, 22.0)
        elif roll < 0.93:
            height = rng.uniform(22.0, 40.0)
        else:
            height = rng.uniform(40.0, 75.0)
        end = min(s + width, FAR_M)
        out.append(
            Building(
                origin[0] + step[0] * s,
                origin[1] + step[1] * s,
                origin[0] + step[0] * end,
                origin[1] + step[1] * end,
                height,
                rng.choice(FACADE_COLORS),
                floor_m=rng.uniform(3.0, 3.6),
                bay_m=rng.uniform(2.4, 3.4),
                storefront=rng.random() < 0.7,
            )
        )
        s += width
    return out


def _decoys(rng: random.Random, layout: StreetLayout) -> tuple[Decoy, ...]:
    """Pick two to four camera-less poles on the sidewalks near the curb."""
    candidates: list[Decoy] = []
    for cx, cy in sidewalk_corners(layout):
        sx, sy = math.copysign(1.0, cx), math.copysign(1.0, cy)
        inset = rng.uniform(0.4, 0.8)
        if layout.north > 0:
            candidates.append(Decoy("signal", cx + sx * inset, cy + sy * inset))
        for _ in range(3):
            along = abs(cy) + rng.uniform(4.0, 40.0)
            kind = rng.choice(("street_light", "street_light", "sign"))
            candidates.append(Decoy(kind, cx + sx * inset, sy * along))
    rng.shuffle(candidates)
    chosen: list[Decoy] = []
    want = rng.randint(2, 4)
    for d in candidates:
        h = local_heading(layout, d.x, d.y)
        if 7.0 <= math.hypot(d.x, d.y) <= 45.0 and all(
            heading_gap(h, local_heading(layout, o.x, o.y)) >= 20.0 for o in chosen
        ):
            chosen.append(d)
        if len(chosen) == want:
            break
    return tuple(chosen)


def _skyline(rng: random.Random) -> tuple[tuple[float, float, float, Color], ...]:
    """Distant towers along the horizon, seen down the streets."""
    out = []
    h = 0.0
    while h < 360.0:
        w = rng.uniform(1.5, 6.0)
        shade = rng.randint(150, 178)
        out.append((h, h + w, rng.uniform(0.6, 7.0), (shade - 8, shade, shade + 14)))
        h += w * rng.uniform(0.6, 1.0)
    return tuple(out)


def arm_direction(layout: StreetLayout, x: float, y: float) -> tuple[float, float]:
    """Return the unit ground vector from a pole out over the nearer roadway."""
    x_curb = (layout.east if x >= 0 else layout.west) - layout.sidewalk
    y0 = layout.north if y >= 0 else layout.south
    if y0 <= 0 or abs(abs(x) - x_curb) <= abs(abs(y) - (y0 - layout.sidewalk)):
        return (-math.copysign(1.0, x), 0.0)
    return (0.0, -math.copysign(1.0, y))
