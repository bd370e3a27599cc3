"""Sessions and tokens: bearer tokens and browser cookies, stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.errors import AccountSuspended, InvalidCredentials
from app.models import AuthSession, User
from app.services.accounts.rate_limits import bucket_key, hit
from app.services.accounts.users import normalise_email, verify_password

ROLE_RANK = {"decoder": 0, "expert": 1, "coordinator": 2, "admin": 3}
# Login throttling, in attempts per 15-minute window: per client address, and per account from
# one address. An attacker guessing one account's password from their address is stopped there,
# while its owner, signing in from anywhere else, is not locked out.
LOGIN_WINDOW_S = 900
LOGIN_PER_ACCOUNT = 10
LOGIN_PER_ADDRESS = 50
# A fixed argon2 hash to verify against when the account does not exist, so response time
# does not reveal which e-mails are registered.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$bUojHcmy1EUNiHPo6xY"
    "mSQ$SebivFoHqS2pEVuvBuXe9sKmI7HQsEY0+yTAP7Cw41k"
)


def token_hash(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedSession:
    """A new login: the secrets go to the client once and are never stored in clear."""

    token: str
    csrf_token: str
    user: User
    expires_at: datetime


def issue_session(session: Session, *, user: User, days: int) -> IssuedSession:
    """Create a login for the user."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = datetime.now(UTC) + timedelta(days=days)
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=token_hash(token),
            csrf_hash=token_hash(csrf),
            expires_at=expires,
        )
    )
    session.flush()
    return IssuedSession(token=token, csrf_token=csrf, user=user, expires_at=expires)


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    address: str,
    secret: str,
    per_account: int = LOGIN_PER_ACCOUNT,
    per_address: int = LOGIN_PER_ADDRESS,
) -> User:
    """The user with these credentials; throttled per address and per account and address."""
    email = normalise_email(email)
    by_address = bucket_key("login:addr", address, secret=secret)
    hit(session, key=by_address, limit=per_address, window_s=LOGIN_WINDOW_S)
    by_account = bucket_key("login:acct", f"{email}\n{address}", secret=secret)
    hit(session, key=by_account, limit=per_account, window_s=LOGIN_WINDOW_S)
    user = session.scalars(select(User).where(func.lower(User.email) == email)).one_or_none()
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    ok = verify_password(stored, password)
    if user is None or not ok or user.password_hash is None:
        raise InvalidCredentials("Wrong e-mail or password.")
    if not user.is_active:
        raise AccountSuspended("This account is suspended.")
    return user


@dataclass(frozen=True)
class Resolved:
    """Who made the request and how."""

    user: User
    session_id: int
    csrf_hash: str | None


# Built once: building and keying this statement cost more than running it (300 us a request).
_LIVE_LOGIN = (
    select(User, AuthSession.id, AuthSession.csrf_hash)
    .join(User, User.id == AuthSession.user_id)
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > func.now(),
    )
)


def resolve_token(session: Session, *, token: str) -> Resolved | None:
    """The live session of a token, or None."""
    # Every authenticated request runs this: the login's two columns, not a second entity
    # (loading an ORM entity costs more than the round trip on the decoding loop, issue 14).
    row = session.execute(_LIVE_LOGIN, {"token_hash": token_hash(token)}).one_or_none()
    if row is None:
        return None
    user, session_id, csrf_hash = row
    if not user.is_active:
        raise AccountSuspended("This account is suspended.")
    return Resolved(user=user, session_id=session_id, csrf_hash=csrf_hash)


def csrf_ok(resolved: Resolved, header_value: str | None) -> bool:
    """Double-submit check of a cookie-authenticated write."""
    if not header_value or resolved.csrf_hash is None:
        return False
    return hmac.compare_digest(token_hash(header_value), resolved.csrf_hash)


def revoke(session: Session, *, session_id: int) -> None:
    """End a login."""
    session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(revoked_at=func.now())
    )


def has_role(user: User, role: str) -> bool:
    """Roles are ordered: decoder < expert < coordinator < admin."""
    return ROLE_RANK[user.role] >= ROLE_RANK[role]
