"""The simulator's world: a street grid with true cameras, and decoders who look at it.

Everything is in a local metric plane around (LAT0, LON0) and converted with
app.domain.triangulation, so the truth is exact. Numbers are documented where
they are chosen; they are assumptions about volunteers, not measurements.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from app.domain.sphere import normalize_heading
from app.domain.triangulation import from_local

LAT0, LON0 = 40.7500, -73.9900
EYE_HEIGHT_M = 2.5  # Street View's camera (DESIGN §5.3)
# Decoders make out a camera up to ~50 m away; farther ones are drawn too small.
VISIBLE_M = 50.0
ATTACHMENTS = ("street_furniture", "building", "other")
ATTACHMENT_WEIGHTS = (0.55, 0.35, 0.10)
HEIGHT_M = {"street_furniture": (3.5, 6.5), "building": (2.8, 8.0), "other": (2.5, 4.5)}


@dataclass(frozen=True)
class TrueCamera:
    camera_id: int
    x: float
    y: float
    height: float
    attachment: str
    camera_type: str  # dome_ptz or bullet: the truth is always one of them
    lat: float
    lon: float


@dataclass(frozen=True)
class Spot:
    """A surveyed location: its panorama position and the cameras it shows."""

    index: int
    x: float
    y: float
    lat: float
    lon: float
    tutorial: bool = False
    known: bool = False
    visible: tuple[tuple[TrueCamera, float, float, float], ...] = ()  # (cam, bearing, pitch, range)


@dataclass
class World:
    spots: list[Spot]
    cameras: list[TrueCamera]


@dataclass(frozen=True)
class DecoderProfile:
    """How one simulated volunteer behaves."""

    kind: str  # careful, average, sloppy, spammer
    sensitivity: float  # chance of tagging a visible camera at close range
    false_alarms: float  # mean false tags per panorama
    noise_deg: float  # click noise per axis
    attachment_error: float
    type_error: float
    type_unknown: float  # says "unknown" instead of guessing the type
    duplicate: float  # clicks one camera twice
    base_click: float  # also clicks the base (street furniture and buildings)
    budget: int  # tasks they do before leaving


@dataclass(frozen=True)
class SimConfig:
    seed: int = 1
    columns: int = 8
    rows: int = 6
    spacing_m: float = 80.0
    cameras_per_corner: float = 0.35  # Poisson mean per corner (4 corners per intersection)
    mid_block: float = 0.25  # share of blocks with a camera seen from both ends
    decoders: int = 24
    spammers: int = 2
    votes: int = 3
    known_every: int = 10  # every k-th grid task carries an expert answer
    tutorial_tasks: int = 3


@dataclass
class Truth:
    world: World
    profiles: dict[int, DecoderProfile] = field(default_factory=dict)  # user id -> profile


def _camera(rng: random.Random, cid: int, x: float, y: float, attachment: str) -> TrueCamera:
    low, high = HEIGHT_M[attachment]
    lat, lon = from_local(LAT0, LON0, x, y)
    kind = "dome_ptz" if rng.random() < 0.45 else "bullet"
    return TrueCamera(cid, x, y, rng.uniform(low, high), attachment, kind, lat, lon)


def _view(spot_x: float, spot_y: float, cam: TrueCamera) -> tuple[float, float, float]:
    dx, dy = cam.x - spot_x, cam.y - spot_y
    rng = math.hypot(dx, dy)
    bearing = normalize_heading(math.degrees(math.atan2(dx, dy)))
    pitch = math.degrees(math.atan2(cam.height - EYE_HEIGHT_M, rng))
    return bearing, pitch, rng


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def build_world(config: SimConfig) -> World:
    """Intersections on a jittered grid, cameras on corners and mid-block, tutorial spots."""
    rng = random.Random(config.seed)
    points = [
        (
            i * config.spacing_m + rng.uniform(-3, 3),
            j * config.spacing_m + rng.uniform(-3, 3),
        )
        for j in range(config.rows)
        for i in range(config.columns)
    ]
    cameras: list[TrueCamera] = []
    for x, y in points:
        for corner in range(4):
            for _ in range(_poisson(rng, config.cameras_per_corner)):
                angle = math.radians(45 + 90 * corner + rng.uniform(-35, 35))
                r = rng.uniform(6, 28)
                attachment = rng.choices(ATTACHMENTS, ATTACHMENT_WEIGHTS)[0]
                cx, cy = x + r * math.sin(angle), y + r * math.cos(angle)
                cameras.append(_camera(rng, len(cameras), cx, cy, attachment))
    # Mid-block cameras, 30-50 m from both ends: the ones triangulation can find.
    for j in range(config.rows):
        for i in range(config.columns):
            for di, dj in ((1, 0), (0, 1)):
                if i + di >= config.columns or j + dj >= config.rows:
                    continue
                if rng.random() >= config.mid_block:
                    continue
                a = points[j * config.columns + i]
                b = points[(j + dj) * config.columns + i + di]
                t = rng.uniform(0.4, 0.6)
                side = rng.choice((-1, 1)) * rng.uniform(6, 12)
                # offset perpendicular to the block
                cx = a[0] + t * (b[0] - a[0]) + side * dj
                cy = a[1] + t * (b[1] - a[1]) + side * di
                attachment = rng.choices(ATTACHMENTS[:2], (0.6, 0.4))[0]
                cameras.append(_camera(rng, len(cameras), cx, cy, attachment))
    spots = [
        _spot(k, x, y, cameras, known=(k % config.known_every == 3))
        for k, (x, y) in enumerate(points)
    ]
    # Tutorial spots far from the grid, each with its own cameras.
    for t in range(config.tutorial_tasks):
        x, y = -2000.0 - 400.0 * t, -2000.0
        own = [
            _camera(rng, len(cameras) + n, x + 12 * math.sin(a), y + 12 * math.cos(a), att)
            for n, (a, att) in enumerate(
                ((0.6, "street_furniture"), (2.4, "building"), (4.4, "street_furniture"))
            )
        ]
        cameras.extend(own)
        spots.append(_spot(len(spots), x, y, own, tutorial=True))
    return World(spots=spots, cameras=cameras)


def _spot(
    index: int,
    x: float,
    y: float,
    cameras: list[TrueCamera],
    *,
    known: bool = False,
    tutorial: bool = False,
) -> Spot:
    lat, lon = from_local(LAT0, LON0, x, y)
    visible = []
    for cam in cameras:
        bearing, pitch, rng = _view(x, y, cam)
        if 3.0 <= rng <= VISIBLE_M:
            visible.append((cam, bearing, pitch, rng))
    return Spot(index, x, y, lat, lon, tutorial, known or tutorial, tuple(visible))


def make_profiles(config: SimConfig, rng: random.Random) -> list[DecoderProfile]:
    """A crowd: mostly careful or average volunteers, some sloppy, a few spammers."""
    profiles = []
    for d in range(config.decoders):
        budget = max(5, int(rng.lognormvariate(math.log(25), 0.8)))
        if d < config.spammers:
            profiles.append(
                DecoderProfile("spammer", 0.15, 2.0, 8.0, 0.6, 0.6, 0.2, 0.0, 0.0, budget)
            )
            continue
        kind = rng.choices(("careful", "average", "sloppy"), (0.45, 0.4, 0.15))[0]
        sens, fa, noise = {
            "careful": (0.9, 0.08, 0.4),
            "average": (0.78, 0.2, 0.6),
            "sloppy": (0.6, 0.45, 1.0),
        }[kind]
        profiles.append(DecoderProfile(kind, sens, fa, noise, 0.08, 0.15, 0.15, 0.05, 0.35, budget))
    return profiles
