"""Application errors: each carries its HTTP status and a stable machine-readable code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import sqlstate

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base of every error the API reports on purpose."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class FileRequired(Invalid):
    """An import without a readable multipart `file` field."""

    code = "file_required"


class ImageReferenceRequired(Invalid):
    """A panorama fix that would leave neither an image URL nor a provider id."""

    code = "image_reference_required"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Gone(AppError):
    status_code = 410
    code = "gone"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"
    # Seconds a client should wait before trying again (the Retry-After header).
    retry_after = 2


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or is restarting."""

    code = "database_unavailable"


class DatabaseBusy(ServiceUnavailable):
    """No connection came free in time, a query timed out, or a retried deadlock lost again."""

    code = "database_busy"
    retry_after = 1


class DownloadsBusy(ServiceUnavailable):
    """Every connection reserved for streamed downloads is in use."""

    code = "downloads_busy"
    retry_after = 10


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON envelope every error uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


# Status codes Starlette raises itself (unknown route, wrong method …) mapped to our codes.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
}


# not_null_violation and check_violation: the input itself is wrong. Unique, foreign-key and
# exclusion violations come from the state of the data, usually a concurrent request.
_INVALID_STATES = {"23502", "23514"}


def _clean_validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    # Pydantic puts the rejected input and the exception object in each error; the input may be
    # huge or carry secrets (passwords), and exceptions are not JSON, so report location and reason.
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, expected or not, through the JSON envelope."""

    @app.exception_handler(AppError)
    def _app_error(_: Request, exc: AppError) -> JSONResponse:
        headers = {}
        if isinstance(exc, TooManyRequests | ServiceUnavailable):
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _clean_validation_errors(list(exc.errors()))
        return JSONResponse(error_body("invalid", "The request is not valid.", details), 422)

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers or None
        )

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint caught what a service did not check first (usually a race between two
        # requests): the transaction is rolled back, so nothing is half-written. Logged,
        # because each of these deserves a precise check and code in its service.
        state = sqlstate(exc) or ""
        log.warning("constraint %s on %s %s: %s", state, request.method, request.url.path, exc)
        if state in _INVALID_STATES:
            return JSONResponse(error_body("invalid", "The request breaks a data rule."), 422)
        return JSONResponse(
            error_body("conflict", "The request conflicts with the current data."), 409
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal", "An internal error occurred."), 500)
