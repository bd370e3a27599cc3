"""Shared pieces of the file imports: CSV reading, value parsing, the report with warnings."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from app.errors import ImportFailed

# Spreadsheet numbering: the header is row 1, so the first record is row 2.
FIRST_ROW = 2


# A legacy GeoJSON `crs` member is accepted when it names WGS 84 (RFC 7946 coordinates).
_WGS84_NAMES = {
    "EPSG:4326",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "OGC:CRS84",
}
MAX_ERRORS = 100


@dataclass
class ImportReport:
    """What an import did, or the row-numbered errors that stopped it."""

    created: int = 0
    updated: int = 0
    merged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail_if_errors(self, what: str) -> None:
        """All or nothing: any error rejects the whole file."""
        if self.errors:
            raise ImportFailed(
                f"The {what} file has {len(self.errors)} error(s); nothing was imported.",
                details=self.errors[:MAX_ERRORS],
            )


def load_geojson(data: bytes | str) -> dict[str, Any]:
    """Parse a GeoJSON document, accepting WGS 84 only."""
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ImportFailed(f"Not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") not in {"FeatureCollection", "Feature"}:
        raise ImportFailed("Expected a GeoJSON FeatureCollection.")
    crs = doc.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in _WGS84_NAMES:
            raise ImportFailed(
                f"Unsupported crs {name!r}: coordinates must be WGS 84 longitude/latitude."
            )
    return doc if doc["type"] == "FeatureCollection" else {"features": [doc]}


@dataclass
class Report(ImportReport):
    """An ImportReport with extra counters and non-fatal warnings."""

    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warnings_total: int = 0

    def warn(self, row: int, message: str, *, file: str | None = None) -> None:
        """Record a warning; only the first MAX_ERRORS are kept, all are counted."""
        self.warnings_total += 1
        if len(self.warnings) < MAX_ERRORS:
            self.warnings.append(_issue(row, message, file))

    def error(self, row: int, message: str, *, file: str | None = None) -> None:
        """Record a row error (the import will be rejected)."""
        self.errors.append(_issue(row, message, file))


def _issue(row: int, message: str, file: str | None) -> dict[str, Any]:
    return {"file": file, "row": row, "error": message} if file else {"row": row, "error": message}


def decode_text(data: bytes | str, *, file: str | None = None) -> str:
    """UTF-8 text without a byte-order mark; Invalid when the bytes are not UTF-8."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{file or 'The file'} is not UTF-8 (byte {exc.start}); save it as UTF-8 and retry."
        ) from exc


@dataclass
class CsvTable:
    """A parsed CSV: its header and (row number, stripped values padded to the header) records."""

    file: str | None  # named in messages when an import reads several files
    header: list[str]
    records: list[tuple[int, list[str]]]

    def require(self, name: str) -> int:
        """Index of a required column; Invalid naming it when the file lacks it."""
        index = self.column(name)
        assert index is not None
        return index

    def column(self, name: str, *, required: bool = True) -> int | None:
        """Index of a column (exact name first, then case-insensitive); Invalid if required."""
        if name in self.header:
            return self.header.index(name)
        folded = [h.casefold() for h in self.header]
        if name.casefold() in folded:
            return folded.index(name.casefold())
        if required:
            raise ImportFailed(
                f"{self.file or 'The file'} has no column '{name}' "
                f"(columns: {', '.join(self.header)}).",
                details=[_issue(1, f"missing column '{name}'", self.file)],
            )
        return None


def read_csv(data: bytes | str, *, file: str | None = None) -> CsvTable:
    """Parse CSV text (BOM, quoted fields, CRLF; comma, semicolon or tab separated)."""
    text = decode_text(data, file=file)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFailed(f"{file or 'The file'} is empty.") from None
    records: list[tuple[int, list[str]]] = []
    width = len(header)
    try:
        for number, raw in enumerate(reader, start=FIRST_ROW):
            # Values are stripped and short rows padded once here, so readers can index freely.
            values = [v.strip() for v in raw]
            if len(values) < width:
                values += [""] * (width - len(values))
            if any(values):
                records.append((number, values))
    except csv.Error as exc:
        raise ImportFailed(f"{file or 'The file'} is not valid CSV: {exc}") from exc
    return CsvTable(file=file, header=header, records=records)


def cell(values: Sequence[str], index: int | None) -> str:
    """The (stripped) value at index, or '' when the column is absent."""
    return "" if index is None else values[index]


def parse_float(value: str, what: str) -> float:
    """A finite float; ValueError naming the field otherwise."""
    if value == "":
        raise ValueError(f"missing {what}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} is not a finite number: {value!r}")
    return number


def parse_lat_lon(lat: str, lon: str, what: str = "") -> tuple[float, float]:
    """Latitude and longitude in range; ValueError otherwise."""
    prefix = f"{what} " if what else ""
    lat_value = parse_float(lat, f"{prefix}latitude")
    lon_value = parse_float(lon, f"{prefix}longitude")
    if not -90 <= lat_value <= 90:
        raise ValueError(f"{prefix}latitude {lat_value} is outside [-90, 90]")
    if not -180 <= lon_value <= 180:
        raise ValueError(f"{prefix}longitude {lon_value} is outside [-180, 180]")
    return lat_value, lon_value


def parse_capture_date(value: str) -> date | None:
    """YYYY-MM (the first of the month) or YYYY-MM-DD; None when empty."""
    if value == "":
        return None
    text = value + "-01" if len(value) == 7 else value
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"capture date {value!r} is not YYYY-MM or YYYY-MM-DD") from None


def parse_timestamp(value: str, what: str) -> datetime:
    """An ISO 8601 instant; UTC when it carries no offset."""
    if value == "":
        raise ValueError(f"missing {what}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} is not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_count(value: str, what: str) -> int:
    """A non-negative integer count ('3' or '3.0', as spreadsheet exports write them)."""
    if value.isdigit():  # the common case, without the float round trip
        return int(value)
    number = parse_float(value, what)
    if number < 0 or number != int(number):
        raise ValueError(f"{what} is not a non-negative integer: {value!r}")
    return int(number)


def normalise_heading(value: float) -> float:
    """A compass heading in [0, 360)."""
    heading = value % 360.0
    # A tiny negative number wraps to 360.0 in floating point.
    return 0.0 if heading >= 360.0 else heading
