"""Street imagery shapes: finding panoramas for a campaign, and what a viewer shows of one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, field_validator

from app.schemas.common import json_integer

SearchableProvider = Literal["mapillary", "panoramax"]


class FindRequest(BaseModel):
    """One step of a find: up to `max_tiles` tiles searched and written in this request."""

    model_config = ConfigDict(extra="forbid")

    provider: SearchableProvider
    max_distance_m: StrictFloat = Field(default=15.0, ge=1, le=200)
    since: str | None = Field(default=None, max_length=10, description="YYYY, YYYY-MM or date")
    until: str | None = Field(default=None, max_length=10)
    area: str | None = Field(default=None, max_length=200, description="Search this area instead")
    spacing_m: StrictFloat = Field(default=20.0, ge=1, le=1000)
    max_tiles: int = Field(default=4, ge=1, le=50)

    _numbers = field_validator("max_tiles", mode="before")(json_integer)


class FindStatusRead(BaseModel):
    provider: str
    locations: int
    searched: int
    with_imagery: int
    without_imagery_count: int
    without_imagery: list[str]
    remaining: int


class FindStep(BaseModel):
    """What this step did; call again while `tiles_remaining` > 0 (the bar: `status`)."""

    tiles_done: int
    tiles_remaining: int
    locations_searched: int
    panoramas_created: int
    tasks_created: int
    merged: int
    without_imagery: list[str]
    status: FindStatusRead


class Attribution(BaseModel):
    """The credit an image needs, shown over it in the viewer."""

    text: str | None
    licence: str | None
    licence_url: str | None
    creator: str | None
    url: str | None


class ImageTiles(BaseModel):
    """A tiled equirectangular rendition: `url` with {col} and {row}, cols × rows tiles."""

    url: str
    cols: int
    rows: int
    width: int
