"""Vector tiles for the public map: `cameras` points and density `hexagons`, and TileJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import ReadSessionDep
from app.api.geo import CACHE_PUBLIC
from app.errors import CampaignNotFound, InvalidRequest, LayerNotFound, TileOutOfRange
from app.schemas.common import error_responses
from app.schemas.publishing import StatusFilter
from app.services import publishing
from app.services.publishing import tiles

MVT = "application/vnd.mapbox-vector-tile"
router = APIRouter(
    prefix="/tiles", tags=["public map"], dependencies=[Depends(reader_access("map"))]
)


@router.get(
    "/{campaign}/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "The tile."},
        204: {"description": "No feature in this tile."},
        304: {"description": "Unchanged since the ETag sent in If-None-Match."},
        **error_responses(
            *READER_ERRORS, CampaignNotFound, LayerNotFound, TileOutOfRange, InvalidRequest
        ),
    },
)
def get_tile(
    campaign: str,
    layer: str,
    z: int,
    x: int,
    y: int,
    request: Request,
    session: ReadSessionDep,
    status: Annotated[StatusFilter, Query()] = "confirmed",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A Mapbox vector tile (extent 4096), cached per result version with an ETag from it."""
    found = publishing.published_campaign(session, slug=campaign)
    key = tiles.tile_key(session, campaign=found, layer=layer, z=z, x=x, y=y, status=status)
    headers = {"Cache-Control": CACHE_PUBLIC, "ETag": tiles.etag(key)}
    # The version names the tile's content: a client holding it needs neither cache nor SQL.
    if if_none_match and _matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = tiles.cached(session, cache=request.app.state.tile_cache, key=key)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MVT, headers=headers)


@router.get(
    "/{campaign}/{layer}.json",
    responses=error_responses(*READER_ERRORS, CampaignNotFound, LayerNotFound, InvalidRequest),
)
def get_tilejson(
    campaign: str,
    layer: str,
    request: Request,
    session: ReadSessionDep,
    status: Annotated[StatusFilter, Query()] = "confirmed",
) -> dict[str, Any]:
    """A TileJSON 3.0.0 document for the layer: tile URL template, bounds, fields."""
    found = publishing.published_campaign(session, slug=campaign)
    base = str(request.base_url).rstrip("/")
    url = f"{base}/tiles/{found.slug}/{layer}/{{z}}/{{x}}/{{y}}.mvt"
    if status != "confirmed":
        url += f"?status={status}"
    return tiles.tilejson(session, campaign=found, layer=layer, tiles_url=url, status=status)


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: `*` or any listed tag (weak comparison) matches."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
