"""Camera density for the public map: hexagons and per-area statistics as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import ReadSessionDep
from app.api.geo import CACHE_PUBLIC, GeoJSONResponse
from app.api.public_cache import cached
from app.errors import CampaignNotFound, InvalidRequest, TooManyCells
from app.schemas.common import error_responses
from app.schemas.geojson import FeatureCollection
from app.schemas.publishing import AreaDensityQuery, BBox, HexagonQuery
from app.services import publishing
from app.services.publishing import density

router = APIRouter(
    prefix="/campaigns/{slug}/density",
    tags=["public map"],
    dependencies=[Depends(reader_access("map"))],
    default_response_class=GeoJSONResponse,
)


def _collection(
    meta: publishing.Metadata, features: list[dict[str, Any]], **extra: Any
) -> Response:
    body = {"type": "FeatureCollection", **meta.members(), **extra, "features": features}
    return GeoJSONResponse(body, headers={"Cache-Control": CACHE_PUBLIC})


_OK: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified (ETag)"}}


@router.get(
    "/hexagons",
    response_model=FeatureCollection,
    responses={
        **_OK,
        **error_responses(*READER_ERRORS, CampaignNotFound, TooManyCells, InvalidRequest),
    },
)
def density_hexagons(
    slug: str, request: Request, session: ReadSessionDep, query: Annotated[HexagonQuery, Query()]
) -> Response:
    """Cameras per hexagon (edge `cell` metres): by attachment, by type, and per km²."""
    campaign = publishing.published_campaign(session, slug=slug)
    bbox = BBox.parse(query.bbox) if query.bbox else None

    def build() -> Response:
        features = density.hexagons(
            session, campaign=campaign, bbox=bbox, cell=query.cell, status=query.status
        )
        meta = publishing.metadata(session, campaign=campaign, layer="cameras")
        return _collection(meta, features, cell_m=query.cell, status=query.status)

    key = ("hexagons", campaign.id, bbox, query.cell, query.status)
    return cached(request, key, build)


@router.get(
    "/areas",
    response_model=FeatureCollection,
    responses={**_OK, **error_responses(*READER_ERRORS, CampaignNotFound, InvalidRequest)},
)
def density_areas(
    slug: str,
    request: Request,
    session: ReadSessionDep,
    query: Annotated[AreaDensityQuery, Query()],
) -> Response:
    """Per area: cameras, per km², per surveyed location, share with a camera, coverage."""
    campaign = publishing.published_campaign(session, slug=slug)

    def build() -> Response:
        features = density.areas(session, campaign=campaign, kind=query.kind)
        meta = publishing.metadata(session, campaign=campaign, layer="cameras")
        return _collection(meta, features, coverage_radius_m=density.REACH_M)

    return cached(request, ("areas", campaign.id, query.kind), build)
