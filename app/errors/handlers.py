"""The JSON envelope and the handlers that route every error through it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors.base import AppError, TooManyRequests
from app.errors.catalogue import (
    BodyTooLarge,
    Busy,
    ForbiddenRequest,
    HttpError,
    InternalError,
    InvalidRequest,
    MalformedRequest,
    MethodNotAllowed,
    NotAcceptable,
    PathNotFound,
    UnauthorizedRequest,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

# Errors Starlette or FastAPI raise themselves (unknown route, wrong method …), by status.
_FRAMEWORK_ERRORS: dict[int, type[AppError]] = {
    cls.status_code: cls
    for cls in (
        MalformedRequest,
        UnauthorizedRequest,
        ForbiddenRequest,
        PathNotFound,
        MethodNotAllowed,
        NotAcceptable,
        BodyTooLarge,
        UnsupportedMediaType,
        InvalidRequest,
    )
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON envelope every error uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


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
        if isinstance(exc, TooManyRequests | Busy):
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _clean_validation_errors(list(exc.errors()))
        body = error_body(InvalidRequest.code, "The request is not valid.", details)
        return JSONResponse(body, InvalidRequest.status_code)

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _FRAMEWORK_ERRORS.get(exc.status_code, HttpError).code
        return JSONResponse(
            error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers or None
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        body = error_body(InternalError.code, "An internal error occurred.")
        return JSONResponse(body, InternalError.status_code)
