"""OGC API – Features (Part 1: Core, GeoJSON, OAS 3.0) over the published layers.

Each public campaign offers three collections: `<slug>-cameras` (confirmed cameras),
`<slug>-counts` (per-task counts) and `<slug>-areas` (areas with their density statistics).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import BadParameter, CollectionNotFound, FeatureNotFound, NotFound
from app.models import Area, Camera, Campaign, Panorama, Task, TaskCount
from app.schemas.publishing import BBox, Filters
from app.services.campaigns import list_campaigns
from app.services.publishing import density
from app.services.publishing import layers as publishing
from app.services.publishing.exports import dumps

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
KINDS = ("cameras", "counts", "areas")
_TITLES = {
    "cameras": "confirmed cameras",
    "counts": "cameras counted per location (median of the decoders' counts)",
    "areas": "areas with camera density and coverage",
}


@dataclass(frozen=True)
class Collection:
    campaign: Campaign
    kind: str

    @property
    def id(self) -> str:
        """`<slug>-<kind>`."""
        return f"{self.campaign.slug}-{self.kind}"


def collection(session: Session, *, collection_id: str) -> Collection:
    """The collection with this id, or NotFound."""
    slug, _, kind = collection_id.rpartition("-")
    if kind in KINDS and slug:
        try:
            return Collection(publishing.published_campaign(session, slug=slug), kind)
        except NotFound:
            pass
    raise CollectionNotFound(f"No collection '{collection_id}'.")


def collections(session: Session) -> list[Collection]:
    """Every collection of every public campaign."""
    return [Collection(c, kind) for c in list_campaigns(session) for kind in KINDS]


def _interval(session: Session, column: Any, where: list[Any]) -> list[str | None] | None:
    row = session.execute(
        select(func.min(column).label("first"), func.max(column).label("last")).where(*where)
    ).first()
    if row is None or row.first is None:
        return None
    return [_rfc3339(row.first), _rfc3339(row.last)]


def _rfc3339(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def describe(session: Session, *, found: Collection) -> dict[str, Any]:
    """id, title, description, extent, itemType and crs of a collection (links are added later)."""
    campaign, kind = found.campaign, found.kind
    temporal = None
    if kind == "cameras":
        where = [Camera.campaign_id == campaign.id, Camera.status == "confirmed"]
        bbox = publishing.extent(session, geom=Camera.geom, where=where)
        temporal = _interval(session, Camera.computed_at, where)
    elif kind == "counts":
        where = [
            TaskCount.campaign_id == campaign.id,
            Task.id == TaskCount.task_id,
            Panorama.id == Task.panorama_id,
        ]
        bbox = publishing.extent(session, geom=Panorama.geom, where=where)
        temporal = _interval(session, Panorama.captured_at, where)
    else:
        bbox = publishing.extent(session, geom=Area.geom, where=[Area.campaign_id == campaign.id])
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    if temporal:
        extent["temporal"] = {"interval": [temporal], "trs": GREGORIAN}
    licences, credits = publishing.imagery_sources(session, campaign=campaign)
    report, unavailable = publishing.quality_block(session, campaign=campaign)
    return {
        "id": found.id,
        "title": f"{campaign.name}: {_TITLES[kind]}",
        "description": campaign.description or campaign.name,
        "extent": extent,
        "itemType": "feature",
        "crs": [CRS84],
        # What the data rests on: the imagery's licences and the credit lines they ask for.
        "imagery_licences": licences,
        "imagery_attributions": credits,
        # The crowd measured against experts (DESIGN §5.5), or None and why.
        "quality": report,
        "quality_unavailable": unavailable,
    }


def parse_datetime(text: str) -> tuple[datetime | date | None, datetime | date | None]:
    """An RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) as (since, until)."""

    def one(part: str) -> datetime | date | None:
        if part in {"", ".."}:
            return None
        try:
            if "T" in part.upper():
                return datetime.fromisoformat(part.upper().replace("Z", "+00:00"))
            return date.fromisoformat(part)
        except ValueError:
            raise BadParameter(f"Not an RFC 3339 date or time: {part!r}.") from None

    if "/" not in text:
        instant = one(text)
        if instant is None:
            raise BadParameter("datetime must name an instant or an interval.")
        return instant, instant
    start, end = (one(part) for part in text.split("/", 1))
    return start, end


def _for_timestamps(
    since: datetime | date | None, until: datetime | date | None
) -> tuple[datetime | None, datetime | None]:
    # A day bound on a timestamp means that whole day (UTC); a naive time is taken as UTC.
    def bound(value: datetime | date | None, end: bool) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.max if end else time.min)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return bound(since, False), bound(until, True)


def _filters(kind: str, filters: Filters) -> Filters:
    # Cameras: the confirmed ones, dated by a timestamp; counts take the filters as they are.
    if kind != "cameras":
        return filters
    since, until = _for_timestamps(filters.since, filters.until)
    return Filters(bbox=filters.bbox, status="confirmed", since=since, until=until)


def _layer(session: Session, found: Collection) -> publishing.Layer:
    filters = _filters(found.kind, Filters())
    return publishing.layer(session, campaign=found.campaign, name=found.kind, filters=filters)


def items(
    session: Session, *, collection_id: str, filters: Filters, limit: int, offset: int
) -> tuple[Collection, publishing.Page]:
    """The collection with this id (or NotFound) and a page of its features."""
    slug, _, kind = collection_id.rpartition("-")
    if kind in ("cameras", "counts") and slug:
        # One statement for the page and the campaign (layers.published_page).
        try:
            found = publishing.published_page(
                session, slug=slug, name=kind, filters=_filters(kind, filters), limit=limit,
                offset=offset, whole=limit > publishing.WHOLE_ABOVE,
            )  # fmt: skip
        except NotFound:
            raise CollectionNotFound(f"No collection '{collection_id}'.") from None
        return Collection(found.campaign, kind), found.page
    areas = collection(session, collection_id=collection_id)
    campaign, bbox = areas.campaign, filters.bbox
    features = density.areas(
        session, campaign=campaign, bbox=bbox, limit=limit, offset=offset, tolerance=0.0
    )
    matched = density.count_areas(session, campaign=campaign, bbox=bbox)
    encoded = ",".join(map(dumps, features)).encode()
    return areas, publishing.Page(encoded, len(features), matched)


def item(session: Session, *, found: Collection, feature_id: str) -> dict[str, Any]:
    """One feature of the collection, or NotFound."""
    feature = None
    if feature_id.isascii() and feature_id.isdigit() and int(feature_id) < 2**63:
        fid = int(feature_id)
        if found.kind == "areas":
            hits = density.areas(session, campaign=found.campaign, area_id=fid, tolerance=0.0)
            feature = hits[0] if hits else None
        else:
            key = Camera.id if found.kind == "cameras" else TaskCount.task_id
            layer = _layer(session, found)
            feature = publishing.feature(session, layer=layer, key=key, fid=fid)
    if feature is None:
        raise FeatureNotFound(f"No feature '{feature_id}' in {found.id}.")
    return feature


def parse_bbox(text: str) -> BBox:
    """The bbox parameter, or BadParameter."""
    try:
        return BBox.parse(text)
    except ValueError as exc:
        raise BadParameter(str(exc)) from None
