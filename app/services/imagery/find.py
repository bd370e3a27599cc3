"""From a campaign's locations, or one of its areas, to panoramas and tasks, tile by tile.

A run is a list of tiles (plan_find); each tile is searched at the provider (search_tile, HTTP
only) and then written in one transaction (record_tile), which also records what was searched
in `imagery_searches`. A run stopped half-way resumes where it stopped: searched locations and
tiles are left out of the next plan. A tile is written whole or not at all, so a malformed
answer stops the run with nothing half-imported. Panoramas stay unique per campaign on
(provider, provider id), and a new one within 5 m of a location with a task joins that task
(the merge rule of the panorama import, DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from geoalchemy2.shape import from_shape, to_shape
from shapely import prepared
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import box
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.imagery import (
    BBox,
    Candidate,
    Point,
    Tile,
    area_tiles,
    choose,
    location_tiles,
    osm_compatible,
    thin,
)
from app.errors import AreaNotFound, InvalidDate
from app.models import Area, Campaign, ImagerySearch, Location, Panorama, Task
from app.services.imagery.providers import Provider, search_box
from app.services.imports import task_near


@dataclass(frozen=True)
class FindOptions:
    """What to look for: the provider, how far from a location, which capture dates."""

    provider: str
    max_distance_m: float = 15.0
    since: date | None = None
    until: date | None = None
    area: str | None = None  # search this area's extent instead of the locations
    spacing_m: float = 20.0  # in an area: panoramas at least this far apart


@dataclass
class TileResult:
    """What one tile gave."""

    key: str
    locations: int = 0
    with_imagery: int = 0
    panoramas_created: int = 0
    tasks_created: int = 0
    merged: int = 0
    without_imagery: list[str] = field(default_factory=list)


@dataclass
class FindStatus:
    """Where a campaign stands with one provider."""

    provider: str
    locations: int
    searched: int
    with_imagery: int
    without_imagery_count: int
    without_imagery: list[str]  # their external ids, the first 1,000
    remaining: int


def plan_find(session: Session, *, campaign: Campaign, options: FindOptions) -> list[Tile]:
    """The tiles still to search: locations without a task and not yet searched, or an area."""
    if options.area is not None:
        return _area_plan(session, campaign, options)
    searched = select(ImagerySearch.location_id).where(
        ImagerySearch.campaign_id == campaign.id, ImagerySearch.provider == options.provider
    )
    rows = session.execute(
        select(
            Location.id,
            func.ST_Y(Location.geom).label("lat"),
            func.ST_X(Location.geom).label("lon"),
        )
        .where(
            Location.campaign_id == campaign.id,
            Location.task_id.is_(None),
            Location.id.not_in(searched.where(ImagerySearch.location_id.is_not(None))),
        )
        .order_by(Location.id)
    ).mappings()
    points = [Point(r["id"], r["lat"], r["lon"]) for r in rows]
    return location_tiles(points, reach_m=options.max_distance_m)


def _area_plan(session: Session, campaign: Campaign, options: FindOptions) -> list[Tile]:
    area = _area(session, campaign, options.area or "")
    outline = to_shape(area.geom)
    shape = prepared.prep(outline)
    done = set(
        session.scalars(
            select(ImagerySearch.tile).where(
                ImagerySearch.campaign_id == campaign.id,
                ImagerySearch.provider == options.provider,
                ImagerySearch.tile.is_not(None),
            )
        )
    )
    tiles = []
    for tile in area_tiles(BBox(*outline.bounds)):
        tile.key = f"area:{area.id}:{tile.key}"
        b = tile.bbox
        if tile.key not in done and shape.intersects(box(b.west, b.south, b.east, b.north)):
            tiles.append(tile)
    return tiles


def _area(session: Session, campaign: Campaign, name: str) -> Area:
    """The campaign's area named or numbered `name`, or NotFound."""
    numeric = name.isascii() and name.isdigit() and int(name) < 2**63
    match = Area.id == int(name) if numeric else Area.name == name
    found = session.scalars(
        select(Area).where(Area.campaign_id == campaign.id, match).order_by(Area.id).limit(1)
    ).first()
    if found is None:
        raise AreaNotFound(f"No area '{name}' in this campaign.")
    return found


def search_tile(provider: Provider, tile: Tile, options: FindOptions) -> list[Candidate]:
    """The provider's images in the tile (HTTP only: call it outside a long transaction)."""
    return search_box(provider, tile.bbox, since=options.since, until=options.until)


def record_tile(
    session: Session,
    *,
    campaign: Campaign,
    tile: Tile,
    candidates: list[Candidate],
    options: FindOptions,
) -> TileResult:
    """Write one searched tile: panoramas, tasks, linked locations, and the search records."""
    if options.area is not None:
        return _record_area_tile(session, campaign, tile, candidates, options)
    result = TileResult(tile.key, locations=len(tile.locations))
    known = _known_panoramas(session, campaign.id, options.provider, candidates)
    for point in tile.locations:
        location = session.get(Location, point.id)
        if location is None or location.task_id is not None:
            continue  # deleted, or given a task by an import meanwhile
        picked = choose(
            candidates,
            lat=point.lat,
            lon=point.lon,
            max_distance_m=options.max_distance_m,
            since=options.since,
            until=options.until,
        )
        panorama_id = None
        if picked is None:
            result.without_imagery.append(location.external_id)
        else:
            panorama_id = _link(session, campaign, location, picked[0], known, result)
            result.with_imagery += 1
        session.add(
            ImagerySearch(
                campaign_id=campaign.id,
                provider=options.provider,
                location_id=location.id,
                panorama_id=panorama_id,
                found=len(candidates),
            )
        )
    session.flush()
    return result


def _known_panoramas(
    session: Session, campaign_id: int, provider: str, candidates: list[Candidate]
) -> dict[str, tuple[int, int | None]]:
    """provider id → (panorama id, task id) of the candidates the campaign already has."""
    ids = [c.provider_id for c in candidates]
    if not ids:
        return {}
    rows = session.execute(
        select(Panorama.provider_id, Panorama.id, Task.id.label("task_id"))
        .outerjoin(Task, Task.panorama_id == Panorama.id)
        .where(
            Panorama.campaign_id == campaign_id,
            Panorama.provider == provider,
            Panorama.provider_id.in_(ids),
        )
    ).mappings()
    return {str(r["provider_id"]): (int(r["id"]), r["task_id"]) for r in rows}


def _link(
    session: Session,
    campaign: Campaign,
    location: Location,
    chosen: Candidate,
    known: dict[str, tuple[int, int | None]],
    result: TileResult,
) -> int:
    """Give the location the task of its panorama (creating both if new); the panorama id."""
    found = known.get(chosen.provider_id)
    if found is None:
        lon, lat = _lon_lat(location)
        nearby = task_near(session, campaign_id=campaign.id, lon=lon, lat=lat)
        if nearby is not None:
            task = session.get_one(Task, nearby)
            found = (task.panorama_id, task.id)
            result.merged += 1
        else:
            panorama = new_panorama(campaign.id, chosen)
            session.add(panorama)
            session.flush()
            result.panoramas_created += 1
            found = (panorama.id, None)
        known[chosen.provider_id] = found
    panorama_id, task_id = found
    if task_id is None:
        task = Task(campaign_id=campaign.id, panorama_id=panorama_id)
        session.add(task)
        session.flush()
        task_id = task.id
        result.tasks_created += 1
        known[chosen.provider_id] = (panorama_id, task_id)
    location.panorama_id, location.task_id = panorama_id, task_id
    session.flush()
    return panorama_id


def _lon_lat(location: Location) -> tuple[float, float]:
    point = to_shape(location.geom)
    return float(point.x), float(point.y)


def new_panorama(campaign_id: int, c: Candidate) -> Panorama:
    """A panorama row from a provider's image, with its licence and credit."""
    return Panorama(
        campaign_id=campaign_id,
        provider=c.provider,
        provider_id=c.provider_id,
        image_url=c.image_url,
        geom=from_shape(ShapelyPoint(c.lon, c.lat), srid=4326),
        captured_at=c.captured_at,
        heading=c.heading,
        licence=c.licence,
        attribution=c.attribution,
        creator=c.creator,
        page_url=c.page_url,
        osm_compatible=osm_compatible(c.provider, c.licence),
        image_tiles=c.tiles,
    )


def _record_area_tile(
    session: Session,
    campaign: Campaign,
    tile: Tile,
    candidates: list[Candidate],
    options: FindOptions,
) -> TileResult:
    result = TileResult(tile.key)
    area = _area(session, campaign, options.area or "")
    shape = prepared.prep(to_shape(area.geom))
    inside = [
        c
        for c in candidates
        if tile.bbox.contains(c.lat, c.lon) and shape.contains(ShapelyPoint(c.lon, c.lat))
    ]
    known = _known_panoramas(session, campaign.id, options.provider, inside)
    fresh = [c for c in inside if c.provider_id not in known]
    taken = _positions_near(session, campaign.id, tile.bbox, options.spacing_m)
    for c in thin(
        fresh, spacing_m=options.spacing_m, taken=taken, since=options.since, until=options.until
    ):
        panorama = new_panorama(campaign.id, c)
        session.add(panorama)
        session.flush()
        task = Task(campaign_id=campaign.id, panorama_id=panorama.id)
        session.add(task)
        session.flush()
        session.add(
            Location(
                campaign_id=campaign.id,
                external_id=f"{c.provider}:{c.provider_id}"[:128],
                geom=from_shape(ShapelyPoint(c.lon, c.lat), srid=4326),
                panorama_id=panorama.id,
                task_id=task.id,
                properties={"source": f"imagery find --area {options.area}"},
            )
        )
        result.panoramas_created += 1
        result.tasks_created += 1
    session.add(
        ImagerySearch(
            campaign_id=campaign.id,
            provider=options.provider,
            tile=tile.key,
            found=result.panoramas_created,
        )
    )
    session.flush()
    return result


def _positions_near(
    session: Session, campaign_id: int, box: BBox, spacing_m: float
) -> list[tuple[float, float]]:
    """(lat, lon) of the campaign's panoramas within spacing_m of the box."""
    pad = spacing_m / 111_320.0 * 2  # generous in longitude below 60° latitude
    rows = session.execute(
        text(
            "SELECT ST_Y(geom) AS lat, ST_X(geom) AS lon FROM panoramas "
            "WHERE campaign_id = :c AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
        ),
        {
            "c": campaign_id,
            "w": box.west - pad,
            "s": box.south - pad,
            "e": box.east + pad,
            "n": box.north + pad,
        },
    ).mappings()
    return [(float(r["lat"]), float(r["lon"])) for r in rows]


def find_status(session: Session, *, campaign: Campaign, provider: str) -> FindStatus:
    """How many locations were searched at the provider, which have no imagery, what is left."""
    row = (
        session.execute(
            text(
                "SELECT count(*) AS locations, "
                "count(s.id) AS searched, "
                "count(s.id) FILTER (WHERE s.panorama_id IS NOT NULL) AS with_imagery, "
                "count(*) FILTER (WHERE s.id IS NOT NULL AND s.panorama_id IS NULL "
                "AND l.task_id IS NULL) AS without_imagery, "
                "count(*) FILTER (WHERE s.id IS NULL AND l.task_id IS NULL) AS remaining "
                "FROM locations l LEFT JOIN imagery_searches s ON s.location_id = l.id "
                "AND s.provider = :p WHERE l.campaign_id = :c"
            ),
            {"c": campaign.id, "p": provider},
        )
        .mappings()
        .one()
    )
    missing = session.scalars(
        select(Location.external_id)
        .join(ImagerySearch, ImagerySearch.location_id == Location.id)
        .where(
            Location.campaign_id == campaign.id,
            ImagerySearch.provider == provider,
            ImagerySearch.panorama_id.is_(None),
            Location.task_id.is_(None),
        )
        .order_by(Location.external_id)
        .limit(1000)
    ).all()
    return FindStatus(
        provider=provider,
        locations=int(row["locations"]),
        searched=int(row["searched"]),
        with_imagery=int(row["with_imagery"]),
        without_imagery_count=int(row["without_imagery"]),
        without_imagery=list(missing),
        remaining=int(row["remaining"]),
    )


def date_bound(value: str | None, *, end: bool = False) -> date | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first day, or with `end` the last day, it names."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 4:
            return date(int(text), 12, 31) if end else date(int(text), 1, 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            first = date(year, month, 1)
            if not end:
                return first
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD).") from None


@dataclass
class Batch:
    """What one batch of tiles did, and what is left."""

    tiles_done: int
    tiles_remaining: int
    results: list[TileResult]


def find_batch(
    session: Session,
    *,
    campaign: Campaign,
    provider: Provider,
    options: FindOptions,
    max_tiles: int,
) -> Batch:
    """Search and record up to max_tiles tiles in this transaction (the coordinator page's step)."""
    tiles = plan_find(session, campaign=campaign, options=options)
    results = []
    for tile in tiles[:max_tiles]:
        candidates = search_tile(provider, tile, options)
        results.append(
            record_tile(
                session, campaign=campaign, tile=tile, candidates=candidates, options=options
            )
        )
    return Batch(len(results), max(0, len(tiles) - max_tiles), results)
