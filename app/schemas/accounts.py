"""Account shapes: registration, login, the current user."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class RegisterRequest(BaseModel):
    """Empty for an anonymous decoder; e-mail and password for an account."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, max_length=320)
    password: str | None = Field(default=None, min_length=8, max_length=256)
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=1, max_length=256)


class UserRead(BaseModel):
    """The caller's own account (never shown to others: they see `public_id` only)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    public_id: str
    role: str
    email: str | None
    display_name: str | None
    is_anonymous: bool
    locale: str | None
    created_at: datetime
    # Set when a coordinator suspended the account: the app says so, no task is handed out.
    suspended_at: datetime | None = None


class TokenResponse(BaseModel):
    token: str
    csrf_token: str
    expires_at: datetime
    user: UserRead


class UserStats(BaseModel):
    tasks_done: int
    cameras_tagged: int
    no_camera_tasks: int
    problems_reported: int
    known_answer_tasks: int
    known_answer_recall: float | None
    known_answer_precision: float | None
    # Suspension (issue 10.3): the decoder's own history stays as it is, but while a
    # coordinator has them suspended none of their answers counts in any published output.
    suspended_at: datetime | None = None
    answers_counted: int = 0  # answers (not problem reports) counting now: 0 while suspended
