"""Query shapes of the researcher, density and OGC read endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator

from app.models.enums import ATTACHMENTS, CAMERA_TYPES, LOCATION_METHODS

MAX_LIMIT = 10_000
# What `status=all` means: every published status. `merged` rows are the single-panorama
# sightings a triangulated camera was built from; publishing them would count it twice.
PUBLISHED_STATUSES = ("confirmed", "candidate", "rejected")
StatusFilter = Literal["confirmed", "candidate", "rejected", "all"]
Attachment = Literal["street_furniture", "building", "other"]
CameraType = Literal["dome_ptz", "bullet", "unknown"]
LocationMethod = Literal["triangulated", "base_click", "pitch_prior"]
Format = Literal["geojson", "csv", "geojsonseq"]

# The query vocabularies must track the database's (app/models/enums.py).
assert set(get_args(Attachment)) == set(ATTACHMENTS)
assert set(get_args(CameraType)) == set(CAMERA_TYPES)
assert set(get_args(LocationMethod)) == set(LOCATION_METHODS)

# Far beyond any campaign, far below bigint: an offset past it is a mistake, not a page.
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class BBox:
    """A WGS 84 box; minlon > maxlon means it crosses the antimeridian (RFC 7946 §5.2)."""

    minlon: float
    minlat: float
    maxlon: float
    maxlat: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """`minlon,minlat,maxlon,maxlat` (a 6-number 3D box drops its heights); ValueError."""
        try:
            numbers = [float(part) for part in text.split(",")]
        except ValueError:
            raise ValueError("bbox must be numbers: minlon,minlat,maxlon,maxlat") from None
        if len(numbers) == 6:
            numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
        if len(numbers) != 4 or any(n != n for n in numbers):
            raise ValueError("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
        box = cls(*numbers)
        if not all(-180 <= lon <= 180 for lon in (box.minlon, box.maxlon)):
            raise ValueError("bbox longitudes must be within -180..180")
        if not all(-90 <= lat <= 90 for lat in (box.minlat, box.maxlat)):
            raise ValueError("bbox latitudes must be within -90..90")
        if box.minlat > box.maxlat:
            raise ValueError("bbox minlat must not exceed maxlat")
        return box

    def wkt(self) -> str:
        """The box as a WKT MultiPolygon (two parts across the antimeridian)."""
        rings = [f"(({a} {b},{c} {b},{c} {d},{a} {d},{a} {b}))" for a, b, c, d in self.parts()]
        return f"MULTIPOLYGON({','.join(rings)})"

    def parts(self) -> list[tuple[float, float, float, float]]:
        """One box, or two when it crosses the antimeridian."""
        if self.minlon <= self.maxlon:
            return [(self.minlon, self.minlat, self.maxlon, self.maxlat)]
        return [
            (self.minlon, self.minlat, 180.0, self.maxlat),
            (-180.0, self.minlat, self.maxlon, self.maxlat),
        ]


@dataclass(frozen=True)
class Filters:
    """Every filter a layer may honour; each layer applies those that make sense for it."""

    bbox: BBox | None = None
    area: str | None = None
    status: StatusFilter = "confirmed"
    attachment: str | None = None
    camera_type: str | None = None
    min_confidence: float | None = None
    location_method: str | None = None
    # Closed-or-open time interval (OGC `datetime`): computed_at for cameras, capture date
    # for counts.
    since: datetime | date | None = None
    until: datetime | date | None = None


def statuses(status: str) -> list[str]:
    """The camera statuses a `status` filter selects."""
    return list(PUBLISHED_STATUSES) if status == "all" else [status]


def _check_bbox(value: str | None) -> str | None:
    # `bbox=` (a form that leaves the box empty) is no box, as the documented string allows.
    if value is None or not value.strip():
        return None
    BBox.parse(value)
    return value


class PageQuery(BaseModel):
    """Paging and output format shared by the researcher layers."""

    bbox: str | None = Field(
        default=None,
        description="minlon,minlat,maxlon,maxlat (WGS 84)",
        examples=["-74,40.7,-73.9,40.8"],
    )
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT, description="Features per page.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Features to skip.")
    format: Format = Field(
        default="geojson",
        description="csv and geojsonseq stream the complete result, ignoring limit and offset.",
    )
    download: bool = Field(
        default=False, description="Stream the complete result (also as GeoJSON) as a file."
    )

    _bbox_ok = field_validator("bbox")(_check_bbox)

    @property
    def box(self) -> BBox | None:
        """The parsed bbox."""
        return BBox.parse(self.bbox) if self.bbox else None


class AreaPageQuery(PageQuery):
    area: str | None = Field(default=None, description="An area of the campaign, by id or name.")


class CountsQuery(AreaPageQuery):
    def filters(self) -> Filters:
        """The filters this query asks for."""
        return Filters(bbox=self.box, area=self.area)


class TagsQuery(PageQuery):
    def filters(self) -> Filters:
        """The filters this query asks for."""
        return Filters(bbox=self.box)


class CamerasQuery(AreaPageQuery):
    status: StatusFilter = "confirmed"
    attachment: Attachment | None = None
    camera_type: CameraType | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    location_method: LocationMethod | None = None

    def filters(self) -> Filters:
        """The filters this query asks for."""
        return Filters(
            bbox=self.box,
            area=self.area,
            status=self.status,
            attachment=self.attachment,
            camera_type=self.camera_type,
            min_confidence=self.min_confidence,
            location_method=self.location_method,
        )


class HexagonQuery(BaseModel):
    bbox: str | None = Field(default=None, description="Defaults to the cameras' extent.")
    cell: int = Field(default=500, ge=50, le=5000, description="Hexagon edge length in metres.")
    status: StatusFilter = "confirmed"

    _bbox_ok = field_validator("bbox")(_check_bbox)


class AreaDensityQuery(BaseModel):
    kind: str | None = Field(default=None, max_length=40, examples=["borough"])
