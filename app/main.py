"""The ASGI application: `app.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Scope

from app.api import API_ROUTERS, ROOT_ROUTERS
from app.api.access import install_cors
from app.api.public_cache import PublicCache
from app.db import make_engine, make_sessionmaker
from app.errors import install_error_handlers
from app.localdb import database_url, replica_url
from app.middleware import BodySizeLimit, ConcurrencyLimit, DatabaseFaults
from app.schemas.common import errors_as_json
from app.services import accounts
from app.services.publishing.tile_cache import TileCache
from app.settings import Settings, get_settings

FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan owns the database engine."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        # The decoding loop's own limiter (deps.DecoderUnit); its threads still count against
        # ConcurrencyLimit's slots, so the pool below still suffices.
        app.state.decoding_limiter = anyio.CapacityLimiter(settings.decoding_concurrency)
        url = database_url(settings)
        replica = replica_url(settings)
        # One connection per request thread; downloads, the rate-limit meter and the queue
        # worker have their own. Without a replica, a route that both reads published data
        # (reader_access) and reads the caller (OptionalUser) holds two connections of this
        # pool, hence the overflow: kept for that case, never used by leases and submissions.
        engine = make_engine(
            url,
            pool_size=settings.threads,
            max_overflow=0 if replica is not None else settings.threads,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            idle_in_transaction_timeout_ms=settings.db_idle_in_transaction_timeout_ms,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        engines = [engine]
        # Published reads (researcher, OGC, tiles, density) go to the replica when there is
        # one, and run without a transaction: each is one or two statements, and BEGIN and
        # COMMIT would double the round trips of a cached tile.
        read_engine = engine
        if replica is not None:
            read_engine = make_engine(
                replica,
                pool_size=settings.threads,
                max_overflow=0,
                statement_timeout_ms=settings.db_statement_timeout_ms,
                application_name="decoders-read",
            )
            engines.append(read_engine)
        app.state.read_engine = read_engine
        app.state.read_sessionmaker = make_sessionmaker(
            read_engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # Read requests count against their rate limits here and write in batches.
        meter_engine = make_engine(
            url, pool_size=1, max_overflow=1, application_name="decoders-meter"
        )
        engines.append(meter_engine)
        app.state.meter = accounts.Meter(meter_engine, flush_s=settings.rate_limit_flush_seconds)
        app.state.meter.start()
        # Downloads get a pool of their own (README, Deploying: connection sizing), on the
        # replica when there is one.
        app.state.stream_engine = make_engine(
            replica or url,
            pool_size=settings.export_connections,
            max_overflow=0,
            pool_timeout=settings.export_wait_seconds,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            idle_in_transaction_timeout_ms=settings.export_idle_timeout_s * 1000,
            application_name="decoders-stream",
        )
        engines.append(app.state.stream_engine)
        worker = None
        if settings.reconcile_worker:
            # Drains the reconciliation queue in the background (DESIGN §5; issue 4), on
            # connections of its own and without the request timeouts: a campaign-wide run
            # legitimately works for minutes inside one transaction.
            from app.services.reconciliation import ReconcileWorker

            worker_engine = make_engine(
                url, pool_size=2, max_overflow=2, application_name="decoders-worker"
            )
            engines.append(worker_engine)
            worker = ReconcileWorker(
                make_sessionmaker(worker_engine),
                poll_seconds=settings.reconcile_poll_seconds,
                campaign_every_seconds=settings.reconcile_campaign_every_seconds,
            )
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            app.state.meter.stop()
            for each in engines:
                each.dispose()

    app = FastAPI(
        title="Decoders",
        summary="Crowdsourced geolocation of surveillance cameras from street-level panoramas.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = errors_as_json(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.public_cache = PublicCache(settings.public_cache_seconds)
    app.state.tile_cache = TileCache(
        max_bytes=settings.tile_cache_mib * 2**20, directory=settings.tile_cache_dir
    )
    install_error_handlers(app)
    # Innermost of the three: CORS headers and body limits apply to its 503s and retries too.
    app.add_middleware(DatabaseFaults)
    install_cors(app, settings.cors_origins)
    app.add_middleware(BodySizeLimit)
    # Outermost: a request waiting for its turn holds neither a thread nor a connection.
    app.add_middleware(ConcurrencyLimit, limit=settings.threads)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    for router in ROOT_ROUTERS:
        app.include_router(router)
    media = settings.media_root
    media.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=media), name="media")
    if FRONTEND_DIST.is_dir():
        frontend = StaticFiles(directory=FRONTEND_DIST, html=True)
        app.router.routes.append(_FrontendMount(app.router.routes, frontend))
    return app


class _FrontendMount(Mount):
    """The browser app at /, but not over a route's path: a wrong method there stays a 405."""

    def __init__(self, routes: list[BaseRoute], files: StaticFiles) -> None:
        super().__init__("/", app=files, name="frontend")
        self._routes = routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Starlette takes the first full match, so without this a GET to a POST-only API path
        # would be answered by the static files (404) instead of the route's 405.
        if any(r is not self and r.matches(scope)[0] is Match.PARTIAL for r in self._routes):
            return Match.NONE, {}
        return super().matches(scope)


app = create_app()
