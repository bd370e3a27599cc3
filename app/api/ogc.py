"""OGC API – Features at /ogc: landing page, conformance, collections, items (GeoJSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from app.api.access import READER_ERRORS, reader_access
from app.api.deps import ReadSessionDep
from app.api.geo import GEOJSON, GeoJSONResponse, collection_response, link
from app.errors import (
    BadParameter,
    CollectionNotFound,
    FeatureNotFound,
    InvalidRequest,
    NotAcceptable,
)
from app.schemas.common import error_responses
from app.schemas.publishing import MAX_LIMIT, MAX_OFFSET, Filters
from app.services.publishing import (
    OGC_DEFAULT_LIMIT,
    OPENAPI_MEDIA_TYPE,
    document,
    ogc,
)

JSON = "application/json"
router = APIRouter(
    prefix="/ogc",
    tags=["OGC API – Features"],
    dependencies=[Depends(reader_access("data"))],
    responses=error_responses(
        *READER_ERRORS,
        BadParameter,
        CollectionNotFound,
        FeatureNotFound,
        NotAcceptable,
        InvalidRequest,
    ),
)
_ITEM_PARAMS = {"f", "bbox", "bbox-crs", "limit", "offset", "datetime"}
_JSON_TYPES = {"application/json", "application/geo+json", "application/*", "*/*"}


def _negotiate(request: Request, allowed: set[str] | None = None) -> None:
    """400 for an unknown parameter or format, 406 when the client accepts no JSON."""
    unknown = set(request.query_params) - (allowed or {"f"})
    if unknown:
        raise BadParameter(f"Unknown parameter(s): {', '.join(sorted(unknown))}.")
    f = request.query_params.get("f")
    if f is not None:
        if f not in {"json", "geojson"}:
            raise BadParameter("f must be json.")
        return
    accept = request.headers.get("accept")
    if accept:
        types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
        if not types & _JSON_TYPES and not any(t.endswith("+json") for t in types):
            raise NotAcceptable("Only JSON is served here.")


class OpenAPIResponse(JSONResponse):
    """The API definition, in the media type OGC API – Features asks for (Part 1, §7.3)."""

    media_type = OPENAPI_MEDIA_TYPE


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


@router.get("", response_class=JSONResponse)
@router.get("/", response_class=JSONResponse, include_in_schema=False)
def landing(request: Request) -> dict[str, Any]:
    """Landing page: links to the API definition, conformance and the collections."""
    _negotiate(request)
    base = _base(request)
    return {
        "title": "Decoders – surveillance cameras",
        "description": "Crowdsourced surveillance cameras, per-location counts and areas.",
        "links": [
            link(base, "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI_MEDIA_TYPE, "The API definition"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }


@router.get("/api", response_class=OpenAPIResponse)
def api_definition(request: Request) -> OpenAPIResponse:
    """The OpenAPI 3.0 definition of these endpoints."""
    _negotiate(request)
    return OpenAPIResponse(document(_base(request)))


@router.get("/conformance", response_class=JSONResponse)
def conformance(request: Request) -> dict[str, Any]:
    """The conformance classes implemented."""
    _negotiate(request)
    return {"conformsTo": ogc.CONFORMANCE}


def _collection(request: Request, session: ReadSessionDep, found: ogc.Collection) -> dict[str, Any]:
    body = ogc.describe(session, found=found)
    href = f"{_base(request)}/collections/{found.id}"
    licence = found.campaign.licence
    body["links"] = [
        link(href, "self", JSON, "This collection"),
        link(f"{href}/items", "items", GEOJSON, "Its features"),
        link(f"https://spdx.org/licenses/{licence}.html", "license", "text/html", licence),
    ]
    return body


@router.get("/collections", response_class=JSONResponse)
def list_collections(request: Request, session: ReadSessionDep) -> dict[str, Any]:
    """Cameras, counts and areas of every public campaign."""
    _negotiate(request)
    found = ogc.collections(session)
    return {
        "links": [link(f"{_base(request)}/collections", "self", JSON, "The collections")],
        "collections": [_collection(request, session, c) for c in found],
    }


@router.get("/collections/{collection_id}", response_class=JSONResponse)
def get_collection(collection_id: str, request: Request, session: ReadSessionDep) -> dict[str, Any]:
    """One collection: extent, links."""
    _negotiate(request)
    return _collection(request, session, ogc.collection(session, collection_id=collection_id))


def _int(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be an integer.") from None
    if value < minimum:
        raise BadParameter(f"{name} must be at least {minimum}.")
    if value > MAX_OFFSET:
        raise BadParameter(f"{name} must be at most {MAX_OFFSET}.")
    return value


def _filters(request: Request) -> Filters:
    params = request.query_params
    crs = params.get("bbox-crs")
    if crs is not None and crs != ogc.CRS84:
        raise BadParameter(f"bbox-crs must be {ogc.CRS84}.")
    bbox = ogc.parse_bbox(params["bbox"]) if "bbox" in params else None
    since, until = ogc.parse_datetime(params["datetime"]) if "datetime" in params else (None, None)
    return Filters(bbox=bbox, since=since, until=until)


@router.get("/collections/{collection_id}/items", response_class=GeoJSONResponse)
def get_items(collection_id: str, request: Request, session: ReadSessionDep) -> Response:
    """A page of features, with a `next` link while more remain."""
    _negotiate(request, _ITEM_PARAMS)
    # A limit above the maximum is read as the maximum, not refused (OGC 17-069r4 §7.15.3).
    limit = min(_int(request, "limit", OGC_DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = _int(request, "offset", 0, 0)
    filters = _filters(request)
    found, page = ogc.items(
        session, collection_id=collection_id, filters=filters, limit=limit, offset=offset
    )
    returned, url = page.returned, request.url
    links = [
        link(str(url), "self", GEOJSON, "This page"),
        link(f"{_base(request)}/collections/{found.id}", "collection", JSON, "The collection"),
    ]
    if offset + returned < page.matched:
        after = url.include_query_params(offset=offset + limit, limit=limit)
        links.append(link(str(after), "next", GEOJSON, "Next page"))
    if offset > 0:
        before = url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append(link(str(before), "prev", GEOJSON, "Previous page"))
    members = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": page.matched,
        "numberReturned": returned,
        "links": links,
    }
    return collection_response(members, page.features)


@router.get("/collections/{collection_id}/items/{feature_id}", response_class=GeoJSONResponse)
def get_item(
    collection_id: str, feature_id: str, request: Request, session: ReadSessionDep
) -> GeoJSONResponse:
    """One feature."""
    _negotiate(request)
    found = ogc.collection(session, collection_id=collection_id)
    feature = ogc.item(session, found=found, feature_id=feature_id)
    href = f"{_base(request)}/collections/{found.id}"
    feature["links"] = [
        link(f"{href}/items/{feature_id}", "self", GEOJSON, "This feature"),
        link(href, "collection", JSON, "The collection"),
    ]
    return GeoJSONResponse(feature)
