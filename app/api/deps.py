"""Dependencies shared by routers, as Annotated aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.db import session_scope
from app.errors import (
    AccountSuspended,
    CsrfFailed,
    InsufficientRole,
    InvalidRequest,
    InvalidToken,
    MalformedRequest,
    NotAuthenticated,
)
from app.models import User
from app.services import accounts
from app.settings import Settings

SESSION_COOKIE = "decoders_session"
CSRF_COOKIE = "decoders_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_SIGN_IN_FIRST = "Sign in or register first."


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit after the endpoint succeeds, roll back on error."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for published reads: on the replica if there is one, outside a transaction.

    Nothing is written through it (rate limits are counted by the meter), so there is nothing
    to commit: each statement runs on its own, and a cached tile costs one statement. Made
    and closed on the event loop rather than in a worker thread each time: a new session
    holds no connection, and closing one hands its connection back to the pool, which sends
    nothing for a connection in autocommit (no transaction to roll back).
    """
    session = request.app.state.read_sessionmaker()
    try:
        yield session
    finally:
        session.close()


def get_stream_opener(request: Request) -> Callable[[], Connection]:
    """Opens the connection a streamed download owns (from the small pool kept for them)."""
    engine: Engine = request.app.state.stream_engine
    return engine.connect


# The dependencies below that neither read nor write run on the event loop (async def): a sync
# dependency is a hop to a worker thread and back, which on the decoding loop cost more than
# the work (issue 14).
async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


# scope="function": commit before the response is sent, so a client that got 201 can rely on
# the row being visible to its next request (on any worker).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
StreamOpener = Annotated[Callable[[], Connection], Depends(get_stream_opener)]


def client_address(request: Request) -> str:
    """The caller's address, for rate limits only (never stored with their data)."""
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass(frozen=True)
class Credentials:
    """What a request says about its caller, read without the database."""

    bearer: str | None
    cookie: str | None
    csrf: str | None
    write: bool


def credentials(request: Request) -> Credentials:
    """The bearer token, the session cookie and the CSRF header of a request."""
    return Credentials(
        bearer=_bearer(request),
        cookie=request.cookies.get(SESSION_COOKIE) or None,
        csrf=request.headers.get(CSRF_HEADER),
        write=request.method not in _SAFE_METHODS,
    )


def authenticate(session: Session, given: Credentials) -> accounts.Resolved | None:
    """The caller's login from a bearer token or the session cookie (with CSRF on writes)."""
    if given.bearer is not None:
        resolved = accounts.resolve_token(session, token=given.bearer)
        if resolved is None:
            raise InvalidToken("The token is invalid or expired.")
        return resolved
    if given.cookie is None:
        return None
    resolved = accounts.resolve_token(session, token=given.cookie)
    if resolved is None:
        return None
    # Cookies ride along on cross-site requests; a write must prove it read our CSRF cookie.
    if given.write and not accounts.csrf_ok(resolved, given.csrf):
        raise CsrfFailed("Missing or wrong CSRF token.")
    return resolved


def get_auth(request: Request, session: SessionDep) -> accounts.Resolved | None:
    """The caller's login (authenticate), in the request's session."""
    return authenticate(session, credentials(request))


AuthDep = Annotated[accounts.Resolved | None, Depends(get_auth)]


async def get_optional_user(resolved: AuthDep) -> User | None:
    """The caller, or None when anonymous."""
    return resolved.user if resolved else None


async def get_current_user(resolved: AuthDep) -> User:
    """The caller, or 401."""
    if resolved is None:
        raise NotAuthenticated(_SIGN_IN_FIRST)
    return resolved.user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: str) -> Callable[[User], Coroutine[None, None, User]]:
    """A dependency admitting `role` and above."""

    async def dependency(user: CurrentUser) -> User:
        if not accounts.has_role(user, role):
            raise InsufficientRole(f"This needs the {role} role.")
        return user

    return dependency


# The decoding loop (lease, answer, skip) runs each request's whole unit of work (login lookup,
# the call, commit) in one worker thread, under a limiter of its own (settings.
# decoding_concurrency): a sync route with SessionDep and CurrentUser hops to a thread and back
# four times, and with 16 of them per worker in the database at once PostgreSQL spent 4.9 ms
# per lease and answer on 2 cores, against 3.9 ms with 4 (issue 14).
SessionOpener = Callable[[], AbstractContextManager[Session]]
T = TypeVar("T")


async def get_session_opener(request: Request) -> SessionOpener:
    """Opens one transaction, as get_session does (tests join their own instead)."""
    factory = request.app.state.sessionmaker
    return lambda: session_scope(factory)


class DecoderUnit:
    """Runs `work(session, caller)` in one transaction and one worker thread, signed in."""

    def __init__(
        self, opener: SessionOpener, given: Credentials, limiter: anyio.CapacityLimiter
    ) -> None:
        self.opener, self.given, self.limiter = opener, given, limiter

    async def run(self, work: Callable[[Session, User], T]) -> T:
        def unit() -> T:
            with self.opener() as session:
                resolved = authenticate(session, self.given)
                if resolved is None:
                    raise NotAuthenticated(_SIGN_IN_FIRST)
                return work(session, resolved.user)

        return await anyio.to_thread.run_sync(unit, limiter=self.limiter)


async def get_decoder_unit(
    request: Request, opener: Annotated[SessionOpener, Depends(get_session_opener)]
) -> DecoderUnit:
    """The caller's decoding-loop unit of work (USER_ERRORS and CsrfFailed, as CurrentUser).

    A request without any credentials is refused here, before its body is validated and without
    a slot or the database; a token or cookie is checked in the unit, after the body."""
    given = credentials(request)
    if given.bearer is None and given.cookie is None:
        raise NotAuthenticated(_SIGN_IN_FIRST)
    return DecoderUnit(opener, given, request.app.state.decoding_limiter)


DecoderUnitDep = Annotated[DecoderUnit, Depends(get_decoder_unit)]

ExpertUser = Annotated[User, Depends(require_role("expert"))]
CoordinatorUser = Annotated[User, Depends(require_role("coordinator"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]

# What each dependency can raise, for the `responses` of the routes that use it; a write
# (POST, PATCH, DELETE) signed in by cookie can also fail the CSRF check: add CsrfFailed.
AUTH_ERRORS = (InvalidToken, AccountSuspended)  # AuthDep, OptionalUser
USER_ERRORS = (*AUTH_ERRORS, NotAuthenticated)  # CurrentUser
STAFF_ERRORS = (*USER_ERRORS, InsufficientRole)  # ExpertUser, CoordinatorUser, AdminUser
# A JSON body: FastAPI answers 400 when the bytes are not UTF-8 and 422 when they are not JSON
# or do not validate.
BODY_ERRORS = (MalformedRequest, InvalidRequest)
