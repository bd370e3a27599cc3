"""The OpenAPI 3.0 definition of the OGC API – Features endpoints (conformance class oas30)."""

from __future__ import annotations

from typing import Any

from app.schemas.publishing import MAX_LIMIT

OGC_DEFAULT_LIMIT = 10
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
_JSON = "application/json"
_GEOJSON = "application/geo+json"


def _get(
    summary: str, op_id: str, params: list[dict[str, Any]], media_type: str = _JSON
) -> dict[str, Any]:
    responses = {
        "200": {"description": summary, "content": {media_type: {"schema": {"type": "object"}}}},
        "400": {"description": "A parameter is not valid."},
        "404": {"description": "Not found."},
    }
    operation = {"summary": summary, "operationId": op_id, "parameters": params}
    return {"get": {**operation, "responses": responses}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        "style": "form",
        "explode": False,
    }


def _path(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string"}
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


_F = _query("f", {"type": "string", "enum": ["json"]}, "Response format (JSON is the only one).")
_COLLECTION = _path(
    "collectionId", "`<campaign>-cameras`, `<campaign>-counts`, `<campaign>-areas`."
)
_FEATURE = _path("featureId", "The feature's id.")
_ITEM_PARAMS = [
    _query(
        "bbox",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "minlon,minlat,maxlon,maxlat in CRS84.",
    ),
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": OGC_DEFAULT_LIMIT},
        "Features per page; larger values are read as the maximum.",
    ),
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip."),
    _query(
        "datetime",
        {"type": "string"},
        "RFC 3339 instant or interval (`a/b`, `../b`, `a/..`): computation time of cameras, "
        "capture date of counts.",
    ),
    _F,
]


def document(base: str) -> dict[str, Any]:
    """The OpenAPI document, with `base` (…/ogc) as its server."""
    paths = {
        "/": _get("Landing page", "getLandingPage", [_F]),
        "/conformance": _get("Conformance classes", "getConformance", [_F]),
        "/api": _get("This API definition", "getApi", [], OPENAPI_MEDIA_TYPE),
        "/collections": _get("Collections", "getCollections", [_F]),
        "/collections/{collectionId}": _get(
            "A collection", "describeCollection", [_COLLECTION, _F]
        ),
        "/collections/{collectionId}/items": _get(
            "Features of a collection", "getFeatures", [_COLLECTION, *_ITEM_PARAMS], _GEOJSON
        ),
        "/collections/{collectionId}/items/{featureId}": _get(
            "A feature", "getFeature", [_COLLECTION, _FEATURE, _F], _GEOJSON
        ),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Decoders – OGC API Features",
            "version": "1.0.0",
            "description": "Reconciled surveillance cameras, per-location counts and areas.",
        },
        "servers": [{"url": base}],
        "paths": paths,
    }
