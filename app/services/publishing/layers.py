"""The published layers (cameras, per-task counts, anonymised tags): pages and metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import CampaignNotFound, LayerNotFound
from app.models import Camera, Campaign, ReconcileRun, TaskCount
from app.schemas.publishing import Filters
from app.services.publishing import features
from app.services.publishing.queries import (
    AnySelect,
    area_kinds,
    camera_statement,
    count_statement,
    tag_statement,
)

LAYERS = ("cameras", "counts", "tags")
# Pages above this many features are fetched like whole dumps (see layer_queries: the
# per-row area lookup of counts costs ~50 µs a row, the set-wise one ~100 ms in all).
WHOLE_ABOVE = 2000


@dataclass(frozen=True)
class Layer:
    """One layer of one campaign, ready to page or stream."""

    name: str
    campaign: Campaign
    statement: AnySelect
    to_feature: Callable[[Any], dict[str, Any]]
    csv_header: list[str]


@dataclass(frozen=True)
class Metadata:
    """What every response states about the data it carries."""

    campaign: str
    name: str
    licence: str
    method_version: str | None
    computed_at: datetime | None

    def members(self) -> dict[str, Any]:
        """Foreign members of a FeatureCollection (RFC 7946 §6.1)."""
        return {
            "campaign": self.campaign,
            "name": self.name,
            "licence": self.licence,
            "method_version": self.method_version,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


@dataclass(frozen=True)
class Page:
    features: list[dict[str, Any]]
    matched: int


def published_campaign(session: Session, *, slug: str) -> Campaign:
    """A campaign whose data is public (any status but draft), or NotFound."""
    campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one_or_none()
    if campaign is None or campaign.status == "draft":
        raise CampaignNotFound(f"No campaign '{slug}'.")
    return campaign


def layer(
    session: Session, *, campaign: Campaign, name: str, filters: Filters, whole: bool = False
) -> Layer:
    """The named layer of the campaign with the filters applied; `whole` when dumped entire."""
    if name == "cameras":
        statement = camera_statement(session, campaign=campaign, filters=filters)
        header = features.csv_header(features.CAMERA_PROPERTIES, osm=True)
        return Layer(name, campaign, statement, features.camera_feature, header)
    if name == "counts":
        statement = count_statement(session, campaign=campaign, filters=filters, whole=whole)
        kinds = area_kinds(session, campaign=campaign)
        header = features.csv_header([*features.COUNT_PROPERTIES, *features.area_columns(kinds)])
        return Layer(name, campaign, statement, lambda r: features.count_feature(r, kinds), header)
    if name == "tags":
        statement = tag_statement(session, campaign=campaign, filters=filters)
        header = features.csv_header(features.TAG_PROPERTIES)
        return Layer(name, campaign, statement, features.tag_feature, header)
    raise LayerNotFound(f"No layer '{name}'.")


def metadata(session: Session, *, campaign: Campaign, layer: str) -> Metadata:
    """Campaign, licence, and the method version and time of the latest reconciliation."""
    # The latest finished campaign-wide run dates the dataset (it settles every camera's
    # status and confidence) and is one indexed row. Before any run (data loaded directly),
    # the newest row of the layer's table says it, at the cost of a scan.
    latest = session.execute(
        select(ReconcileRun.method_version, ReconcileRun.finished_at.label("computed_at"))
        .where(ReconcileRun.campaign_id == campaign.id, ReconcileRun.finished_at.is_not(None))
        .order_by(ReconcileRun.finished_at.desc())
        .limit(1)
    ).first()
    if latest is None:
        # Tags are raw votes: they carry the state of the reconciliation that counted them.
        table: Any = Camera if layer == "cameras" else TaskCount
        latest = session.execute(
            select(table.method_version, table.computed_at)
            .where(table.campaign_id == campaign.id)
            .order_by(table.computed_at.desc())
            .limit(1)
        ).first()
    return Metadata(
        campaign=campaign.slug,
        name=campaign.name,
        licence=campaign.licence,
        method_version=latest.method_version if latest else None,
        computed_at=latest.computed_at if latest else None,
    )


def page(session: Session, *, layer: Layer, limit: int, offset: int) -> Page:
    """One page of the layer and how many features match in all."""
    statement = layer.statement
    rows = session.connection().execute(statement.limit(limit).offset(offset)).mappings().all()
    if 0 < len(rows) < limit or (offset == 0 and not rows):
        # A short page is the last one: the total is known without counting.
        return Page(features=[layer.to_feature(row) for row in rows], matched=offset + len(rows))
    matched = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    return Page(features=[layer.to_feature(row) for row in rows], matched=int(matched or 0))


def feature(session: Session, *, layer: Layer, key: Any, fid: int) -> dict[str, Any] | None:
    """The one feature whose id column `key` equals `fid`, or None."""
    row = session.execute(layer.statement.where(key == fid)).mappings().first()
    return layer.to_feature(row) if row is not None else None


def extent(session: Session, *, geom: Any, where: Sequence[Any]) -> list[float] | None:
    """[minlon, minlat, maxlon, maxlat] of the geometries, or None when there are none."""
    box = func.ST_Extent(geom)
    row = session.execute(
        select(
            func.ST_XMin(box).label("west"),
            func.ST_YMin(box).label("south"),
            func.ST_XMax(box).label("east"),
            func.ST_YMax(box).label("north"),
        ).where(*where)
    ).first()
    if row is None or row.west is None:
        return None
    return [round(float(v), features.DECIMALS) for v in (row.west, row.south, row.east, row.north)]
