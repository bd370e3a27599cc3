"""One interface over the street imagery providers, built from the settings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Protocol

import httpx

from app.domain.imagery import SPLITS, BBox, Candidate
from app.errors import ImageryNotConfigured, UnknownProvider
from app.services.imagery.client import Client, Sleep
from app.services.imagery.mapillary import Mapillary, Page
from app.services.imagery.panoramax import Panoramax
from app.settings import Settings

SEARCHABLE = ("mapillary", "panoramax")


class Provider(Protocol):
    """What a provider adapter offers."""

    name: str
    client: Client

    def search(
        self, bbox: BBox, *, since: date | None = None, until: date | None = None
    ) -> Iterator[Page]: ...


def provider_for(
    name: str,
    settings: Settings,
    *,
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Provider:
    """The adapter for `name`, configured from the settings."""
    common = {
        "timeout": settings.imagery_timeout_seconds,
        "retries": settings.imagery_retries,
        "max_wait": settings.imagery_max_wait_seconds,
        "sleep": sleep,
        "transport": transport,
    }
    if name == "mapillary":
        if not settings.mapillary_token:
            raise ImageryNotConfigured("Set DECODERS_MAPILLARY_TOKEN to search Mapillary.")
        headers = {"Authorization": f"OAuth {settings.mapillary_token}"}
        return Mapillary(
            Client("Mapillary", settings.mapillary_api_url, headers=headers, **common)  # type: ignore[arg-type]
        )
    if name == "panoramax":
        return Panoramax(Client("Panoramax", settings.panoramax_url, **common))  # type: ignore[arg-type]
    raise UnknownProvider(
        f"Provider {name!r} cannot be searched; use one of {', '.join(SEARCHABLE)}."
    )


def search_box(
    provider: Provider,
    bbox: BBox,
    *,
    since: date | None = None,
    until: date | None = None,
    depth: int = 0,
) -> list[Candidate]:
    """Every image of the box, the box split in four where an answer was cut at the cap."""
    found: dict[str, Candidate] = {}
    for page in provider.search(bbox, since=since, until=until):
        if page.full and depth < SPLITS:
            found.clear()
            for quarter in bbox.quarters():
                for c in search_box(provider, quarter, since=since, until=until, depth=depth + 1):
                    found[c.provider_id] = c
            break
        for c in page.candidates:
            found[c.provider_id] = c
    return list(found.values())
