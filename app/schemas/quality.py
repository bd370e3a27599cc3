"""Quality shapes: expert labels (known answers), QA samples and report, moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, field_validator, model_validator

from app.schemas.common import json_integer
from app.schemas.decoding import Attachment, CameraType, Heading, PanoramaRead, Pitch

KnownUse = Literal["tutorial", "check"]
MAX_KNOWN_CAMERAS = 50


class KnownCameraIn(BaseModel):
    """One true camera placed by an expert: direction, attachment, type; base click optional."""

    model_config = ConfigDict(extra="forbid")

    heading: StrictFloat = Heading
    pitch: StrictFloat = Pitch
    attachment: Attachment
    camera_type: CameraType
    base_heading: StrictFloat | None = Field(default=None, ge=0, lt=360, allow_inf_nan=False)
    base_pitch: StrictFloat | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)

    @model_validator(mode="after")
    def _base_both_or_neither(self) -> Self:
        if (self.base_heading is None) != (self.base_pitch is None):
            raise ValueError("base_heading and base_pitch go together")
        return self


class KnownAnswerIn(BaseModel):
    """The true cameras of a task (an empty list: the expert sees no camera)."""

    model_config = ConfigDict(extra="forbid")

    cameras: list[KnownCameraIn] = Field(max_length=MAX_KNOWN_CAMERAS)


class KnownAnswerRead(BaseModel):
    """A task's known answer: cameras, who placed them and when, and how it is used."""

    task_id: int
    cameras: list[KnownCameraIn]
    use: KnownUse
    labelled_by: str | None  # pseudonym; None for imported or generated answers
    labelled_at: datetime | None


class KnownAnswerList(BaseModel):
    known_answers: list[KnownAnswerRead]


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use: KnownUse


class CrowdTag(BaseModel):
    decoder: str
    heading: float
    pitch: float
    attachment: str
    camera_type: str | None
    base_heading: float | None
    base_pitch: float | None


class CrowdCamera(BaseModel):
    id: int
    status: str
    bearing: float | None
    pitch: float | None
    attachment: str
    camera_type: str
    support: int
    voters: int
    confidence: float


class CrowdView(BaseModel):
    """What the crowd said, shown to an expert only after they saved their own label."""

    submissions: int
    tags: list[CrowdTag]
    counts: dict[str, float] | None
    cameras: list[CrowdCamera]


class TaskReviewRead(BaseModel):
    """A task in the review screen: the panorama; the crowd only once the caller labelled it."""

    task_id: int
    campaign: str
    status: str
    panorama: PanoramaRead
    sample: QueueItem | None = None
    known_answer: KnownAnswerRead | None
    crowd: CrowdView | None


class QueueItem(BaseModel):
    """A QA sample task for an expert."""

    task_id: int
    sample_id: int
    stratum: str
    weight: float
    remaining: int


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_stratum: int = Field(default=8, ge=1, le=10_000)
    seed: int = Field(default=1, ge=0, le=2**62)

    _numbers = field_validator("per_stratum", "seed", mode="before")(json_integer)


class StratumRead(BaseModel):
    stratum: str
    population: int
    drawn: int
    weight: float
    reviewed: int


class SampleRead(BaseModel):
    id: int
    seed: int
    per_stratum: int
    created_at: datetime
    tasks: int
    reviewed: int
    strata: list[StratumRead]


class Interval(BaseModel):
    """A weighted estimate with its 95 % weighted-bootstrap interval (None: undefined)."""

    value: float | None
    low: float | None
    high: float | None


class CategoryQuality(BaseModel):
    category: str
    crowd_count: float  # Σ w · crowd median
    expert_count: float  # Σ w · expert cameras
    count_ratio: Interval
    recall: Interval
    precision: Interval


class QualityReport(BaseModel):
    """DESIGN §5.5: the crowd measured against the experts on the latest QA sample."""

    sample_id: int | None
    reviewed_tasks: int
    sampled_tasks: int
    replicates: int
    method: str
    categories: list[CategoryQuality]
    computed_at: datetime | None = None  # when these figures were computed


class DecoderModeration(BaseModel):
    """A decoder as coordinators see them: pseudonym, reliability, known answers, tasks."""

    decoder: str
    role: str
    submissions: int
    known_tasks: int
    known_recall: float | None
    known_precision: float | None
    sensitivity: float | None
    false_alarm: float | None
    flagged: bool
    # Why: false_alarms, sensitivity, known_precision, known_recall (app.domain.quality).
    flag_reasons: list[str] = []
    suspended_at: datetime | None
    suspension_reason: str | None


class DecoderModerationList(BaseModel):
    decoders: list[DecoderModeration]


class SuspendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class SuspensionRead(BaseModel):
    decoder: str
    suspended_at: datetime | None
    affected_tasks: int
    reopened_tasks: int
    expired_leases: int


TaskReviewRead.model_rebuild()
