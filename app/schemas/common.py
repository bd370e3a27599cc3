"""Shapes shared across resources."""

from __future__ import annotations

from enum import StrEnum
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.errors import ERROR_CODES, ERRORS, AppError

JSON = "application/json"


class Health(BaseModel):
    status: str
    database: str
    postgis: str
    migration: str | None


# Built from the catalogue, so OpenAPI's `ErrorCode` lists exactly the codes app.errors defines.
ErrorCode = StrEnum("ErrorCode", [(code, code) for code in ERROR_CODES])  # type: ignore[misc]
ErrorCode.__doc__ = "Every machine-readable error code the API answers with (app/errors)."


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The error envelope of every 4xx/5xx answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"error": {"code": "campaign_not_found", "message": "No campaign 'x'."}}
        }
    )

    error: ErrorDetail


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the named errors a route can raise: one entry per status."""
    for error in errors:
        if ERRORS.get(getattr(error, "code", "")) is not error:
            raise TypeError(f"{error.__name__} is not a named error of the catalogue")
    by_status: dict[int, list[type[AppError]]] = {}
    for error in sorted(set(errors), key=lambda e: ERROR_CODES.index(e.code)):
        by_status.setdefault(error.status_code, []).append(error)
    return {
        status: {
            "model": ErrorResponse,
            "description": _description(status, found),
            "x-error-codes": [e.code for e in found],
        }
        for status, found in sorted(by_status.items())
    }


def errors_as_json(document: dict[str, Any]) -> dict[str, Any]:
    """Document every error answer as `application/json`, which is what the handlers send.

    FastAPI files a response `model` under the route's own media type, so on a GeoJSON route
    (and /ogc/api) the errors read as `application/geo+json`; move each back, schema and all.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content")
                if "x-error-codes" in response and content and JSON not in content:
                    response["content"] = {JSON: next(iter(content.values()))}
    return document


def _description(status: int, errors: list[type[AppError]]) -> str:
    lines = [f"{HTTPStatus(status).phrase}; `error.code` is one of:", ""]
    for error in errors:
        summary = (error.__doc__ or "").strip().splitlines()[0]
        lines.append(f"- `{error.code}`: {summary}")
    return "\n".join(lines)
