"""Application errors: each carries its HTTP status and a stable machine-readable code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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


class ImageryUnavailable(ServiceUnavailable):
    """A street imagery provider did not answer, or kept refusing (429) past our retries."""

    code = "imagery_unavailable"


class ImageryInvalid(AppError):
    """A street imagery provider answered something that is not its documented shape."""

    status_code = 502
    code = "imagery_invalid"


class ImageryNotConfigured(AppError):
    """The provider needs a setting that is missing (e.g. DECODERS_MAPILLARY_TOKEN)."""

    status_code = 422
    code = "imagery_not_configured"


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
        if isinstance(exc, TooManyRequests):
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

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal", "An internal error occurred."), 500)
