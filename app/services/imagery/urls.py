"""The image a viewer loads for a leased panorama: Mapillary URLs fresh, cached while valid.

Mapillary's image URLs are signed and expire (their `oe` parameter), so panoramas store the
image id and a URL is asked for at lease time. A cached URL is handed out only while it has
at least MARGIN left, so the viewer never receives one that dies before it has loaded.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.imagery import LICENCE_URLS
from app.errors import ImageryInvalid
from app.models import Panorama
from app.services.imagery.mapillary import Mapillary
from app.services.imagery.providers import provider_for
from app.settings import Settings

# A URL must outlive its hand-out by this much: the viewer fetches it within seconds, and a
# slow phone on a bad connection within a minute or two.
MARGIN = timedelta(minutes=3)
# When a URL states no expiry, trust it this long only.
DEFAULT_LIFETIME = timedelta(minutes=10)
_MAX_ENTRIES = 10_000
Clock = Callable[[], float]


@dataclass(frozen=True)
class ViewerImage:
    """What the viewer loads: an equirectangular URL (until `expires_at`) or tiles."""

    image_url: str | None
    expires_at: datetime | None
    tiles: dict[str, Any] | None


class UrlCache:
    """Resolved URLs by image id, kept while they have more than MARGIN to live."""

    def __init__(self, *, clock: Clock = time.time, max_entries: int = _MAX_ENTRIES) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    def peek(self, key: str) -> tuple[str, datetime] | None:
        """The cached URL for `key` if it still has more than MARGIN to live."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[1] - self.now() > MARGIN:
                self._entries.move_to_end(key)
                return hit
        return None

    def get(
        self, key: str, fetch: Callable[[], tuple[str, datetime | None]]
    ) -> tuple[str, datetime]:
        """A URL for `key` valid for at least MARGIN, from the cache or fresh from `fetch`."""
        hit = self.peek(key)
        if hit is not None:
            return hit
        # Fetched outside the lock: one slow provider call must not stall every lease.
        url, expires = fetch()
        expires = expires or self.now() + DEFAULT_LIFETIME
        if expires - self.now() <= MARGIN:
            raise ImageryInvalid(
                "The provider gave an image URL that has expired or is about to.",
                details={"image": key, "expires_at": expires.isoformat()},
            )
        with self._lock:
            self._entries[key] = (url, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return url, expires


_CACHE = UrlCache()
# Only Mapillary's URLs expire; Panoramax URLs are stored with the panorama and last.
_PROVIDERS: dict[tuple[str, str, str | None], Mapillary] = {}
_PROVIDERS_LOCK = threading.Lock()


def _resolver(settings: Settings) -> Mapillary:
    # One adapter (and its connection pool) per configuration, not one per lease.
    key = ("mapillary", settings.mapillary_api_url, settings.mapillary_token)
    with _PROVIDERS_LOCK:
        if key not in _PROVIDERS:
            adapter = provider_for("mapillary", settings)
            assert isinstance(adapter, Mapillary)
            _PROVIDERS[key] = adapter
        return _PROVIDERS[key]


def _url_key(panorama: Panorama, settings: Settings) -> str | None:
    """The URL cache's key of a panorama whose URL the provider must sign; None otherwise."""
    # A stored Mapillary URL (an old CSV import) is not trusted: signed URLs die.
    if panorama.provider == "mapillary" and panorama.provider_id:
        return f"{settings.mapillary_api_url}|{panorama.provider_id}"
    return None


def _stored(panorama: Panorama) -> ViewerImage:
    # Panoramax URLs are stored with the panorama and last.
    return ViewerImage(panorama.image_url, None, panorama.image_tiles)


def viewer_image(
    panorama: Panorama,
    *,
    settings: Settings,
    cache: UrlCache | None = None,
    provider: Mapillary | None = None,
) -> ViewerImage:
    """The image of a panorama as the viewer should load it now."""
    key = _url_key(panorama, settings)
    if key is None:
        return _stored(panorama)
    chosen, pano_id = provider or _resolver(settings), str(panorama.provider_id)
    url, expires = (cache or _CACHE).get(key, lambda: chosen.resolve(pano_id))
    return ViewerImage(url, expires, None)


def cached_viewer_image(
    panorama: Panorama, *, settings: Settings, cache: UrlCache | None = None
) -> ViewerImage | None:
    """viewer_image without asking the provider: None when only the provider can say."""
    key = _url_key(panorama, settings)
    if key is None:
        return _stored(panorama)
    hit = (cache or _CACHE).peek(key)
    return None if hit is None else ViewerImage(hit[0], hit[1], None)


def credit(panorama: Panorama) -> dict[str, Any] | None:
    """The attribution a viewer shows over the image; None when nothing is known."""
    if not (panorama.licence or panorama.attribution or panorama.creator):
        return None
    return {
        "text": panorama.attribution,
        "licence": panorama.licence,
        "licence_url": LICENCE_URLS.get(panorama.licence or ""),
        "creator": panorama.creator,
        "url": panorama.page_url,
    }
