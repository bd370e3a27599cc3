"""Researcher endpoints: cameras, per-task counts and anonymised tags (GeoJSON, CSV, GeoJSONSeq)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import ReadSessionDep, StreamOpener
from app.api.geo import GeoJSONResponse, Opener, collection_response, page_links, streamed
from app.errors import AreaNotFound, CampaignNotFound, DownloadsBusy, InvalidRequest
from app.schemas.common import error_responses
from app.schemas.geojson import CameraCollection, CountCollection, TagCollection
from app.schemas.publishing import CamerasQuery, CountsQuery, Filters, PageQuery, TagsQuery
from app.services import publishing
from app.services.publishing import exports

router = APIRouter(
    prefix="/campaigns/{slug}",
    tags=["researcher data"],
    dependencies=[Depends(reader_access("data"))],
    default_response_class=GeoJSONResponse,
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            exports.MEDIA_TYPES["csv"]: {},
            exports.MEDIA_TYPES["geojsonseq"]: {},
        }
    },
    **error_responses(
        *READER_ERRORS, CampaignNotFound, AreaNotFound, InvalidRequest, DownloadsBusy
    ),
}


def _respond(
    request: Request,
    session: Session,
    opener: Opener,
    *,
    slug: str,
    name: str,
    query: PageQuery,
    filters: Filters,
) -> Response:
    stream = query.format != "geojson" or query.download
    if stream:
        campaign = publishing.published_campaign(session, slug=slug)
        layer = publishing.layer(session, campaign=campaign, name=name, filters=filters, whole=True)
        meta = publishing.metadata(session, campaign=campaign, layer=name)
        fmt = query.format
        return streamed(
            opener,
            lambda connection: exports.stream(connection, layer=layer, meta=meta, fmt=fmt),
            fmt=fmt,
            filename=f"{slug}-{name}",
        )
    found = publishing.published_page(
        session, slug=slug, name=name, filters=filters, limit=query.limit, offset=query.offset,
        whole=query.limit > publishing.WHOLE_ABOVE,
    )  # fmt: skip
    page, meta = found.page, publishing.metadata(session, campaign=found.campaign, layer=name)
    returned = page.returned
    links = page_links(
        request, limit=query.limit, offset=query.offset, returned=returned, matched=page.matched
    )
    members = {
        "type": "FeatureCollection",
        **meta.members(),
        "numberMatched": page.matched,
        "numberReturned": returned,
        "links": links,
    }
    return collection_response(members, page.features)


@router.get("/cameras", response_model=CameraCollection, responses=RESPONSES)
def list_cameras(
    slug: str,
    request: Request,
    session: ReadSessionDep,
    opener: StreamOpener,
    query: Annotated[CamerasQuery, Query()],
) -> Response:
    """Reconciled cameras (confirmed by default) with OSM tags; paged, or streamed whole."""
    filters = query.filters()
    return _respond(
        request, session, opener, slug=slug, name="cameras", query=query, filters=filters
    )


@router.get("/counts", response_model=CountCollection, responses=RESPONSES)
def list_counts(
    slug: str,
    request: Request,
    session: ReadSessionDep,
    opener: StreamOpener,
    query: Annotated[CountsQuery, Query()],
) -> Response:
    """Per-task medians and agreement at each panorama, with image date and areas."""
    filters = query.filters()
    return _respond(
        request, session, opener, slug=slug, name="counts", query=query, filters=filters
    )


@router.get("/tags", response_model=TagCollection, responses=RESPONSES)
def list_tags(
    slug: str,
    request: Request,
    session: ReadSessionDep,
    opener: StreamOpener,
    query: Annotated[TagsQuery, Query()],
) -> Response:
    """Every tag, anonymised: decoders appear only by their pseudonymous public id."""
    filters = query.filters()
    return _respond(request, session, opener, slug=slug, name="tags", query=query, filters=filters)
