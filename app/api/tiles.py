"""Vector tiles for the public map: `cameras` points and density `hexagons`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import SessionDep
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
    session: SessionDep,
    status: Annotated[StatusFilter, Query()] = "confirmed",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A Mapbox vector tile (extent 4096) with a strong ETag; 204 when it is empty."""
    found = publishing.published_campaign(session, slug=campaign)
    data = tiles.render(session, campaign=found, layer=layer, z=z, x=x, y=y, status=status)
    headers = {"Cache-Control": CACHE_PUBLIC}
    if not data:
        return Response(status_code=204, headers=headers)
    headers["ETag"] = tiles.etag(data)
    if if_none_match and _matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MVT, headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: `*` or any listed tag (weak comparison) matches."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
