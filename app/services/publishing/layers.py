"""The published layers (cameras, per-task counts, anonymised tags): pages and metadata."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Text, func, literal, select
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.domain.imagery import LICENCE_URLS
from app.errors import CampaignNotFound, LayerNotFound
from app.models import (
    Camera,
    Campaign,
    Panorama,
    QaSample,
    ReconcileRun,
    ResultVersion,
    Task,
    TaskCount,
)
from app.schemas.publishing import Filters
from app.services.publishing import features, properties
from app.services.publishing.properties import Prop
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
T = TypeVar("T")
_VERSIONS = "result_versions"
# Metadata and area kinds per (campaign, result version): a few hundred bytes each.
_MEMO_ENTRIES = 4096
_memo: dict[Hashable, Any] = {}
_memo_lock = threading.Lock()


@dataclass(frozen=True)
class Layer:
    """One layer of one campaign, ready to page or stream."""

    name: str
    campaign: Campaign
    statement: AnySelect  # the rows, ordered by `key`
    props: tuple[Prop, ...]  # what each feature carries (properties.py)
    key: str  # the column that is the feature's id and the order
    count_statement: AnySelect  # the same rows without the columns only features need
    filters: Filters | None = None  # what selected the rows: names a kept count

    @property
    def csv_header(self) -> list[str]:
        """The columns of the layer's CSV."""
        return properties.csv_header(self.props)


@dataclass(frozen=True)
class Metadata:
    """What every response states about the data it carries."""

    campaign: str
    name: str
    licence: str
    method_version: str | None
    computed_at: datetime | None
    # The imagery the campaign's data rests on: [{"licence", "url", "panoramas"}] and the
    # credit lines its licences ask for.
    imagery_licences: tuple[dict[str, Any], ...] = ()
    imagery_attributions: tuple[str, ...] = ()
    # The crowd measured against experts (DESIGN §5.5): the latest QA sample's stored report,
    # or None with the reason in `quality_unavailable`.
    quality: dict[str, Any] | None = None
    quality_unavailable: str | None = None

    def members(self) -> dict[str, Any]:
        """Foreign members of a FeatureCollection (RFC 7946 §6.1)."""
        return {
            "campaign": self.campaign,
            "name": self.name,
            "licence": self.licence,
            "method_version": self.method_version,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "imagery_licences": list(self.imagery_licences),
            "imagery_attributions": list(self.imagery_attributions),
            "quality": self.quality,
            "quality_unavailable": self.quality_unavailable,
        }


@dataclass(frozen=True)
class Page:
    """A page of features, already encoded: comma-separated Feature objects."""

    features: str
    returned: int
    matched: int


def published_campaign(session: Session, *, slug: str) -> Campaign:
    """A campaign whose data is public (any status but draft), or NotFound.

    Its result version comes in the same round trip and is kept on the session for
    `result_version`.
    """
    version = func.coalesce(ResultVersion.version, 0)
    found = session.execute(
        select(Campaign, version)
        .outerjoin(ResultVersion, ResultVersion.campaign_id == Campaign.id)
        .where(Campaign.slug == slug)
    ).one_or_none()
    if found is None or found[0].status == "draft":
        raise CampaignNotFound(f"No campaign '{slug}'.")
    campaign, number = found
    session.info.setdefault(_VERSIONS, {})[campaign.id] = int(number)
    return campaign


def result_version(session: Session, *, campaign: Campaign) -> int:
    """A token that changes whenever the campaign's published results change (migration 0007)."""
    known: dict[int, int] = session.info.setdefault(_VERSIONS, {})
    if campaign.id not in known:
        value = session.scalar(
            select(ResultVersion.version).where(ResultVersion.campaign_id == campaign.id)
        )
        known[campaign.id] = int(value or 0)
    return known[campaign.id]


def memo(session: Session, campaign: Campaign, what: Hashable, build: Callable[[], T]) -> T:
    """`build()`, kept in this process for as long as the campaign's results do not change."""
    key = (campaign.id, result_version(session, campaign=campaign), what)
    with _memo_lock:
        if key in _memo:
            return cast(T, _memo[key])
    value = build()
    with _memo_lock:
        if len(_memo) >= _MEMO_ENTRIES:
            _memo.clear()
        _memo[key] = value
    return value


def layer(
    session: Session, *, campaign: Campaign, name: str, filters: Filters, whole: bool = False
) -> Layer:
    """The named layer of the campaign with the filters applied; `whole` when dumped entire."""
    if name == "cameras":
        statement = camera_statement(session, campaign=campaign, filters=filters)
        plain = camera_statement(session, campaign=campaign, filters=filters, imagery=False)
        return Layer(name, campaign, statement, properties.CAMERAS, "id", plain, filters)
    if name == "counts":
        statement = count_statement(session, campaign=campaign, filters=filters, whole=whole)
        kinds = memo(
            session, campaign, "area_kinds", lambda: area_kinds(session, campaign=campaign)
        )
        props = properties.counts(kinds)
        return Layer(name, campaign, statement, props, "task_id", statement, filters)
    if name == "tags":
        statement = tag_statement(session, campaign=campaign, filters=filters)
        return Layer(name, campaign, statement, properties.TAGS, "id", statement)
    raise LayerNotFound(f"No layer '{name}'.")


def metadata(session: Session, *, campaign: Campaign, layer: str) -> Metadata:
    """Campaign, licence, and the method version and time of the latest reconciliation."""
    table = "cameras" if layer == "cameras" else "task_counts"
    latest, licences, credits = memo(
        session, campaign, ("metadata", table), lambda: _dating(session, campaign, table)
    )
    report, unavailable = quality_block(session, campaign=campaign)
    return Metadata(
        campaign=campaign.slug,
        name=campaign.name,
        licence=campaign.licence,
        method_version=latest[0],
        computed_at=latest[1],
        imagery_licences=licences,
        imagery_attributions=credits,
        quality=report,
        quality_unavailable=unavailable,
    )


QualityBlock = tuple[dict[str, Any] | None, str | None]


def quality_block(session: Session, *, campaign: Campaign) -> QualityBlock:
    """The latest QA sample's stored quality report, or None and why (kept per result version).

    The report is stored when it is computed (a label saved on a sampled task, a sample
    drawn, the report read: app.services.quality.store_report); a stored report bumps the
    result version (migration 0009), so this never serves an older one.
    """
    return memo(session, campaign, "quality", lambda: _quality(session, campaign))


def _quality(session: Session, campaign: Campaign) -> QualityBlock:
    sample = session.execute(
        select(QaSample.id, QaSample.report)
        .where(QaSample.campaign_id == campaign.id)
        .order_by(QaSample.id.desc())
        .limit(1)
    ).first()
    if sample is None:
        return None, "No QA sample has been drawn: the crowd has not been measured against experts."
    report = sample.report
    if not isinstance(report, dict):
        return None, f"QA sample {sample.id} has no quality report computed yet."
    if not report.get("reviewed_tasks"):
        drawn = report.get("sampled_tasks", 0)
        return None, f"No task of QA sample {sample.id} ({drawn} drawn) has been reviewed yet."
    return report, None


Dating = tuple[tuple[str | None, datetime | None], tuple[dict[str, Any], ...], tuple[str, ...]]


def _dating(session: Session, campaign: Campaign, layer: str) -> Dating:
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
    licences, credits = imagery_sources(session, campaign=campaign)
    dated = (latest.method_version, latest.computed_at) if latest else (None, None)
    return dated, tuple(licences), tuple(credits)


def imagery_sources(
    session: Session, *, campaign: Campaign
) -> tuple[list[dict[str, Any]], list[str]]:
    """The licences (with how many panoramas) and credit lines of the campaign's imagery."""
    licences = session.execute(
        select(Panorama.licence, func.count().label("panoramas"))
        .join(Task, Task.panorama_id == Panorama.id)
        .where(Panorama.campaign_id == campaign.id, Task.is_tutorial.is_(False))
        .group_by(Panorama.licence)
        .order_by(Panorama.licence)
    ).all()
    credits = session.scalars(
        select(Panorama.attribution)
        .join(Task, Task.panorama_id == Panorama.id)
        .where(
            Panorama.campaign_id == campaign.id,
            Task.is_tutorial.is_(False),
            Panorama.attribution.is_not(None),
        )
        .distinct()
        .order_by(Panorama.attribution)
    ).all()
    listed = [
        {"licence": r.licence, "url": LICENCE_URLS.get(r.licence or ""), "panoramas": r.panoramas}
        for r in licences
    ]
    return listed, [c for c in credits if c]


def page_statement(layer: Layer, *, limit: int, offset: int) -> Any:
    """(the page's features comma-joined in order, how many) in one row."""
    rows = layer.statement.limit(limit).offset(offset).subquery("r")
    encoded = select(rows.c[layer.key].label("k"), properties.feature(layer.props, rows, layer.key))
    inner = encoded.subquery("f")
    joined = func.string_agg(cast_(inner.c[1], Text), aggregate_order_by(literal(","), inner.c.k))
    return select(joined, func.count())


def page(session: Session, *, layer: Layer, limit: int, offset: int) -> Page:
    """One page of the layer, encoded by PostgreSQL, and how many features match in all."""
    rows = layer.statement.limit(limit).offset(offset).subquery("r")
    encoded = select(rows.c[layer.key].label("k"), properties.feature(layer.props, rows, layer.key))
    inner = encoded.subquery("f")
    joined = func.string_agg(cast_(inner.c[1], Text), aggregate_order_by(literal(","), inner.c.k))
    found = session.execute(select(joined, func.count())).one()
    text, returned = found[0] or "", int(found[1])
    if 0 < returned < limit or (offset == 0 and not returned):
        # A short page is the last one: the total is known without counting.
        return Page(text, returned, offset + returned)
    counted = select(func.count()).select_from(layer.count_statement.order_by(None).subquery())
    if layer.filters is None:
        # Tags change with every submission, which the result version does not follow.
        return Page(text, returned, int(session.scalar(counted) or 0))
    # Cameras and counts change only with the result version: a filter's count is kept for it
    # (a page of 1,000 cost as much again in counting 25,000 rows).
    what = ("count", layer.name, repr(layer.filters))
    total = memo(session, layer.campaign, what, lambda: int(session.scalar(counted) or 0))
    return Page(text, returned, total)


def feature(session: Session, *, layer: Layer, key: Any, fid: int) -> dict[str, Any] | None:
    """The one feature whose id column `key` equals `fid`, or None."""
    rows = layer.statement.where(key == fid).subquery("r")
    text = session.scalar(select(cast_(properties.feature(layer.props, rows, layer.key), Text)))
    return json.loads(text) if text is not None else None


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
