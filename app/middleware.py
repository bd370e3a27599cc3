"""Request guards: body size limits and NUL characters as the request streams in; database faults.

PostgreSQL text cannot hold NUL (U+0000); refusing it at the door turns what would be a driver
error deep in a query into a clear 422 on every route at once.
"""

from __future__ import annotations

import json
import logging

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import fault_kind, is_retryable, sqlstate
from app.errors import BodyTooLarge, DatabaseBusy, DatabaseUnavailable, InvalidRequest, error_body

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 1 << 20  # 1 MiB: a submission with 50 tags is about 10 KiB
IMPORT_LIMIT = 64 << 20  # coordinator file imports


class _TooLarge(HTTPException):
    # An HTTPException, because FastAPI turns any other error raised while reading the body
    # into a generic 400; this one passes through to the 413 envelope.
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class _HasNul(HTTPException):
    def __init__(self) -> None:
        super().__init__(422, "The request contains a NUL character, which is not allowed.")


def _nul_in_target(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"%00" in query


# JSON spells NUL as an escape; a raw byte can come in any body (e.g. an uploaded CSV).
_NUL_MARKERS = (b"\x00", b"\\u0000")


class BodySizeLimit:
    """Answer 413 when a body exceeds its route's limit and 422 when a request holds NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def _limit(self, path: str) -> int:
        return IMPORT_LIMIT if "/imports/" in path else DEFAULT_LIMIT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _nul_in_target(scope):
            await _reject(send, 422, InvalidRequest.code, _HasNul().detail, None)
            return
        limit = self._limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject_large(send, limit)
            return
        seen = 0
        started = False
        tail = b""

        async def limited_receive() -> Message:
            nonlocal seen, tail
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                seen += len(body)
                if seen > limit:
                    raise _TooLarge(limit)
                window = tail + body  # a marker may straddle two chunks
                if any(marker in window for marker in _NUL_MARKERS):
                    raise _HasNul()
                tail = window[-5:]
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reject_large(send, limit)
        except _HasNul as exc:
            if not started:
                await _reject(send, 422, InvalidRequest.code, exc.detail, None)


async def _reject_large(send: Send, limit: int) -> None:
    message = f"The request body is larger than {limit} bytes."
    await _reject(send, 413, BodyTooLarge.code, message, {"limit": limit})


async def _reject(
    send: Send,
    status: int,
    code: str,
    message: str,
    details: object,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(error_body(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# A retried request replays its body; bodies above this (file imports) are not kept.
REPLAY_LIMIT = DEFAULT_LIMIT


class DatabaseFaults:
    """Retry a request once after a deadlock or serialization failure; answer 503 for faults.

    The request's transaction has been rolled back when the error reaches here, so running
    the request again is safe. When the database is unreachable, restarting, or has no free
    connection, the client gets `503 database_unavailable` / `database_busy` with Retry-After
    instead of `500 internal`; the pool's pre-ping replaces dead connections by itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded: list[Message] = []
        replayable = True
        started = False

        async def recording_receive() -> Message:
            nonlocal replayable
            message = await receive()
            if replayable and message["type"] == "http.request":
                recorded.append(message)
                if sum(len(m.get("body", b"")) for m in recorded) > REPLAY_LIMIT:
                    replayable, recorded[:] = False, []
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, recording_receive, tracking_send)
            return
        except Exception as exc:
            if started or not (is_retryable(exc) and replayable):
                await self._answer(exc, started, send)
                return
            log.info("retrying %s %s after %s", scope["method"], scope["path"], sqlstate(exc))
        replay = list(recorded)

        async def replay_receive() -> Message:
            # What the first attempt read, then whatever it had not read yet.
            return replay.pop(0) if replay else await receive()

        try:
            await self.app(scope, replay_receive, tracking_send)
        except Exception as exc:
            await self._answer(exc, started, send)

    async def _answer(self, exc: Exception, started: bool, send: Send) -> None:
        kind = "busy" if is_retryable(exc) else fault_kind(exc)
        if started or kind is None:
            raise exc
        log.warning("database %s: %s", kind, exc)
        error = (DatabaseBusy if kind == "busy" else DatabaseUnavailable)(_FAULT_MESSAGES[kind])
        await _reject(
            send,
            error.status_code,
            error.code,
            error.message,
            None,
            headers=[(b"retry-after", str(error.retry_after).encode())],
        )


_FAULT_MESSAGES = {
    "busy": "The database is busy; try again shortly.",
    "unavailable": "The database is unavailable; try again shortly.",
}


class ConcurrencyLimit:
    """Run at most `limit` HTTP requests at once in this process; the rest wait their turn.

    Each running request may hold a database connection from its first query to its commit,
    also while it waits for a thread between its dependencies and its endpoint. Bounding the
    running requests by the thread count bounds the connections too, so a pool of that size
    never overflows (no connection opened and closed per request) and never starves.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        # anyio binds to no event loop when made, so one app serves several test clients.
        self.slots = anyio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)
