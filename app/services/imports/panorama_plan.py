"""Decide, in memory, what a panorama import creates, links and merges (DESIGN §4 merge rule).

The rule is imports.merge.task_near's: a new panorama joins the task of the nearest location
within MERGE_RADIUS_M that has one. It is evaluated here on a grid of the campaign's locations,
because asking PostGIS once per row made a 10k-row file take minutes; the plan is then written
with a few COPY statements (import_panoramas).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from app.services.imports.common import Report
from app.services.imports.merge import MERGE_RADIUS_M
from app.services.imports.panorama_rows import PanoramaKey, PanoramaRow

_CELL = 1e-4  # grid cell in degrees (~11 m of latitude)
_EARTH_M = 6_371_008.8  # mean radius; within a few mm of PostGIS's spheroid at 5 m


@dataclass(slots=True, eq=False)
class PlannedLocation:
    """A campaign location as the plan sees it."""

    id: int
    external_id: str
    lat: float
    lon: float
    task_id: int | None
    panorama_id: int | None
    new: bool = False
    linked: bool = False


@dataclass(slots=True)
class PlannedPanorama:
    """A panorama to create, or an existing one to update (None keeps the stored value)."""

    id: int
    provider: str
    pano_id: str | None
    image_url: str | None
    position: tuple[float, float] | None
    captured_at: date | None
    heading: float | None
    task_id: int | None = None
    new: bool = False


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlat, dlon = lat2 - lat1, math.radians(b[1] - a[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


class Grid:
    """Locations bucketed by cell, for 'nearest within r metres' without a database query."""

    def __init__(self, locations: Iterable[PlannedLocation] = ()) -> None:
        self.cells: dict[tuple[int, int], list[PlannedLocation]] = {}
        for loc in locations:
            self.add(loc)

    def add(self, loc: PlannedLocation) -> None:
        key = (math.floor(loc.lat / _CELL), math.floor(loc.lon / _CELL))
        self.cells.setdefault(key, []).append(loc)

    def nearest(
        self, lat: float, lon: float, *, only: Callable[[PlannedLocation], bool]
    ) -> PlannedLocation | None:
        """The nearest location within MERGE_RADIUS_M passing `only` (ties: lowest id)."""
        ny = math.ceil(MERGE_RADIUS_M / (_CELL * 111_320))
        nx = math.ceil(MERGE_RADIUS_M / (_CELL * 111_320 * max(math.cos(math.radians(lat)), 1e-6)))
        cy, cx = math.floor(lat / _CELL), math.floor(lon / _CELL)
        best: tuple[float, int, PlannedLocation] | None = None
        for dy in range(-ny, ny + 1):
            for dx in range(-nx, nx + 1):
                for loc in self.cells.get((cy + dy, cx + dx), ()):
                    d = metres((lat, lon), (loc.lat, loc.lon))
                    if (
                        d <= MERGE_RADIUS_M
                        and only(loc)
                        and (best is None or (d, loc.id) < best[:2])
                    ):
                        best = (d, loc.id, loc)
        return best[2] if best else None


@dataclass
class Plan:
    """Everything the import will write."""

    locations: dict[str, PlannedLocation]
    panoramas: dict[PanoramaKey, PlannedPanorama]
    new_tasks: list[tuple[int, int]] = field(default_factory=list)  # (task id, panorama id)
    touched: list[PlannedPanorama] = field(default_factory=list)  # new or updated panoramas


class Planner:
    """Applies panorama groups in file order, so later rows see tasks made by earlier ones."""

    def __init__(self, plan: Plan, report: Report, next_id: Callable[[str], int]) -> None:
        self.plan, self.report, self.next_id = plan, report, next_id
        self.grid = Grid(plan.locations.values())
        self.panorama_of_task = {
            p.task_id: p.id for p in plan.panoramas.values() if p.task_id is not None
        }
        report.counts.update(locations_created=0, locations_linked=0)

    def group(self, key: PanoramaKey, rows: list[PanoramaRow]) -> None:
        """Create, update or merge the panorama of these rows and link their locations."""
        pairs: dict[int, tuple[PlannedLocation, PanoramaRow]] = {}
        for row in rows:
            loc = self._location(row)
            pairs.setdefault(loc.id, (loc, row))
        locs = [loc for loc, _ in pairs.values()]
        explicit = next((r.pano_position for r in rows if r.pano_position), None)
        found = self.plan.panoramas.get(key)
        if found is not None:
            self.report.updated += 1
            task_id = self._update(found, rows, explicit)
        else:
            nearby = self._nearby_task(locs, explicit or (locs[0].lat, locs[0].lon))
            if nearby is not None:
                self.report.merged += 1
                task_id = nearby
            else:
                self.report.created += 1
                task_id = self._create(key, rows, explicit or (locs[0].lat, locs[0].lon))
        self._attach(list(pairs.values()), task_id)

    def _location(self, row: PanoramaRow) -> PlannedLocation:
        if row.location_id is not None:
            return self.plan.locations[row.location_id]
        assert row.position is not None
        lat, lon = row.position
        near = self.grid.nearest(lat, lon, only=lambda _: True)
        if near is not None:
            return near
        loc = PlannedLocation(
            self.next_id("locations"), f"{lat:.7f},{lon:.7f}", lat, lon, None, None, new=True
        )
        self.plan.locations[loc.external_id] = loc
        self.grid.add(loc)
        self.report.counts["locations_created"] += 1
        return loc

    def _update(
        self,
        panorama: PlannedPanorama,
        rows: list[PanoramaRow],
        explicit: tuple[float, float] | None,
    ) -> int:
        panorama.position = explicit
        panorama.captured_at = next((r.captured_at for r in rows if r.captured_at), None)
        panorama.heading = next((r.heading for r in rows if r.heading is not None), None)
        panorama.image_url = next((r.image_url for r in rows if r.image_url), None)
        self.plan.touched.append(panorama)
        return panorama.task_id if panorama.task_id is not None else self._new_task(panorama)

    def _create(
        self, key: PanoramaKey, rows: list[PanoramaRow], position: tuple[float, float]
    ) -> int:
        first = rows[0]
        panorama = PlannedPanorama(
            self.next_id("panoramas"),
            first.provider,
            first.pano_id,
            next((r.image_url for r in rows if r.image_url), None),
            position,
            next((r.captured_at for r in rows if r.captured_at), None),
            next((r.heading for r in rows if r.heading is not None), None),
            new=True,
        )
        self.plan.panoramas[key] = panorama
        self.plan.touched.append(panorama)
        return self._new_task(panorama)

    def _new_task(self, panorama: PlannedPanorama) -> int:
        panorama.task_id = self.next_id("tasks")
        self.plan.new_tasks.append((panorama.task_id, panorama.id))
        self.panorama_of_task[panorama.task_id] = panorama.id
        return panorama.task_id

    def _nearby_task(
        self, locs: list[PlannedLocation], position: tuple[float, float]
    ) -> int | None:
        own = next((loc.task_id for loc in locs if loc.task_id is not None), None)
        if own is not None:
            return own
        for lat, lon in [*((loc.lat, loc.lon) for loc in locs), position]:
            near = self.grid.nearest(lat, lon, only=lambda loc: loc.task_id is not None)
            if near is not None:
                return near.task_id
        return None

    def _attach(self, pairs: list[tuple[PlannedLocation, PanoramaRow]], task_id: int) -> None:
        for loc, row in pairs:
            if loc.task_id is None:
                loc.task_id, loc.panorama_id = task_id, self.panorama_of_task[task_id]
                loc.linked = True
                self.report.counts["locations_linked"] += 1
            elif loc.task_id != task_id:
                message = f"location '{loc.external_id}' keeps the task it already has"
                self.report.warn(row.row, message)
