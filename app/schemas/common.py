"""Shapes shared across resources."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from app.errors import ERROR_CODES, ERRORS, AppError

JSON = "application/json"


# Request bodies hold values of their documented JSON types only. FastAPI validates the parsed
# JSON in pydantic's lax mode, which reads true/false as 1/0, "3" as 3 and a number as a Unix
# time (`"known_answer_every": false` was accepted as 0). Floats are StrictFloat; integers use
# `json_integer`, because StrictInt would also refuse 3.0, an integer to JSON Schema.


def json_integer(value: Any) -> Any:
    """A before-validator for integer body fields: a JSON number, never true/false or "3"."""
    if isinstance(value, bool | str):
        raise ValueError("must be a number")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float):  # true/false too: bool is an int
        raise ValueError("must be a string (ISO 8601)")
    return value


JsonDate = Annotated[date, BeforeValidator(_not_a_number)]
JsonDateTime = Annotated[datetime, BeforeValidator(_not_a_number)]


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
