"""API key shapes: the secret appears only in the answer to its creation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import json_integer


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["Newsroom data desk"])
    rate_per_minute: int | None = Field(
        default=None, ge=1, le=100_000, description="Requests per minute; the default if omitted."
    )

    _numbers = field_validator("rate_per_minute", mode="before")(json_integer)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    rate_per_minute: int
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself: shown this once, never again.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyRead]
