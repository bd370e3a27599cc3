"""Campaign shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
# Numbers in request bodies are strict: pydantic's lax mode reads JSON true/false as 1/0, which
# the documented `integer` does not admit (`"known_answer_every": false` was accepted as 0).


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    description: str
    status: str
    votes_per_task: int
    lease_minutes: int
    tutorial_tasks: int
    known_answer_every: int
    licence: str
    created_at: datetime


class CampaignList(BaseModel):
    campaigns: list[CampaignRead]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    votes_per_task: StrictInt = Field(default=3, ge=1, le=15)
    lease_minutes: StrictInt = Field(default=20, ge=1, le=1440)
    tutorial_tasks: StrictInt = Field(default=3, ge=0, le=20)
    known_answer_every: StrictInt = Field(default=20, ge=0, le=1000)
    licence: str = Field(default="ODbL-1.0", max_length=64)


class CampaignUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    votes_per_task: StrictInt | None = Field(default=None, ge=1, le=15)
    lease_minutes: StrictInt | None = Field(default=None, ge=1, le=1440)
    tutorial_tasks: StrictInt | None = Field(default=None, ge=0, le=20)
    known_answer_every: StrictInt | None = Field(default=None, ge=0, le=1000)
    licence: str | None = Field(default=None, max_length=64)
