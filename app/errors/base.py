"""AppError, the registry of named errors, and the status families they belong to."""

from __future__ import annotations

from typing import Any, ClassVar

# code → named error, filled as the classes below are defined.
ERRORS: dict[str, type[AppError]] = {}


class AppError(Exception):
    """Base of every error the API reports on purpose."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str]  # set by each named error, never by a status family
    # An error that reports a change which must stand (a lease ended by `task_full`): the
    # request's transaction commits before the error is sent instead of rolling back.
    keep_changes: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if cls.code in ERRORS:
                raise TypeError(f"{cls.__name__} reuses {ERRORS[cls.code].__name__}'s code")
            ERRORS[cls.code] = cls

    def __init__(self, message: str, *, details: Any = None) -> None:
        if not hasattr(self, "code"):
            raise TypeError(f"{type(self).__name__} is a status family; raise a named error")
        super().__init__(message)
        self.message = message
        self.details = details


# Status families.


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class PayloadTooLarge(AppError):
    status_code = 413


class Invalid(AppError):
    status_code = 422


class TooManyRequests(AppError):
    """Every 429 says in Retry-After how many seconds to wait."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """Every 503 says in Retry-After how many seconds to wait."""

    status_code = 503
    retry_after: ClassVar[int] = 2
