"""Public client configuration for the browser app."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SettingsDep

router = APIRouter(tags=["config"])


class PublicConfig(BaseModel):
    """What the browser needs to know; these keys are meant for browsers (restrict them by
    referrer at the provider), never server secrets."""

    google_maps_key: str | None
    mapillary_token: str | None
    basemap_style_url: str | None
    licence: str


@router.get("/config", response_model=PublicConfig)
def public_config(settings: SettingsDep) -> PublicConfig:
    """Imagery keys and the basemap style the browser app may use."""
    return PublicConfig(
        google_maps_key=settings.google_maps_key,
        mapillary_token=settings.mapillary_token,
        basemap_style_url=settings.basemap_style_url,
        licence=settings.licence,
    )
