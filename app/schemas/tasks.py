"""Task moderation shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from app.schemas.common import JsonDate


class TaskSummary(BaseModel):
    id: int
    status: str
    valid_submissions: int
    problem_reports: int
    provider: str
    image_url: str | None
    pano_id: str | None


class TaskList(BaseModel):
    tasks: list[TaskSummary]


class TaskFix(BaseModel):
    """A corrected panorama reference for a task that had a problem."""

    model_config = ConfigDict(extra="forbid")

    image_url: str | None = Field(default=None, max_length=2000)
    pano_id: str | None = Field(default=None, max_length=200)
    captured_at: JsonDate | None = None
    # Not nullable: every panorama has a heading (0 when unknown); leave it out to keep it.
    heading: StrictFloat = Field(default=0.0, ge=0, lt=360, allow_inf_nan=False)
