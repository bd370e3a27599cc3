"""Campaign shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import json_integer

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_SETTINGS = ("votes_per_task", "lease_minutes", "tutorial_tasks", "known_answer_every")


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
    votes_per_task: int = Field(default=3, ge=1, le=15)
    lease_minutes: int = Field(default=20, ge=1, le=1440)
    tutorial_tasks: int = Field(default=3, ge=0, le=20)
    known_answer_every: int = Field(default=20, ge=0, le=1000)
    licence: str = Field(default="ODbL-1.0", max_length=64)

    _numbers = field_validator(*_SETTINGS, mode="before")(json_integer)


class CampaignUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    votes_per_task: int | None = Field(default=None, ge=1, le=15)
    lease_minutes: int | None = Field(default=None, ge=1, le=1440)
    tutorial_tasks: int | None = Field(default=None, ge=0, le=20)
    known_answer_every: int | None = Field(default=None, ge=0, le=1000)
    licence: str | None = Field(default=None, max_length=64)

    _numbers = field_validator(*_SETTINGS, mode="before")(json_integer)
