"""HTTP shapes shared by the GeoJSON endpoints: media types, page links, streamed dumps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse

from app.services.publishing import dumps, exports

GEOJSON = "application/geo+json"
CACHE_PUBLIC = "public, max-age=300"


class GeoJSONResponse(JSONResponse):
    """JSON served as `application/geo+json` (RFC 7946 §12)."""

    media_type = GEOJSON

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()


def link(
    href: str, rel: str, media_type: str = GEOJSON, title: str | None = None
) -> dict[str, str]:
    """A link object (OGC API / RFC 8288 vocabulary)."""
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out


def page_links(
    request: Request, *, limit: int, offset: int, returned: int, matched: int
) -> list[dict[str, str]]:
    """self, and next/prev when there is a page after/before this one; absolute URLs."""
    url = request.url
    links = [link(str(url), "self")]
    if offset + returned < matched:
        links.append(
            link(str(url.include_query_params(offset=offset + limit, limit=limit)), "next")
        )
    if offset > 0:
        before = max(0, offset - limit)
        links.append(link(str(url.include_query_params(offset=before, limit=limit)), "prev"))
    return links


def streamed(chunks: Iterator[bytes], *, fmt: str, filename: str) -> StreamingResponse:
    """A dump sent as it is produced, as a file download."""
    extension = exports.EXTENSIONS[fmt]
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{extension}"'}
    return StreamingResponse(chunks, media_type=exports.MEDIA_TYPES[fmt], headers=headers)
