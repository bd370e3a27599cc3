"""HTTP routers. Each resource adds its router to one of these lists."""

from fastapi import APIRouter

from app.api import assignments, auth, campaigns, config, flags, health, tasks

# Mounted under /api/v1.
API_ROUTERS: list[APIRouter] = [
    health.router,
    config.router,
    auth.router,
    campaigns.router,
    assignments.router,
    flags.router,
    tasks.router,
]
# Mounted at the root (OGC API – Features, tiles, browser pages).
ROOT_ROUTERS: list[APIRouter] = []

# Publishing (issue 5): researcher data, public density and API keys; OGC API and tiles.
from app.api import api_keys, density, ogc, researcher, tiles  # noqa: E402

API_ROUTERS += [researcher.router, density.router, api_keys.router]
ROOT_ROUTERS += [ogc.router, tiles.router]

# Imports (issue 3, point 3): coordinator file uploads.
from app.api import imports  # noqa: E402

API_ROUTERS += [imports.router]

# Reconciliation (issue 4): run it, its status, decoder quality (coordinators).
from app.api import reconciliation  # noqa: E402

API_ROUTERS += [reconciliation.router]
