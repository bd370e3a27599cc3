"""Mapillary and Panoramax stand-ins on one local HTTP server, so no test calls the internet.

They answer in the providers' documented shapes (fixtures in tests/fixtures/imagery): the Graph
API's `{"data": [...], "paging": {"next": …}}` with signed, expiring image URLs, and a STAC
ItemCollection with `rel=next` links. Knobs make them misbehave the way real services do:
`throttle` (429 with Retry-After), `malformed` (broken JSON or shapes), `hold` (a slow provider:
a request waits until released), a clock for URL expiry.

    with fake_imagery() as fake:
        settings.mapillary_api_url = fake.mapillary_url   # …/mapillary
        settings.panoramax_url = fake.panoramax_url       # …/panoramax/api
"""

from __future__ import annotations

import copy
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures" / "imagery"
TOKEN = "MLY|test|token"


def _jpeg(width: int = 64, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 110, 130)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class FakeImagery:
    """The servers' state; tests change it between requests."""

    base: str = ""
    mapillary: list[dict[str, Any]] = field(default_factory=list)
    panoramax: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2  # small, so every test paginates
    honour_is_pano: bool = False  # False: non-360 images come back and the adapter must skip
    throttle: dict[str, tuple[int, str]] = field(default_factory=dict)  # route → (times, after)
    malformed: set[str] = field(default_factory=set)  # routes answering broken bodies
    url_lifetime: float = 3600.0
    now: float = field(default_factory=time.time)  # the CDN's clock for URL expiry
    images: dict[str, bytes] = field(default_factory=dict)  # image id → JPEG (default grey)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # route → released: a request to a held route waits (logged, and `parked` set) until then.
    hold: dict[str, threading.Event] = field(default_factory=dict)
    parked: threading.Event = field(default_factory=threading.Event)

    @property
    def mapillary_url(self) -> str:
        return f"{self.base}/mapillary"

    @property
    def panoramax_url(self) -> str:
        return f"{self.base}/panoramax/api"

    def reset(self) -> None:
        """Fixtures loaded afresh, no misbehaviour, nothing logged."""
        mly = json.loads((FIXTURES / "mapillary_images.json").read_text())
        pmx = (FIXTURES / "panoramax_items.json").read_text().replace("{root}", self.panoramax_url)
        self.mapillary = mly["data"]
        self.panoramax = json.loads(pmx)["features"]
        self.page_size, self.honour_is_pano = 2, False
        self.throttle, self.malformed = {}, set()
        self.url_lifetime, self.now = 3600.0, time.time()
        self.images, self.requests = {}, []
        self.hold, self.parked = {}, threading.Event()

    def calls(self, route: str) -> list[dict[str, Any]]:
        """The logged requests of one route ('mapillary/images', 'mapillary/image', …)."""
        return [r for r in self.requests if r["route"] == route]


def _in_bbox(coords: list[float], bbox: str) -> bool:
    west, south, east, north = (float(v) for v in bbox.split(","))
    return west <= coords[0] <= east and south <= coords[1] <= north


class _Handler(BaseHTTPRequestHandler):
    fake: FakeImagery

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        route = self._route(path)
        with self.fake.lock:
            self.fake.requests.append(
                {"route": route, "path": path, "query": query, "headers": dict(self.headers)}
            )
            times, after = self.fake.throttle.get(route, (0, "0"))
            if times:
                self.fake.throttle[route] = (times - 1, after)
            released = self.fake.hold.get(route)
        if released is not None:
            self.fake.parked.set()
            released.wait(60)  # a bound, so a failing test cannot hang the suite
        if times:
            self._json(429, {"error": {"message": "Too many requests", "code": 4}}, after)
            return
        if route in self.fake.malformed:
            self._send(200, b'{"data": [ {"id": "1"', "application/json")
            return
        handler = getattr(self, "_" + route.replace("/", "_"), None)
        if handler is None:
            self._json(404, {"error": {"message": f"no route {path}"}})
            return
        handler(path, query)

    @staticmethod
    def _route(path: str) -> str:
        if path == "/mapillary/images":
            return "mapillary/images"
        if path.startswith("/mapillary/"):
            return "mapillary/image"
        if path.startswith("/cdn/"):
            return "cdn"
        if path == "/panoramax/api/search":
            return "panoramax/search"
        if path.startswith("/panoramax/api/pictures/"):
            return "panoramax/picture"
        return "unknown"

    # Mapillary Graph API v4

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"OAuth {TOKEN}":
            return True
        error = {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}
        self._json(401, {"error": error})
        return False

    def _mapillary_images(self, path: str, query: dict[str, str]) -> None:
        if not self._authorised():
            return
        west, south, east, north = (float(v) for v in query["bbox"].split(","))
        if (east - west) * (north - south) >= 0.01:
            self._json(400, {"error": {"message": "bbox must be smaller than 0.01 degrees²"}})
            return
        fields = set(query.get("fields", "id").split(",")) | {"id"}
        images = [
            i
            for i in self.fake.mapillary
            if _in_bbox(i["geometry"]["coordinates"], query["bbox"])
            and (i.get("is_pano") or not self.fake.honour_is_pano or query.get("is_pano") != "true")
        ]
        limit = min(int(query.get("limit", 2000)), 2000)
        start = int(query.get("after", 0))
        size = min(limit, self.fake.page_size)
        page = images[start : start + size]
        body: dict[str, Any] = {"data": [{k: v for k, v in i.items() if k in fields} for i in page]}
        if start + size < len(images):
            nxt = {**query, "after": str(start + size)}
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + size)},
                "next": f"{self.fake.mapillary_url}/images?{urlencode(nxt)}",
            }
        if "shape" in self.fake.malformed:
            body = {"data": [{"id": "9", "geometry": "nowhere"}]}
        self._json(200, body)

    def _mapillary_image(self, path: str, query: dict[str, str]) -> None:
        if not self._authorised():
            return
        image_id = path.rsplit("/", 1)[1]
        if not any(i["id"] == image_id for i in self.fake.mapillary):
            self._json(404, {"error": {"message": f"Unsupported get request. Object {image_id}"}})
            return
        expires = int(self.fake.now + self.fake.url_lifetime)
        count = len(self.fake.calls("mapillary/image"))
        url = f"{self.fake.base}/cdn/{image_id}.jpg?_nc_sig={count}&oe={expires:X}"
        fields = query.get("fields", "id").split(",")
        body = {"id": image_id}
        for name in ("thumb_original_url", "thumb_2048_url"):
            if name in fields:
                body[name] = url
        self._json(200, body)

    def _cdn(self, path: str, query: dict[str, str]) -> None:
        # Signed CDN URLs die at their `oe` time with a 403, as Facebook's CDN answers.
        if int(query.get("oe", "0"), 16) < self.fake.now:
            self._send(403, b"URL signature expired", "text/plain")
            return
        image_id = path.rsplit("/", 1)[1].removesuffix(".jpg")
        self._send(200, self.fake.images.get(image_id) or _jpeg(), "image/jpeg")

    # Panoramax (STAC API)

    def _panoramax_search(self, path: str, query: dict[str, str]) -> None:
        items = [
            i for i in self.fake.panoramax if _in_bbox(i["geometry"]["coordinates"], query["bbox"])
        ]
        limit = int(query.get("limit", 10))
        start = int(query.get("page", 0))
        size = min(limit, self.fake.page_size)
        links = [{"rel": "root", "href": f"{self.fake.panoramax_url}/", "type": "application/json"}]
        if start + size < len(items):
            nxt = {**query, "page": str(start + size)}
            href = f"{self.fake.panoramax_url}/search?{urlencode(nxt)}"
            links.append({"rel": "next", "href": href, "type": "application/geo+json"})
        page = copy.deepcopy(items[start : start + size])
        if "shape" in self.fake.malformed:
            page = [
                {
                    "type": "Feature",
                    "id": "broken",
                    "properties": {"pers:interior_orientation": {"field_of_view": 360}},
                }
            ]
        self._json(200, {"type": "FeatureCollection", "features": page, "links": links})

    def _panoramax_picture(self, path: str, query: dict[str, str]) -> None:
        picture = path.split("/")[4]
        self._send(200, self.fake.images.get(picture) or _jpeg(), "image/jpeg")

    def _json(self, status: int, body: Any, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, media: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")  # the browser test loads images
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def fake_imagery() -> Iterator[FakeImagery]:
    """Serve both fake providers on a free loopback port for the duration of the block."""
    fake = FakeImagery()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    fake.reset()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
