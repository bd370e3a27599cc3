"""Panorama CSV rows: column options, per-row validation, grouping rows that name one panorama."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from app.errors import ImportFailed
from app.models import PROVIDERS
from app.services.imports.common import (
    CsvTable,
    Report,
    cell,
    normalise_heading,
    parse_capture_date,
    parse_float,
    parse_lat_lon,
)

PanoramaKey = tuple[str, str, str]  # provider, "id" or "url", value
# Two rows naming one panorama may round its position differently; beyond this they disagree.
SAME_POSITION_M = 1.0


@dataclass(frozen=True)
class PanoramaFields:
    """Column names of the panorama CSV."""

    location_id: str = "location_id"
    lat: str = "lat"
    lon: str = "lon"
    provider: str = "provider"
    pano_id: str = "pano_id"
    image_url: str = "image_url"
    pano_lat: str = "pano_lat"
    pano_lon: str = "pano_lon"
    captured_at: str = "captured_at"
    heading: str = "heading"


@dataclass(frozen=True)
class PanoramaRow:
    """One valid row: where (location id or position) and which panorama."""

    row: int
    location_id: str | None
    position: tuple[float, float] | None
    provider: str
    pano_id: str | None
    image_url: str | None
    pano_position: tuple[float, float] | None
    captured_at: date | None
    heading: float | None

    @property
    def key(self) -> PanoramaKey:
        if self.pano_id:
            return (self.provider, "id", self.pano_id)
        return (self.provider, "url", self.image_url or "")


def parse_rows(
    table: CsvTable, f: PanoramaFields, default_provider: str | None, report: Report
) -> list[PanoramaRow]:
    loc_col = table.column(f.location_id, required=False)
    lat_col, lon_col = table.column(f.lat, required=False), table.column(f.lon, required=False)
    if loc_col is None and (lat_col is None or lon_col is None):
        _missing(table, f"'{f.location_id}' or '{f.lat}' and '{f.lon}'")
    provider_col = table.column(f.provider, required=default_provider is None)
    cols = [table.column(c, required=False) for c in (f.pano_id, f.image_url)]
    if cols == [None, None]:
        _missing(table, f"'{f.pano_id}' or '{f.image_url}'")
    extra = [
        table.column(c, required=False) for c in (f.pano_lat, f.pano_lon, f.captured_at, f.heading)
    ]
    rows = []
    for number, values in table.records:
        get = [cell(values, c) for c in (loc_col, lat_col, lon_col, provider_col, *cols, *extra)]
        try:
            rows.append(_row(number, *get, default_provider=default_provider))
        except ValueError as exc:
            report.error(number, str(exc))
    return rows


def _missing(table: CsvTable, what: str) -> None:
    raise ImportFailed(
        f"The file needs a column {what} (columns: {', '.join(table.header)}).",
        details=[{"row": 1, "error": f"missing column {what}"}],
    )


def _row(
    number: int,
    location_id: str,
    lat: str,
    lon: str,
    provider: str,
    pano_id: str,
    image_url: str,
    pano_lat: str,
    pano_lon: str,
    captured: str,
    heading: str,
    *,
    default_provider: str | None,
) -> PanoramaRow:
    position = None
    if not location_id:
        if not (lat or lon):
            raise ValueError("needs a location id or the location's lat/lon")
        position = parse_lat_lon(lat, lon)
    provider = (provider or default_provider or "").lower()
    if provider not in PROVIDERS:
        raise ValueError(f"provider {provider!r} is not one of {', '.join(PROVIDERS)}")
    if provider == "equirect" and not image_url:
        raise ValueError("an equirect panorama needs an image URL")
    if provider != "equirect" and not pano_id:
        raise ValueError(f"a {provider} panorama needs a pano id")
    if image_url and not image_url.startswith(("https://", "http://", "/")):
        raise ValueError("the image URL must start with https://, http:// or /")
    if len(pano_id) > 200 or len(image_url) > 2000 or len(location_id) > 128:
        raise ValueError("an id or URL is too long")
    pano_position = None
    if pano_lat or pano_lon:
        pano_position = parse_lat_lon(pano_lat, pano_lon, "panorama")
    return PanoramaRow(
        number,
        location_id or None,
        position,
        provider,
        pano_id or None,
        image_url or None,
        pano_position,
        parse_capture_date(captured),
        normalise_heading(parse_float(heading, "heading")) if heading else None,
    )


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular approximation: exact enough at the metre scale it decides.
    dy = (a[0] - b[0]) * 111_320.0
    dx = (a[1] - b[1]) * 111_320.0 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def group_rows(rows: list[PanoramaRow], report: Report) -> dict[PanoramaKey, list[PanoramaRow]]:
    groups: dict[PanoramaKey, list[PanoramaRow]] = {}
    for row in rows:
        group = groups.setdefault(row.key, [])
        for other in group:
            if _disagree(row, other):
                report.error(row.row, f"describes the panorama of row {other.row} differently")
                break
        group.append(row)
    return groups


def _disagree(a: PanoramaRow, b: PanoramaRow) -> bool:
    if (
        a.pano_position
        and b.pano_position
        and _metres(a.pano_position, b.pano_position) > SAME_POSITION_M
    ):
        return True
    if a.captured_at and b.captured_at and a.captured_at != b.captured_at:
        return True
    return a.heading is not None and b.heading is not None and a.heading != b.heading
