"""Researcher API keys: random tokens shown once, stored as SHA-256 hashes, revocable."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ApiKeyNotFound
from app.models import ApiKey, User
from app.services.accounts.auth import token_hash

KEY_PREFIX = "dk_"
# Enough of the key to recognise it in a list, far too little to guess the rest
# (32 random bytes remain unknown).
SHOWN_CHARS = 8


def new_secret() -> str:
    """A new key: `dk_` and 32 random bytes, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(
    session: Session, *, name: str, rate_per_minute: int, created_by: User | None
) -> tuple[ApiKey, str]:
    """A new key and its secret; only the hash is kept, so the secret is shown once."""
    secret = new_secret()
    key = ApiKey(
        name=name,
        prefix=secret[: len(KEY_PREFIX) + SHOWN_CHARS],
        key_hash=token_hash(secret),
        created_by=created_by.id if created_by else None,
        rate_per_minute=rate_per_minute,
    )
    session.add(key)
    session.flush()
    return key, secret


def list_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, newest first."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()


def revoke_key(session: Session, *, key_id: int) -> ApiKey:
    """Revoke a key (again is a no-op), or NotFound."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise ApiKeyNotFound(f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        session.flush()
    return key


def resolve_key(session: Session, *, secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    query = select(ApiKey).where(ApiKey.key_hash == token_hash(secret), ApiKey.revoked_at.is_(None))
    return session.scalars(query).one_or_none()
