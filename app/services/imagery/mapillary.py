"""Mapillary Graph API v4: 360° images in a box, and a fresh image URL for one image id.

Images are CC BY-SA 4.0 and Mapillary explicitly allows deriving data for OpenStreetMap.
Every field must be asked for; a call returns at most 2,000 images, and boxes must stay under
0.01 square degrees (the caller tiles). Image URLs are signed and expire: only ids are stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.domain.imagery import BBox, Candidate, attribution, normalise_heading
from app.errors import ImageryInvalid
from app.services.imagery.client import Client

NAME = "mapillary"
LICENCE = "CC-BY-SA-4.0"
LIMIT = 2000
FIELDS = (
    "id,geometry,computed_geometry,captured_at,compass_angle,computed_compass_angle,"
    "is_pano,thumb_2048_url,thumb_original_url,creator,sequence"
)
_MAX_PAGES = 50  # a tile never needs more; a provider looping on `next` must not hang a run


@dataclass(frozen=True)
class Page:
    """The images of one answer and whether it was cut at the cap."""

    candidates: list[Candidate]
    full: bool


@dataclass
class Mapillary:
    """The Mapillary adapter over a configured Client (base URL, OAuth header)."""

    client: Client
    name: str = NAME
    limit: int = LIMIT

    def search(
        self, bbox: BBox, *, since: date | None = None, until: date | None = None
    ) -> Iterator[Page]:
        """Every image in the box, page by page (`paging.next` when the API offers it)."""
        first: dict[str, Any] = {
            "bbox": bbox.param(),
            "is_pano": "true",
            "fields": FIELDS,
            "limit": self.limit,
        }
        if since is not None:
            first["start_captured_at"] = f"{since.isoformat()}T00:00:00Z"
        if until is not None:
            first["end_captured_at"] = f"{until.isoformat()}T23:59:59Z"
        params: dict[str, Any] | None = first
        path: str | None = "images"
        for _ in range(_MAX_PAGES):
            if path is None:
                return
            body = self.client.get_json(path, params)
            data, next_url = _page(body)
            candidates = [c for c in (_candidate(item) for item in data) if c is not None]
            # No `next` and a full answer: the box holds more than one call returns.
            yield Page(candidates, full=next_url is None and len(data) >= self.limit)
            path, params = next_url, None  # a `next` link carries every parameter

    def resolve(self, provider_id: str) -> tuple[str, datetime | None]:
        """A fresh image URL for the id and when it stops working (None: not stated)."""
        body = self.client.get_json(provider_id, {"fields": "id,thumb_original_url,thumb_2048_url"})
        if not isinstance(body, dict):
            raise ImageryInvalid("Mapillary answered an image request without an object.")
        url = body.get("thumb_original_url") or body.get("thumb_2048_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ImageryInvalid(f"Mapillary gave no image URL for image {provider_id}.")
        return url, url_expiry(url)


def url_expiry(url: str) -> datetime | None:
    """When a signed CDN URL expires: its `oe` parameter, hexadecimal Unix seconds."""
    values = parse_qs(urlsplit(url).query).get("oe")
    if not values:
        return None
    try:
        return datetime.fromtimestamp(int(values[0], 16), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _page(body: Any) -> tuple[list[Any], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ImageryInvalid(
            "Mapillary's answer has no `data` list.",
            details={"keys": sorted(body)[:10] if isinstance(body, dict) else type(body).__name__},
        )
    paging = body.get("paging")
    next_url = paging.get("next") if isinstance(paging, dict) else None
    return body["data"], next_url if isinstance(next_url, str) and next_url else None


def _candidate(item: Any) -> Candidate | None:
    """One image in our terms; None for an image that is not 360°; ImageryInvalid if broken."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
        raise ImageryInvalid("Mapillary listed an image without an id.", details={"item": item})
    image_id = str(item["id"])
    if item.get("is_pano") is False:
        return None
    lon, lat = _point(item.get("computed_geometry")) or _point(item.get("geometry")) or (None, None)
    if lon is None or lat is None:
        raise ImageryInvalid(f"Mapillary image {image_id} has no point geometry.")
    heading = _number(item.get("computed_compass_angle"))
    if heading is None:
        heading = _number(item.get("compass_angle"))
    creator = item.get("creator")
    username = creator.get("username") if isinstance(creator, dict) else None
    username = str(username)[:200] if username else None
    return Candidate(
        provider=NAME,
        provider_id=image_id,
        lat=lat,
        lon=lon,
        heading=normalise_heading(heading or 0.0),
        captured_at=_day(item.get("captured_at")),
        is_pano=item.get("is_pano") is not False,
        licence=LICENCE,
        attribution=attribution("Mapillary", username, LICENCE),
        creator=username,
        page_url=f"https://www.mapillary.com/app/?pKey={image_id}",
    )


def _point(geometry: Any) -> tuple[float, float] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return None
    lon, lat = _number(coords[0]), _number(coords[1])
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _day(value: Any) -> date | None:
    """`captured_at`: milliseconds since the epoch."""
    millis = _number(value)
    if millis is None:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return None
