"""Row parsers for the Decode Surveillance NYC files (DESIGN §8); ValueError names the problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.services.imports.common import (
    CsvTable,
    normalise_heading,
    parse_capture_date,
    parse_count,
    parse_float,
    parse_lat_lon,
    parse_timestamp,
)

INTERSECTIONS, PANORAMAS, COUNTS, CAMERAS = (
    "intersections.csv",
    "panorama_url.csv",
    "counts.csv",
    "cameras.csv",
)
FILES = (INTERSECTIONS, PANORAMAS, COUNTS, CAMERAS)
# counts.csv columns in the order of Submission.n_* (as published; type_* is street furniture only).
COUNT_COLUMNS = (
    "n_cameras",
    "attached_street",
    "attached_building",
    "attached_unknown",
    "type_dome",
    "type_bullet",
    "type_unknown",
)
ATTACHMENTS = {
    "street_light/traffic_signal/road_sign": "street_furniture",
    "street_light": "street_furniture",
    "traffic_signal": "street_furniture",
    "road_sign": "street_furniture",
    "building": "building",
    "unknown": "other",
}
_ATTACHED_WORDS = "street_light/traffic_signal/road_sign, building or unknown"
# Amnesty asked the type on street furniture only: elsewhere it is empty (NULL here).
CAMERA_TYPES = {"dome": "dome_ptz", "bullet": "bullet", "unknown": "unknown", "": None, "nan": None}
MAX_REF = 120  # external refs are VARCHAR(128); users' carry an "amnesty:" prefix


@dataclass(slots=True)
class Intersection:
    row: int
    lat: float
    lon: float
    panorama_id: str | None
    image_date: date | None
    properties: dict[str, str]


@dataclass(slots=True)
class SubmissionIn:
    row: int
    decoder: str
    intersection: str
    started_at: datetime
    submitted_at: datetime
    counts: tuple[int, ...]


@dataclass(slots=True)
class TagIn:
    row: int
    submission: str
    external_ref: str | None
    decoder: str
    heading: float
    pitch: float
    zoom: float
    attachment: str
    camera_type: str | None
    created_at: datetime | None
    pitch_clamped: bool
    zoom_clamped: bool


def _ref(value: str, what: str) -> str:
    if not value or len(value) > MAX_REF:
        raise ValueError(f"missing or over-long {what}")
    return value


class RowParsers:
    """Column positions of the four files, and a parser per row kind."""

    def __init__(self, tables: dict[str, CsvTable]) -> None:
        inter, pano, counts, cams = (tables[name] for name in FILES)
        self.inter = [inter.require(c) for c in ("IntersectionId", "Lat", "Long", "PanoramaId")]
        self.inter_date = inter.column("ImageDate", required=False)
        self.inter_props = [
            (key, inter.column(name, required=False))
            for key, name in (
                ("url", "Url"),
                ("borough", "Borough"),
                ("traffic_signal", "TrafficSignal"),
            )
        ]
        self.pano = [pano.require(c) for c in ("PanoramaId", "GoogleLat", "GoogleLong")]
        names = ("SubmissionId", "DecoderId", "IntersectionId", "StartTime", "EndTime")
        self.counts = [counts.require(c) for c in (*names, *COUNT_COLUMNS)]
        names = ("SubmissionId", "Id", "DecoderId", "Type", "Attached")
        self.cams = [cams.require(c) for c in (*names, "Pov.heading", "Pov.pitch", "Pov.zoom")]
        self.cams_created = cams.column("Createdtime", required=False)

    def intersection(self, row: int, values: list[str]) -> tuple[str, Intersection]:
        ref, lat, lon, pano = (values[c] for c in self.inter)
        _ref(ref, "IntersectionId")
        if len(pano) > MAX_REF:
            raise ValueError("over-long PanoramaId")
        lat_value, lon_value = parse_lat_lon(lat, lon)
        props = {k: values[c] for k, c in self.inter_props if c is not None and values[c]}
        day = parse_capture_date(values[self.inter_date]) if self.inter_date is not None else None
        return ref, Intersection(row, lat_value, lon_value, pano or None, day, props)

    def submission(self, row: int, values: list[str]) -> tuple[str, SubmissionIn]:
        ref, decoder, inter, start, end, *counts = (values[c] for c in self.counts)
        started = parse_timestamp(start, "StartTime")
        ended = parse_timestamp(end, "EndTime") if end else started
        parsed = tuple(parse_count(v, n) for v, n in zip(counts, COUNT_COLUMNS, strict=True))
        return _ref(ref, "SubmissionId"), SubmissionIn(
            row, _ref(decoder, "DecoderId"), inter, started, ended, parsed
        )

    def tag(self, row: int, values: list[str]) -> TagIn:
        ref, tag_id, decoder, kind, attached, heading, pitch, zoom = (values[c] for c in self.cams)
        attached, kind = attached.lower(), kind.lower()
        if attached not in ATTACHMENTS:
            raise ValueError(f"Attached {attached!r} is not {_ATTACHED_WORDS}")
        if kind not in CAMERA_TYPES:
            raise ValueError(f"Type {kind!r} is not dome, bullet, unknown or empty")
        if len(tag_id) > MAX_REF:
            raise ValueError("over-long Id")
        pitch_value = parse_float(pitch, "Pov.pitch")
        zoom_value = parse_float(zoom, "Pov.zoom") if zoom else 1.0  # Street View's default
        created = values[self.cams_created] if self.cams_created is not None else ""
        return TagIn(
            row,
            ref,
            tag_id or None,
            decoder,
            normalise_heading(parse_float(heading, "Pov.heading")),
            max(-90.0, min(90.0, pitch_value)),
            max(0.0, min(6.0, zoom_value)),
            ATTACHMENTS[attached],
            CAMERA_TYPES[kind],
            parse_timestamp(created, "Createdtime") if created else None,
            not -90 <= pitch_value <= 90,
            not 0 <= zoom_value <= 6,
        )
