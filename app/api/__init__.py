"""HTTP routers. Each resource adds its router to one of these lists."""

from fastapi import APIRouter

from app.api import (
    api_keys,
    assignments,
    auth,
    campaigns,
    config,
    density,
    flags,
    health,
    imagery,
    imports,
    ogc,
    quality,
    reconciliation,
    researcher,
    tasks,
    tiles,
)

# Mounted under /api/v1.
API_ROUTERS: list[APIRouter] = [
    health.router,
    config.router,
    auth.router,
    campaigns.router,
    assignments.router,
    flags.router,
    tasks.router,
    imports.router,
    imagery.router,
    reconciliation.router,
    quality.router,
    researcher.router,
    density.router,
    api_keys.router,
]
# Mounted at the root: OGC API – Features at /ogc and vector tiles at /tiles.
ROOT_ROUTERS: list[APIRouter] = [ogc.router, tiles.router]
