"""The ASGI application: `app.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api import API_ROUTERS, ROOT_ROUTERS
from app.api.access import install_cors
from app.db import make_engine, make_sessionmaker
from app.errors import install_error_handlers
from app.localdb import database_url
from app.middleware import BodySizeLimit, ConcurrencyLimit
from app.settings import Settings, get_settings

FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan owns the database engine."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        engine = make_engine(database_url(settings), pool_size=settings.threads + 1, max_overflow=0)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        worker = None
        if settings.reconcile_worker:
            # Drains the reconciliation queue in the background (DESIGN §5; issue 4).
            from app.services.reconciliation import ReconcileWorker

            worker = ReconcileWorker(
                app.state.sessionmaker,
                poll_seconds=settings.reconcile_poll_seconds,
                campaign_every_seconds=settings.reconcile_campaign_every_seconds,
            )
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            engine.dispose()

    app = FastAPI(
        title="Decoders",
        summary="Crowdsourced geolocation of surveillance cameras from street-level panoramas.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
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
        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="frontend")
    return app


app = create_app()
