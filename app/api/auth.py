"""Registration, login, logout and the current user."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.api.deps import (
    AUTH_ERRORS,
    BODY_ERRORS,
    CSRF_COOKIE,
    SESSION_COOKIE,
    USER_ERRORS,
    AuthDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    client_address,
)
from app.errors import (
    AccountSuspended,
    CsrfFailed,
    EmailAndPasswordTogether,
    EmailTaken,
    InvalidCredentials,
    RateLimited,
)
from app.schemas.accounts import LoginRequest, RegisterRequest, TokenResponse, UserRead, UserStats
from app.schemas.common import error_responses
from app.services import accounts
from app.services.accounts import IssuedSession, user_stats
from app.settings import Settings

router = APIRouter(tags=["accounts"])


def _respond(response: Response, issued: IssuedSession, settings: Settings) -> TokenResponse:
    # The browser gets an HttpOnly session cookie plus a readable CSRF cookie it must echo in
    # the X-CSRF-Token header on writes; API clients use the token as a bearer instead.
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=max_age,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return TokenResponse(
        token=issued.token,
        csrf_token=issued.csrf_token,
        expires_at=issued.expires_at,
        user=UserRead.model_validate(issued.user),
    )


@router.post(
    "/auth/register",
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(EmailTaken, EmailAndPasswordTogether, RateLimited, *BODY_ERRORS),
)
def register(
    payload: RegisterRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Join anonymously (empty body) or with an e-mail and password (rate-limited per address)."""
    secret = settings.secret_key.get_secret_value()
    bucket = accounts.bucket_key("register", client_address(request), secret=secret)
    accounts.hit(session, key=bucket, limit=settings.register_per_address, window_s=3600)
    signup_ref = accounts.bucket_key("signup", client_address(request), secret=secret)
    user = accounts.register(session, payload=payload, signup_ref=signup_ref)
    issued = accounts.issue_session(session, user=user, days=settings.session_days)
    return _respond(response, issued, settings)


@router.post(
    "/auth/login",
    response_model=TokenResponse,
    responses=error_responses(InvalidCredentials, AccountSuspended, RateLimited, *BODY_ERRORS),
)
def login(
    payload: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Sign in with e-mail and password (rate-limited per account and per address)."""
    user = accounts.authenticate(
        session,
        email=str(payload.email),
        password=payload.password,
        address=client_address(request),
        secret=settings.secret_key.get_secret_value(),
        per_account=settings.login_per_account,
        per_address=settings.login_per_address,
    )
    issued = accounts.issue_session(session, user=user, days=settings.session_days)
    return _respond(response, issued, settings)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTH_ERRORS, CsrfFailed),
)
def logout(resolved: AuthDep, response: Response, session: SessionDep) -> Response:
    """End the current session (token or cookie)."""
    if resolved is not None:
        accounts.revoke(session, session_id=resolved.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/me", response_model=UserRead, responses=error_responses(*USER_ERRORS))
def me(user: CurrentUser) -> UserRead:
    """The signed-in account."""
    return UserRead.model_validate(user)


@router.get("/me/stats", response_model=UserStats, responses=error_responses(*USER_ERRORS))
def my_stats(user: CurrentUser, session: SessionDep) -> UserStats:
    """Tasks done, cameras tagged and known-answer results of the signed-in decoder."""
    return user_stats(session, user_id=user.id)
