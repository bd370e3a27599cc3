"""Street imagery: Mapillary and Panoramax adapters, panoramas for a campaign, lease-time URLs."""

from app.services.imagery.client import Client
from app.services.imagery.find import (
    Batch,
    FindOptions,
    FindStatus,
    TileResult,
    date_bound,
    find_batch,
    find_status,
    new_panorama,
    plan_find,
    record_tile,
    search_tile,
)
from app.services.imagery.providers import SEARCHABLE, Provider, provider_for, search_box
from app.services.imagery.urls import (
    UrlCache,
    ViewerImage,
    cached_viewer_image,
    credit,
    viewer_image,
)

__all__ = [
    "SEARCHABLE",
    "Batch",
    "Client",
    "FindOptions",
    "FindStatus",
    "Provider",
    "TileResult",
    "UrlCache",
    "ViewerImage",
    "cached_viewer_image",
    "credit",
    "date_bound",
    "find_batch",
    "find_status",
    "new_panorama",
    "plan_find",
    "provider_for",
    "record_tile",
    "search_box",
    "search_tile",
    "viewer_image",
]
