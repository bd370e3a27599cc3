"""A short-lived per-process cache of public aggregates (progress, density), served with ETags.

These answers are the same for every anonymous caller and cost a spatial join each; a few
seconds of staleness is invisible on a progress bar or a density map, and a client that
already holds the answer gets a 304 without a body.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Request, Response

MAX_ENTRIES = 1024


@dataclass(frozen=True)
class Entry:
    """One rendered answer."""

    body: bytes
    media_type: str
    etag: str
    headers: dict[str, str]
    expires: float


class PublicCache:
    """Rendered responses by key, each kept for `ttl_s` seconds (0: never kept)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[Hashable, Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Entry | None:
        """The live entry under `key`, if any."""
        with self._lock:
            entry = self._entries.get(key)
        return entry if entry is not None and entry.expires > time.monotonic() else None

    def put(self, key: Hashable, response: Response) -> Entry:
        """Keep a rendered 200 response under `key`; the entry either way."""
        body = bytes(response.body)
        headers = {
            k: v for k, v in response.headers.items() if k not in {"content-length", "content-type"}
        }
        entry = Entry(
            body=body,
            media_type=response.media_type or "application/json",
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            headers=headers,
            expires=time.monotonic() + self.ttl_s,
        )
        if self.ttl_s > 0:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    now = time.monotonic()
                    self._entries = {k: e for k, e in self._entries.items() if e.expires > now}
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                self._entries[key] = entry
        return entry


def cached(request: Request, key: Hashable, build: Callable[[], Response]) -> Response:
    """The cached answer under `key` (built when missing), or 304 when the client has it."""
    cache: PublicCache = request.app.state.public_cache
    entry = cache.get(key) or cache.put(key, build())
    max_age = max(0, int(cache.ttl_s))
    headers = {
        "cache-control": f"public, max-age={max_age}",
        **entry.headers,  # lower-case names: the route's own Cache-Control, if set, wins
        "etag": entry.etag,
    }
    if entry.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)
