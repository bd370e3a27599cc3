"""The published layers (cameras, per-task counts, anonymised tags): pages and metadata."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

import psycopg2.extensions
from sqlalchemy import Connection, Engine, Integer, Text, bindparam, event, func, literal, select
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine.interfaces import ExecutionContext
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
# Both caches evict the least recently used entry: a client sending ever new filters (a bbox
# per request) pushes out only entries nobody reads, not every campaign's at once.
_MEMO_ENTRIES = 4096
_memo: OrderedDict[Hashable, Any] = OrderedDict()
_memo_lock = threading.Lock()
# Compiled pages per (slug, layer, filters, whole): a few kilobytes of SQL each.
_PLAN_ENTRIES = 512
_plans: OrderedDict[Hashable, Plan] = OrderedDict()
# An execution option: text columns come back as the bytes PostgreSQL sent (UTF-8), not str.
TEXT_AS_BYTES = "decoders_text_as_bytes"
_LIMIT, _OFFSET = "page_limit", "page_offset"


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
    """A page of features, already encoded: comma-separated Feature objects (UTF-8)."""

    features: bytes
    returned: int
    matched: int


@dataclass(frozen=True)
class Plan:
    """A layer's page compiled once per campaign result version, checked as it runs.

    `sql` returns the page (features, how many) beside the campaign's slug, status, name,
    licence and result version, read in the same statement: a request whose plan is known
    costs that one statement, and the plan stands only while those still say what it was
    built for. Its only parameters are the page's limit and offset.
    """

    campaign_id: int
    layer: str
    filters: Filters | None  # as the layer's: names a kept count (None: always counted)
    version: int
    sql: str
    count_sql: str


@dataclass(frozen=True)
class Published:
    """A page of a published layer and the campaign it belongs to, as the page read it."""

    campaign: Campaign  # transient: id, slug, name, licence and status as of the page
    page: Page


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
    return _remember((campaign.id, result_version(session, campaign=campaign), what), build)


def _remember(key: Hashable, build: Callable[[], T]) -> T:
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return cast(T, _memo[key])
    value = build()
    with _memo_lock:
        _memo[key] = value
        if len(_memo) > _MEMO_ENTRIES:
            _memo.popitem(last=False)
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
    # The newest sample experts have reviewed: drawing a new one does not withdraw the last
    # measured figures while its tasks wait for review (the block names its sample).
    samples = session.execute(
        select(QaSample.id, QaSample.report)
        .where(QaSample.campaign_id == campaign.id)
        .order_by(QaSample.id.desc())
    ).all()
    if not samples:
        return None, "No QA sample has been drawn: the crowd has not been measured against experts."
    for sample in samples:
        report = sample.report
        if isinstance(report, dict) and report.get("reviewed_tasks"):
            return report, None
    newest = samples[0]
    if not isinstance(newest.report, dict):
        return None, f"QA sample {newest.id} has no quality report computed yet."
    drawn = newest.report.get("sampled_tasks", 0)
    return None, f"No task of QA sample {newest.id} ({drawn} drawn) has been reviewed yet."


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


def page_statement(layer: Layer, *, limit: int | Any, offset: int | Any) -> Any:
    """(the page's features comma-joined in order, how many) in one row."""
    rows = layer.statement.limit(limit).offset(offset).subquery("r")
    encoded = select(rows.c[layer.key].label("k"), properties.feature(layer.props, rows, layer.key))
    inner = encoded.subquery("f")
    joined = func.string_agg(cast_(inner.c[1], Text), aggregate_order_by(literal(","), inner.c.k))
    return select(joined.label("features"), func.count().label("returned"))


def plan(session: Session, *, layer: Layer) -> Plan:
    """The layer's page and count as SQL text, for the campaign's current result version."""
    connection = session.connection()
    limit, offset = bindparam(_LIMIT, 0, type_=Integer), bindparam(_OFFSET, 0, type_=Integer)
    page = page_statement(layer, limit=limit, offset=offset).subquery("p")
    campaign = layer.campaign
    checked = (
        select(
            page.c.features,
            page.c.returned,
            Campaign.slug,
            Campaign.status,
            Campaign.name,
            Campaign.licence,
            func.coalesce(ResultVersion.version, 0),
        )
        .select_from(page)
        .join(Campaign, Campaign.id == campaign.id)
        .outerjoin(ResultVersion, ResultVersion.campaign_id == Campaign.id)
    )
    counted = select(func.count()).select_from(layer.count_statement.order_by(None).subquery())
    # SQL text, not the statement it came from: about 80 KiB of SQLAlchemy objects for 5 of text.
    return Plan(
        campaign_id=campaign.id,
        layer=layer.name,
        filters=layer.filters,
        version=result_version(session, campaign=campaign),
        sql=inline(connection, checked, keep=(_LIMIT, _OFFSET)),
        count_sql=inline(connection, counted, keep=()),
    )


def published_page(
    session: Session,
    *,
    slug: str,
    name: str,
    filters: Filters,
    limit: int,
    offset: int,
    whole: bool = False,
) -> Published:
    """A page of the campaign's layer, and how many features match in all.

    With the plan known, one statement: the page, encoded by PostgreSQL and passed on as
    the bytes it sent, beside the campaign's row. When that row says the plan is stale (the
    campaign's results changed, it was renamed, withdrawn or deleted) the plan is built
    again through the ORM, which also raises CampaignNotFound, and the page read once more.
    """
    key = (slug, name, filters, whole)
    with _memo_lock:
        found = _plans.get(key)
        if found is not None:
            _plans.move_to_end(key)
    for attempt in range(2):
        if found is None:
            campaign = published_campaign(session, slug=slug)
            built = layer(session, campaign=campaign, name=name, filters=filters, whole=whole)
            found = plan(session, layer=built)
            with _memo_lock:
                _plans[key] = found
                if len(_plans) > _PLAN_ENTRIES:
                    _plans.popitem(last=False)
        row = (
            session.connection()
            .exec_driver_sql(
                found.sql,
                {_LIMIT: limit, _OFFSET: offset},
                execution_options={TEXT_AS_BYTES: True},
            )
            .first()
        )
        if row is not None:
            features, returned, *text, version = row
            row_slug, status, title, licence = (part.decode() for part in text)
            fresh = row_slug == slug and status != "draft" and version == found.version
            # A second miss means the results changed again meanwhile: the page read is as
            # current as any (the plan's SQL depends on the version only through the areas).
            if fresh or (attempt == 1 and row_slug == slug and status != "draft"):
                break
        found = None
    else:
        raise CampaignNotFound(f"No campaign '{slug}'.")
    campaign = Campaign(id=found.campaign_id, slug=slug, name=title, licence=licence, status=status)
    session.info.setdefault(_VERSIONS, {})[campaign.id] = int(version)
    matched = _matched(session, found, int(version), int(returned), limit=limit, offset=offset)
    return Published(campaign, Page(features or b"", int(returned), matched))


def _matched(
    session: Session, found: Plan, version: int, returned: int, *, limit: int, offset: int
) -> int:
    if 0 < returned < limit or (offset == 0 and not returned):
        # A short page is the last one: the total is known without counting.
        return offset + returned

    def count() -> int:
        # No parameters: the text is plain SQL, so psycopg2 must not read a % in it as one.
        counted = session.connection().exec_driver_sql(
            found.count_sql, execution_options={"no_parameters": True}
        )
        return int(counted.scalar() or 0)

    if found.filters is None:
        # Tags change with every submission, which the result version does not follow.
        return count()
    # Cameras and counts change only with the result version: a filter's count is kept for it
    # (a page of 1,000 cost as much again in counting 25,000 rows).
    return _remember((found.campaign_id, version, ("count", found.layer, found.filters)), count)


def inline(connection: Connection, statement: Any, *, keep: tuple[str, ...] = ()) -> str:
    """The statement as SQL text with its parameters quoted in, but for those named in `keep`.

    Those stay `%(name)s` placeholders for the driver, and a literal % is doubled for it;
    with none kept the text is plain SQL (COPY takes no parameters).
    """
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    marks = {name: f"__decoders_bind_{name}__" for name in keep}
    params = {**compiled.params, **{k: psycopg2.extensions.AsIs(v) for k, v in marks.items()}}
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        text = cursor.mogrify(str(compiled), params)
    finally:
        cursor.close()
    sql = text.decode() if isinstance(text, bytes) else str(text)
    if not keep:
        return sql
    sql = sql.replace("%", "%%")
    for name, mark in marks.items():
        if mark not in sql:
            raise ValueError(f"{name} is not a parameter of the statement")
        sql = sql.replace(mark, f"%({name})s")
    return sql


@event.listens_for(Engine, "before_cursor_execute")
def _text_as_bytes(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> None:
    # psycopg2 decodes text into str; a page of features is passed on as it came instead
    # (decoding and encoding again cost about 1 ms for 600 KB).
    if context is not None and context.execution_options.get(TEXT_AS_BYTES):
        psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor)


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
