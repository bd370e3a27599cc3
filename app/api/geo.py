"""HTTP shapes shared by the GeoJSON endpoints: media types, page links, streamed dumps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio
from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from starlette.types import Receive, Scope, Send

from app.errors import DownloadsBusy
from app.services.publishing import dumps, exports

GEOJSON = "application/geo+json"
CACHE_PUBLIC = "public, max-age=300"
Opener = Callable[[], Connection]


class GeoJSONResponse(JSONResponse):
    """JSON served as `application/geo+json` (RFC 7946 §12)."""

    media_type = GEOJSON

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()


class PartsResponse(Response):
    """A body sent as the parts it is made of, with their total Content-Length.

    A page's features come from PostgreSQL as one buffer of hundreds of kilobytes; joining it
    to the collection's head would copy it once more (into freshly mapped memory) per request.
    """

    def __init__(
        self, parts: tuple[bytes, ...], *, media_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.parts = parts
        super().__init__(media_type=media_type, headers=headers)
        length = str(sum(map(len, parts))).encode()
        self.raw_headers = [(k, length if k == b"content-length" else v)
                            for k, v in self.raw_headers]  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        last = len(self.parts) - 1
        for i, part in enumerate(self.parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < last})


def collection_response(
    members: dict[str, Any], features: bytes, headers: dict[str, str] | None = None
) -> Response:
    """A FeatureCollection of `members` and features already encoded (comma-separated)."""
    head = dumps(members).encode()
    parts = (head[:-1] + b',"features":[', features, b"]}")
    return PartsResponse(parts, media_type=GEOJSON, headers=headers)


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


class OwnedStreamingResponse(StreamingResponse):
    """A streamed body that owns a database connection and returns it however the send ends.

    The request's session is closed before the body is sent, so a stream must not read
    through it (that silently opened a connection nothing closed). Complete, aborted or
    cut by the server, the generator is closed and the connection released once sending stops.
    """

    def __init__(
        self, chunks: Iterator[bytes], *, release: Callable[[], None], **kwargs: Any
    ) -> None:
        super().__init__(chunks, **kwargs)
        self._chunks = chunks
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: a client disconnect cancels the response, and this must still run.
            # anyio lets a running worker thread finish before the cancellation lands, so the
            # generator is not executing when it is closed here.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._close)

    def _close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            self._release()


def streamed(
    open_connection: Opener,
    produce: Callable[[Connection], Iterator[bytes]],
    *,
    fmt: str,
    filename: str,
) -> StreamingResponse:
    """A dump sent as it is produced, as a file download, on a connection of its own."""
    try:
        # Checked out now, before any byte is sent, so a full download pool is a clean 503.
        connection = open_connection()
    except sa_exc.TimeoutError as exc:
        raise DownloadsBusy("Too many downloads are running; try again shortly.") from exc
    try:
        chunks = produce(connection)
    except BaseException:
        connection.close()
        raise
    extension = exports.EXTENSIONS[fmt]
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{extension}"'}
    return OwnedStreamingResponse(
        chunks, release=connection.close, media_type=exports.MEDIA_TYPES[fmt], headers=headers
    )
