"""Who may read published data, how often: API keys, rate limits and CORS for read-only GETs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from app.api.deps import ReadSessionDep, SettingsDep, client_address
from app.errors import InvalidApiKey, RateLimited
from app.services import accounts

API_KEY_HEADER = "X-API-Key"
WINDOW_S = 60
Family = Literal["data", "map"]
# What reader_access can raise, for the `responses` of the routes behind it.
READER_ERRORS = (InvalidApiKey, RateLimited)


def reader_access(family: Family) -> Callable[..., Awaitable[None]]:
    """A dependency counting the request against its API key, or its address when anonymous.

    `data` (researcher API, OGC) and `map` (density, tiles) have separate anonymous budgets:
    one public map view fetches dozens of tiles, a researcher's client a few pages.
    """

    async def dependency(request: Request, session: ReadSessionDep, settings: SettingsDep) -> None:
        # Counted by the process's meter, which writes in batches: the request itself writes
        # nothing and holds one connection at most (its read session's). On the event loop:
        # only an API key is looked up, in a worker thread.
        meter: accounts.Meter = request.app.state.meter
        hmac_key = settings.secret_key.get_secret_value()
        secret = request.headers.get(API_KEY_HEADER)
        if secret is not None:
            key = await anyio.to_thread.run_sync(
                lambda: accounts.resolve_key(session, secret=secret.strip())
            )
            if key is None:
                raise InvalidApiKey("The API key is invalid or revoked.")
            # Under a hash of the key itself, as before: the table never holds a key.
            bucket = accounts.bucket_key("apikey", secret.strip(), secret=hmac_key)
            meter.hit(key=bucket, limit=key.rate_per_minute, window_s=WINDOW_S)
            return
        limit = (
            settings.anonymous_reads_per_minute
            if family == "data"
            else settings.anonymous_map_per_minute
        )
        bucket = accounts.bucket_key(f"anon:{family}", client_address(request), secret=hmac_key)
        meter.hit(key=bucket, limit=limit, window_s=WINDOW_S)

    return dependency


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Let other sites' scripts read published data: GETs only, never with credentials."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=[API_KEY_HEADER, "If-None-Match", "Accept"],
        expose_headers=["ETag", "Retry-After", "Content-Disposition"],
        allow_credentials=False,
        max_age=600,
    )
