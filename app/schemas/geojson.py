"""GeoJSON shapes (RFC 7946) for the OpenAPI document.

Responses are built as plain dicts and not validated against these models: a 10,000-feature
page would spend more time in validation than in the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.quality import QualityReport


class Geometry(BaseModel):
    type: Literal["Point", "Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(description="Longitude, latitude (WGS 84), 7 decimals.")


class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class OsmTags(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    man_made: Literal["surveillance"]
    surveillance: Literal["public"] | None = Field(
        default=None, description="Only for cameras on street furniture."
    )
    surveillance_type: Literal["camera"] = Field(alias="surveillance:type")
    camera_type: Literal["dome", "fixed"] | None = Field(default=None, alias="camera:type")
    camera_mount: Literal["pole", "wall"] | None = Field(default=None, alias="camera:mount")
    camera_direction: int | None = Field(default=None, alias="camera:direction")


class CameraProperties(BaseModel):
    id: int
    status: str
    confidence: float
    attachment: str
    camera_type: str
    location_method: str
    uncertainty_m: float
    support: int
    voters: int
    n_panoramas: int
    bearing: float | None = Field(description="Bearing from the panorama to the camera.")
    task_id: int | None
    method_version: str
    computed_at: datetime
    osm: OsmTags


class CountProperties(BaseModel):
    """Per-task counts; also one `area_<kind>` member per kind of area of the campaign."""

    model_config = ConfigDict(extra="allow")

    task_id: int
    n: int
    median_all: float
    agreement_all: str
    total: float
    image_date: str | None = Field(description="Panorama capture month, YYYY-MM.")
    provider: str
    pano_id: str | None


class TagProperties(BaseModel):
    id: int
    task_id: int
    decoder: str = Field(description="The decoder's pseudonymous public id.")
    heading: float
    pitch: float
    zoom: float
    attachment: str
    camera_type: str | None
    base_heading: float | None
    base_pitch: float | None
    submitted: str = Field(description="Day of submission, YYYY-MM-DD.")


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int | str | None = None
    geometry: Geometry
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """A page of features with the dataset's metadata as foreign members."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    campaign: str
    name: str
    licence: str
    method_version: str | None
    computed_at: datetime | None
    # The crowd measured against experts on the latest QA sample (DESIGN §5.5), as last
    # computed (its computed_at); None with the reason in quality_unavailable.
    quality: QualityReport | None = None
    quality_unavailable: str | None = None
    numberMatched: int | None = None
    numberReturned: int | None = None
    links: list[Link] = []
    features: list[Feature]


class CameraFeature(Feature):
    properties: CameraProperties  # type: ignore[assignment]


class CountFeature(Feature):
    properties: CountProperties  # type: ignore[assignment]


class TagFeature(Feature):
    properties: TagProperties  # type: ignore[assignment]


class CameraCollection(FeatureCollection):
    features: list[CameraFeature]  # type: ignore[assignment]


class CountCollection(FeatureCollection):
    features: list[CountFeature]  # type: ignore[assignment]


class TagCollection(FeatureCollection):
    features: list[TagFeature]  # type: ignore[assignment]
