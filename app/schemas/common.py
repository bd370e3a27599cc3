"""Shapes shared across resources."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Health(BaseModel):
    status: str
    database: str
    postgis: str
    migration: str | None


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The error envelope of every 4xx/5xx answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"error": {"code": "not_found", "message": "No such campaign."}}
        }
    )

    error: ErrorDetail


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses."""
    return {code: {"model": ErrorResponse} for code in codes}
