"""Accounts: registration, sessions and roles, researcher API keys, rate limits, personal stats."""

from app.services.accounts.api_keys import create_key, list_keys, resolve_key, revoke_key
from app.services.accounts.auth import (
    IssuedSession,
    Resolved,
    authenticate,
    csrf_ok,
    has_role,
    issue_session,
    resolve_token,
    revoke,
)
from app.services.accounts.rate_limits import Hit, Meter, bucket_key, hit, record
from app.services.accounts.stats import user_stats
from app.services.accounts.users import create_user, new_public_id, register

__all__ = [
    "Hit",
    "IssuedSession",
    "Meter",
    "Resolved",
    "authenticate",
    "bucket_key",
    "create_key",
    "create_user",
    "csrf_ok",
    "has_role",
    "hit",
    "issue_session",
    "list_keys",
    "new_public_id",
    "record",
    "register",
    "resolve_key",
    "resolve_token",
    "revoke",
    "revoke_key",
    "user_stats",
]
