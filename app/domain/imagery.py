"""Street imagery decisions without I/O: search tiles, which panorama a location gets, licences.

Headings follow DESIGN §2: degrees clockwise from true north; a panorama's `heading` is the
compass direction of its image's centre column, as Mapillary's `compass_angle` and
Panoramax's `view:azimuth` are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

_EARTH_M = 6_371_008.8
_M_PER_DEG = 111_320.0
# Mapillary asks for bboxes under 0.01 square degrees; tiles stay far below it so that a
# dense city tile rarely reaches the 2,000-result cap (a full answer is split, see SPLITS).
MAX_BBOX_SQ_DEG = 0.01
TILE_DEG = 0.005
SPLITS = 3  # a tile answered in full is split in four, at most this many times

# Licences whose imagery may be used to derive data for OpenStreetMap (ODbL), by provider.
# Mapillary grants it for all its imagery (CC BY-SA 4.0 with an explicit OSM permission);
# Panoramax instances publish under these licences with ODbL rights for derived data; our own
# equirect images only when they are public domain. Google's terms forbid it whatever it says.
_OSM_LICENCES: dict[str, frozenset[str] | None] = {
    "mapillary": None,  # any
    "panoramax": frozenset({"etalab-2.0", "CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0"}),
    "equirect": frozenset({"CC0-1.0"}),
    "google": frozenset(),
}
LICENCE_URLS = {
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
GOOGLE_TERMS = "LicenseRef-Google-Maps-Terms"
# What a panorama named only by provider and id (a CSV or Amnesty import) rests on.
PROVIDER_LICENCES: dict[str, tuple[str, str]] = {
    "mapillary": ("CC-BY-SA-4.0", "Mapillary, CC BY-SA 4.0"),
    "google": (GOOGLE_TERMS, "Google Street View"),
}
LICENCE_LABELS = {
    "CC-BY-SA-4.0": "CC BY-SA 4.0",
    "CC-BY-4.0": "CC BY 4.0",
    "CC0-1.0": "CC0 1.0",
    "etalab-2.0": "Licence Ouverte 2.0 (etalab)",
}


@dataclass(frozen=True)
class Candidate:
    """One image a provider offers, in our terms."""

    provider: str
    provider_id: str
    lat: float
    lon: float
    heading: float
    captured_at: date | None
    is_pano: bool
    licence: str | None
    attribution: str | None
    creator: str | None
    image_url: str | None = None  # a lasting URL (Panoramax); None when it must be resolved
    page_url: str | None = None
    tiles: dict[str, Any] | None = None


@dataclass(frozen=True)
class BBox:
    """West, south, east, north in degrees."""

    west: float
    south: float
    east: float
    north: float

    @property
    def area(self) -> float:
        """Square degrees."""
        return (self.east - self.west) * (self.north - self.south)

    def param(self) -> str:
        """`W,S,E,N` as the providers' `bbox` parameter wants it."""
        return ",".join(f"{v:.7f}" for v in (self.west, self.south, self.east, self.north))

    def quarters(self) -> list[BBox]:
        """The four quarters, for a tile whose answer was cut at the provider's cap."""
        mx, my = (self.west + self.east) / 2, (self.south + self.north) / 2
        return [
            BBox(self.west, self.south, mx, my),
            BBox(mx, self.south, self.east, my),
            BBox(self.west, my, mx, self.north),
            BBox(mx, my, self.east, self.north),
        ]

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass(frozen=True)
class Point:
    id: int
    lat: float
    lon: float


@dataclass
class Tile:
    """Locations of one grid cell and the box that finds every image within reach of them."""

    key: str
    bbox: BBox
    locations: list[Point] = field(default_factory=list)


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def _margin(lat: float, m: float) -> tuple[float, float]:
    """(degrees of latitude, degrees of longitude) covering m metres at lat."""
    return m / _M_PER_DEG, m / (_M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6))


def location_tiles(
    points: Iterable[Point], *, reach_m: float, cell: float = TILE_DEG
) -> list[Tile]:
    """Locations grouped by grid cell; each box is their extent grown by reach_m."""
    cells: dict[tuple[int, int], list[Point]] = {}
    for p in points:
        cells.setdefault((math.floor(p.lon / cell), math.floor(p.lat / cell)), []).append(p)
    tiles = []
    for (ix, iy), members in sorted(cells.items()):
        south, north = min(p.lat for p in members), max(p.lat for p in members)
        dlat, dlon = _margin(max(abs(south), abs(north)), reach_m)
        box = BBox(
            min(p.lon for p in members) - dlon,
            south - dlat,
            max(p.lon for p in members) + dlon,
            north + dlat,
        )
        tiles.append(Tile(f"{cell}:{ix}:{iy}", box, members))
    return tiles


def area_tiles(bounds: BBox, *, cell: float = TILE_DEG) -> Iterator[Tile]:
    """Grid cells covering a box (an area's extent), west to east, south to north."""
    for iy in range(math.floor(bounds.south / cell), math.floor(bounds.north / cell) + 1):
        for ix in range(math.floor(bounds.west / cell), math.floor(bounds.east / cell) + 1):
            box = BBox(ix * cell, iy * cell, (ix + 1) * cell, (iy + 1) * cell)
            yield Tile(f"{cell}:{ix}:{iy}", box)


def in_window(captured: date | None, since: date | None, until: date | None) -> bool:
    """Whether a capture date lies in [since, until]; an undated image only without a window."""
    if since is None and until is None:
        return True
    if captured is None:
        return False
    return (since is None or captured >= since) and (until is None or captured <= until)


def choose(
    candidates: Iterable[Candidate],
    *,
    lat: float,
    lon: float,
    max_distance_m: float,
    since: date | None = None,
    until: date | None = None,
) -> tuple[Candidate, float] | None:
    """The panorama for a location: within reach and the window, newest day first, then nearest.

    Newest first because cameras come and go and the survey is about today's street; among
    the images of one day (usually one sequence passing by) the nearest sees the corner best.
    """
    best: tuple[tuple[int, float, str], Candidate, float] | None = None
    for c in candidates:
        if not c.is_pano or not in_window(c.captured_at, since, until):
            continue
        d = metres(lat, lon, c.lat, c.lon)
        if d > max_distance_m:
            continue
        day = c.captured_at.toordinal() if c.captured_at else 0
        key = (-day, d, c.provider_id)
        if best is None or key < best[0]:
            best = (key, c, d)
    return (best[1], best[2]) if best else None


def thin(
    candidates: Iterable[Candidate],
    *,
    spacing_m: float,
    taken: Iterable[tuple[float, float]] = (),
    since: date | None = None,
    until: date | None = None,
) -> list[Candidate]:
    """Panoramas at least spacing_m from each other and from `taken` (lat, lon), newest first."""
    kept: list[tuple[float, float]] = list(taken)
    chosen: list[Candidate] = []
    ordered = sorted(
        (c for c in candidates if c.is_pano and in_window(c.captured_at, since, until)),
        key=lambda c: (-(c.captured_at.toordinal() if c.captured_at else 0), c.provider_id),
    )
    for c in ordered:
        if all(metres(c.lat, c.lon, lat, lon) >= spacing_m for lat, lon in kept):
            kept.append((c.lat, c.lon))
            chosen.append(c)
    return chosen


def osm_compatible(provider: str, licence: str | None) -> bool:
    """Whether data derived from this imagery may go to OpenStreetMap."""
    allowed = _OSM_LICENCES.get(provider, frozenset())
    if allowed is None:
        return True
    return licence is not None and licence in allowed


def normalise_licence(value: str | None) -> str | None:
    """An SPDX-like identifier from what providers write ('CC-BY-SA-4.0', 'etalab-2.0' …)."""
    if not value:
        return None
    text = value.strip()
    folded = text.casefold().replace(" ", "-").replace("_", "-")
    for known in LICENCE_URLS:
        if folded == known.casefold():
            return known
    if folded in {"etalab", "lov2", "licence-ouverte-2.0", "etalab-2"}:
        return "etalab-2.0"
    return text[:64]


def attribution(provider_name: str, creator: str | None, licence: str | None) -> str:
    """The credit line an image needs: author, provider, licence."""
    parts = [f"© {creator}" if creator else None, provider_name, LICENCE_LABELS.get(licence or "")]
    return ", ".join(p for p in parts if p)[:300]


def normalise_heading(value: float) -> float:
    """A compass heading in [0, 360)."""
    heading = value % 360.0
    return 0.0 if heading >= 360.0 else heading
