"""The JSON envelope and the handlers that route every error through it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from app.db import sqlstate
from app.errors.base import AppError, ServiceUnavailable, TooManyRequests
from app.errors.catalogue import (
    BodyTooLarge,
    ConstraintConflict,
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


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (RFC 9110 §15.5.6).

    Starlette's own 405 names only the first route whose path matched, so `GET /campaigns`
    hid `POST /campaigns`. Each method is probed through the routes' public `matches`; mounts
    (the static frontend at `/` takes any path) are left out.
    """
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    allowed = {
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    }
    if "GET" in allowed:
        allowed.add("HEAD")
    return ", ".join(sorted(allowed))


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
        body = error_body(InvalidRequest.code, "The request is not valid.", details)
        return JSONResponse(body, InvalidRequest.status_code)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _FRAMEWORK_ERRORS.get(exc.status_code, HttpError).code
        headers = dict(exc.headers or {})
        if exc.status_code == MethodNotAllowed.status_code:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(
            error_body(code, str(exc.detail)), exc.status_code, headers=headers or None
        )

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint caught what a service did not check first (usually a race between two
        # requests): the transaction is rolled back, so nothing is half-written. Logged,
        # because each of these deserves a precise check and code in its service.
        state = sqlstate(exc) or ""
        log.warning("constraint %s on %s %s: %s", state, request.method, request.url.path, exc)
        error = InvalidRequest if state in _INVALID_STATES else ConstraintConflict
        message = (
            "The request breaks a data rule."
            if error is InvalidRequest
            else "The request conflicts with the current data."
        )
        return JSONResponse(error_body(error.code, message), error.status_code)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        body = error_body(InternalError.code, "An internal error occurred.")
        return JSONResponse(body, InternalError.status_code)
