"""User accounts: creation with argon2 password hashes and pseudonymous public ids."""

from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import EmailAndPasswordTogether, EmailTaken
from app.models import User
from app.schemas.accounts import RegisterRequest

_hasher = PasswordHasher()
# Each argon2 computation takes 64 MiB and a core for tens of milliseconds; a burst of logins or
# registrations must not multiply that by the thread pool's 40 threads.
_ARGON2_SLOTS = threading.BoundedSemaphore(4)
# Crockford-style alphabet without look-alikes: public ids get read aloud and typed.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_public_id() -> str:
    """A pseudonymous id such as `d-7k2m9x4q1z`; reveals nothing about the person."""
    return "d-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def hash_password(password: str) -> str:
    """An argon2id hash."""
    with _ARGON2_SLOTS:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        with _ARGON2_SLOTS:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """E-mails compare case-insensitively."""
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str | None,
    password: str | None,
    role: str = "decoder",
    display_name: str | None = None,
) -> User:
    """Create a user; anonymous when no e-mail is given."""
    if email is not None:
        email = normalise_email(email)
        taken = session.scalar(select(User.id).where(func.lower(User.email) == email))
        if taken is not None:
            raise EmailTaken("An account with this e-mail already exists.")
    user = User(
        public_id=new_public_id(),
        email=email,
        password_hash=hash_password(password) if password else None,
        display_name=display_name,
        role=role,
        is_anonymous=email is None,
    )
    try:
        # A savepoint: two registrations with one e-mail can both pass the check above; the
        # second then waits on the unique index and must become a 409, not a 500.
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        if "uq_users_email" not in str(exc.orig):
            raise
        raise EmailTaken("An account with this e-mail already exists.") from exc
    return user


def register(session: Session, *, payload: RegisterRequest, signup_ref: str | None = None) -> User:
    """Self-registration: always the decoder role; anonymous without an e-mail.

    `signup_ref` is a keyed hash of the client's address (never the address itself): the
    assignment keeps fresh accounts from one address off the tasks their siblings hold.
    """
    if (payload.email is None) != (payload.password is None):
        raise EmailAndPasswordTogether(
            "Give both an e-mail and a password, or neither for an anonymous account."
        )
    user = create_user(
        session,
        email=str(payload.email) if payload.email else None,
        password=payload.password,
        display_name=payload.display_name,
    )
    user.locale = payload.locale
    user.signup_ref = signup_ref
    return user
