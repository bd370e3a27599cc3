"""Panoramax (federated; a STAC API): 360° pictures in a box from an instance or the meta-catalogue.

`GET {root}/search?bbox=…&limit=…` answers a STAC ItemCollection; pages follow `rel=next`
links. A field of view of 360 marks a panorama; `view:azimuth` is the heading of the picture's
centre; `hd`/`sd` assets are lasting URLs; a tiled rendition is an `asset_templates.tiles`
URL with a `tiles:tile_matrix_sets` description. Licences are etalab-2.0 or CC BY-SA 4.0,
both with ODbL rights for derived data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from app.domain.imagery import BBox, Candidate, attribution, normalise_heading, normalise_licence
from app.errors import ImageryInvalid
from app.services.imagery.client import Client
from app.services.imagery.mapillary import Page

NAME = "panoramax"
LIMIT = 500
_MAX_PAGES = 100


@dataclass
class Panoramax:
    """The Panoramax adapter over a configured Client (the API root)."""

    client: Client
    name: str = NAME
    limit: int = LIMIT

    def search(
        self, bbox: BBox, *, since: date | None = None, until: date | None = None
    ) -> Iterator[Page]:
        """Every picture in the box, following `next` links."""
        first: dict[str, Any] = {"bbox": bbox.param(), "limit": self.limit}
        if since or until:
            start = f"{since.isoformat()}T00:00:00Z" if since else ".."
            end = f"{until.isoformat()}T23:59:59Z" if until else ".."
            first["datetime"] = f"{start}/{end}"
        params: dict[str, Any] | None = first
        path: str | None = "search"
        for _ in range(_MAX_PAGES):
            if path is None:
                return
            body = self.client.get_json(path, params)
            features, next_url = _collection(body)
            candidates = [c for c in (_candidate(f, self.client) for f in features) if c]
            yield Page(candidates, full=False)  # STAC pages on: never cut without a `next`
            path, params = next_url, None


def _collection(body: Any) -> tuple[list[Any], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("features"), list):
        raise ImageryInvalid(
            "Panoramax's answer is not a STAC ItemCollection (no `features` list).",
            details={"keys": sorted(body)[:10] if isinstance(body, dict) else type(body).__name__},
        )
    next_url = None
    for link in body.get("links") or ():
        if (
            isinstance(link, dict)
            and link.get("rel") == "next"
            and isinstance(link.get("href"), str)
        ):
            next_url = link["href"]
    return body["features"], next_url


def _candidate(item: Any, client: Client) -> Candidate | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ImageryInvalid("Panoramax listed an item without an id.", details={"item": item})
    item_id = item["id"]
    props = item.get("properties")
    if not isinstance(props, dict):
        raise ImageryInvalid(f"Panoramax item {item_id} has no properties.")
    orientation = props.get("pers:interior_orientation")
    fov = orientation.get("field_of_view") if isinstance(orientation, dict) else None
    if fov != 360:
        return None  # a flat picture: nothing to look around in
    position = _point(item.get("geometry"))
    if position is None:
        raise ImageryInvalid(f"Panoramax item {item_id} has no point geometry.")
    assets = item.get("assets")
    assets = assets if isinstance(assets, dict) else {}
    image_url = _href(assets.get("hd")) or _href(assets.get("sd"))
    if image_url is None:
        raise ImageryInvalid(f"Panoramax item {item_id} has no hd or sd image.")
    licence = normalise_licence(_licence(item, props))
    creator = _producer(item, props)
    heading = props.get("view:azimuth")
    return Candidate(
        provider=NAME,
        provider_id=item_id,
        lon=position[0],
        lat=position[1],
        heading=normalise_heading(float(heading) if isinstance(heading, int | float) else 0.0),
        captured_at=_day(props.get("datetime") or props.get("datetimetz")),
        is_pano=True,
        licence=licence,
        attribution=attribution(f"Panoramax ({_host(item, client)})", creator, licence),
        creator=creator,
        image_url=image_url,
        page_url=_link(item, "self"),
        tiles=_tiles(item, props),
    )


def _point(geometry: Any) -> tuple[float, float] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return None
    lon, lat = coords[0], coords[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return float(lon), float(lat)


def _href(asset: Any) -> str | None:
    href = asset.get("href") if isinstance(asset, dict) else None
    return href if isinstance(href, str) and href.startswith(("https://", "http://")) else None


def _link(item: dict[str, Any], rel: str) -> str | None:
    for link in item.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == rel and isinstance(link.get("href"), str):
            return str(link["href"])[:2000]
    return None


def _licence(item: dict[str, Any], props: dict[str, Any]) -> str | None:
    # `properties.license` holds an SPDX id; else a `license` link's title names it.
    if isinstance(props.get("license"), str):
        return str(props["license"])
    for link in item.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == "license":
            title = link.get("title")
            return title if isinstance(title, str) else None
    return None


def _producer(item: dict[str, Any], props: dict[str, Any]) -> str | None:
    for provider in item.get("providers") or props.get("providers") or ():
        if isinstance(provider, dict) and "producer" in (provider.get("roles") or ()):
            name = provider.get("name")
            return str(name)[:200] if name else None
    return None


def _host(item: dict[str, Any], client: Client) -> str:
    """The instance that holds the picture (items of the meta-catalogue link back to theirs)."""
    self_url = _link(item, "self") or client.base_url
    return urlsplit(self_url).netloc or "panoramax"


def _tiles(item: dict[str, Any], props: dict[str, Any]) -> dict[str, Any] | None:
    templates = item.get("asset_templates")
    href = _href(templates.get("tiles")) if isinstance(templates, dict) else None
    sets = props.get("tiles:tile_matrix_sets")
    matrix_set = sets.get("geovisio") if isinstance(sets, dict) else None
    matrices = matrix_set.get("tileMatrix") if isinstance(matrix_set, dict) else None
    if href is None or not isinstance(matrices, list):
        return None
    levels = [m for m in matrices if isinstance(m, dict)]
    try:
        # The finest level: the tiles of the whole picture at full resolution.
        top = max(levels, key=lambda m: int(m["matrixWidth"]))
        cols, rows = int(top["matrixWidth"]), int(top["matrixHeight"])
        width = cols * int(top["tileWidth"])
    except (KeyError, TypeError, ValueError):
        return None
    url = href.replace("{TileCol}", "{col}").replace("{TileRow}", "{row}")
    return {"url": url, "cols": cols, "rows": rows, "width": width}


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
