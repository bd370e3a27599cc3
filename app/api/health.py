"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.errors import DatabaseUnavailable
from app.schemas.common import Health, error_responses
from app.services import health as service

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=error_responses(DatabaseUnavailable))
def get_health(session: SessionDep) -> Health:
    """Database reachable, PostGIS version and migration head."""
    return service.check(session)
