"""Decoding shapes: leases, submissions with tags, feedback, flags, progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

from app.schemas.common import JsonDateTime
from app.schemas.imagery import Attribution, ImageTiles

Attachment = Literal["street_furniture", "building", "other"]
CameraType = Literal["dome_ptz", "bullet", "unknown"]
ProblemKind = Literal["no_image", "image_unusable", "wrong_place", "other"]
MAX_TAGS = 50

# Angles must be finite numbers in range: NaN and Infinity are refused by allow_inf_nan=False,
# and true/false by StrictFloat (lax mode would read them as 1.0/0.0).
Heading = Field(ge=0, lt=360, allow_inf_nan=False)
Pitch = Field(ge=-90, le=90, allow_inf_nan=False)


class PanoramaRead(BaseModel):
    provider: str
    # Mapillary: a fresh signed URL, valid at least until `image_expires_at` (ask again after).
    image_url: str | None = None
    image_expires_at: datetime | None = None
    # Panoramax: a tiled rendition the viewer may prefer to image_url.
    image_tiles: ImageTiles | None = None
    pano_id: str | None = None
    lat: float
    lon: float
    captured_at: date | None = None
    # Compass heading (clockwise from true north) of the image's centre column.
    heading: float
    attribution: Attribution | None = None


class TaskRead(BaseModel):
    id: int
    known_answer: bool
    panorama: PanoramaRead


class LeaseProgress(BaseModel):
    tasks_done: int
    tutorial_remaining: int


class AssignmentRead(BaseModel):
    id: int
    expires_at: datetime
    tutorial: bool
    task: TaskRead
    progress: LeaseProgress


class TagIn(BaseModel):
    """One camera click, with an optional click where its pole or wall meets the ground."""

    model_config = ConfigDict(extra="forbid")

    heading: StrictFloat = Heading
    pitch: StrictFloat = Pitch
    zoom: StrictFloat = Field(default=1.0, ge=0, le=6, allow_inf_nan=False)
    attachment: Attachment
    camera_type: CameraType
    base_heading: StrictFloat | None = Field(default=None, ge=0, lt=360, allow_inf_nan=False)
    base_pitch: StrictFloat | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)

    @model_validator(mode="after")
    def _base_both_or_neither(self) -> Self:
        if (self.base_heading is None) != (self.base_pitch is None):
            raise ValueError("base_heading and base_pitch go together")
        if self.base_pitch is not None and self.base_pitch >= self.pitch:
            raise ValueError("the base must be below the camera (base_pitch < pitch)")
        return self


class ProblemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ProblemKind
    comment: str | None = Field(default=None, max_length=1000)


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    outcome: Literal["cameras", "no_cameras", "problem"]
    tags: list[TagIn] = Field(default_factory=list, max_length=MAX_TAGS)
    problem: ProblemIn | None = None
    started_at: JsonDateTime | None = None

    @model_validator(mode="after")
    def _outcome_matches_content(self) -> Self:
        if self.outcome == "cameras" and not self.tags:
            raise ValueError("outcome 'cameras' needs 1 to 50 tags")
        if self.outcome != "cameras" and self.tags:
            raise ValueError(f"outcome '{self.outcome}' takes no tags")
        if (self.outcome == "problem") != (self.problem is not None):
            raise ValueError("a problem goes with outcome 'problem', and only with it")
        return self


class MatchedTag(BaseModel):
    tag: int
    camera: int
    attachment_ok: bool
    type_ok: bool


class MissedCamera(BaseModel):
    heading: float
    pitch: float
    attachment: str
    camera_type: str


class Feedback(BaseModel):
    """What a tutorial submission got right and wrong."""

    matched: list[MatchedTag]
    missed: list[MissedCamera]
    false_tags: list[int]
    recall: float
    precision: float


class SubmissionResult(BaseModel):
    id: int
    task_id: int
    feedback: Feedback | None = None


class SkipResult(BaseModel):
    id: int
    status: str


class FlagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=2000)


class FlagRead(BaseModel):
    id: int
    task_id: int
    author: str
    body: str
    created_at: datetime


class FlagList(BaseModel):
    flags: list[FlagRead]


class AreaProgress(BaseModel):
    area: str
    kind: str
    tasks_total: int
    tasks_complete: int


class DayProgress(BaseModel):
    day: date
    submissions: int
    tasks_completed: int


class ProgressRead(BaseModel):
    tasks_total: int
    tasks_complete: int
    tasks_in_progress: int
    tasks_review: int
    tasks_excluded: int
    submissions: int
    by_area: list[AreaProgress]
    by_day: list[DayProgress]
