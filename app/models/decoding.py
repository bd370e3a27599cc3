"""The decoding flow: leases, submissions, tags and discussion flags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.enums import (
    ASSIGNMENT_STATUSES,
    ATTACHMENTS,
    CAMERA_TYPES,
    OUTCOMES,
    PROBLEM_KINDS,
    enum,
)


class Assignment(Base):
    """A lease of a task to one decoder; at most one live per (task, decoder)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_live_task_user",
            "task_id",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'live'"),
        ),
        # A decoder holds at most one live lease per campaign: a second tab gets the same one.
        Index(
            "uq_assignments_live_campaign_user",
            "campaign_id",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'live'"),
        ),
        Index("ix_assignments_live_expiry", "expires_at", postgresql_where=text("status = 'live'")),
        Index("ix_assignments_user_task", "user_id", "task_id"),
        # The decoder's previous position: their latest lease.
        Index("ix_assignments_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(
        enum("status", ASSIGNMENT_STATUSES), default="live", server_default="live"
    )
    known_answer: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Submission(Base):
    """One decoder's finished answer for a task; stored once per (task, decoder)."""

    __tablename__ = "submissions"
    __table_args__ = (
        # One per decoder and task, except imported ones (shared panoramas merge tasks).
        Index(
            "uq_submissions_task_id_user_id",
            "task_id",
            "user_id",
            unique=True,
            postgresql_where=text("external_ref IS NULL"),
        ),
        # An import re-run never duplicates a submission (migration 0003).
        Index(
            "uq_submissions_campaign_id_external_ref",
            "campaign_id",
            "external_ref",
            unique=True,
            postgresql_where=text("external_ref IS NOT NULL"),
        ),
        UniqueConstraint("user_id", "idempotency_key"),
        UniqueConstraint("assignment_id"),
        CheckConstraint(
            "(outcome = 'problem') = (problem_kind IS NOT NULL)", name="problem_kind_iff_problem"
        ),
        CheckConstraint(
            "n_all >= 0 AND n_street_furniture >= 0 AND n_building >= 0 AND n_other >= 0 "
            "AND n_dome_ptz >= 0 AND n_bullet >= 0 AND n_unknown_type >= 0",
            name="counts_nonnegative",
        ),
        Index("ix_submissions_task_started", "task_id", "started_at", "id"),
        # A decoder's history in a campaign: "never twice" probes and the tasks-done count.
        Index("ix_submissions_user_campaign_task", "user_id", "campaign_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(enum("outcome", OUTCOMES))
    problem_kind: Mapped[str | None] = mapped_column(enum("problem_kind", PROBLEM_KINDS))
    problem_comment: Mapped[str | None] = mapped_column(String(1000))
    # Per-submission counts (DESIGN §5.1): computed from tags, or taken as published on import.
    n_all: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_street_furniture: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_building: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_other: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_dome_ptz: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_bullet: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_unknown_type: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    external_ref: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Tag(Base):
    """One click on a camera, with an optional second click on its base."""

    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint("heading >= 0 AND heading < 360", name="heading_range"),
        CheckConstraint("pitch BETWEEN -90 AND 90", name="pitch_range"),
        CheckConstraint("zoom BETWEEN 0 AND 6", name="zoom_range"),
        CheckConstraint(
            "(base_heading IS NULL) = (base_pitch IS NULL)", name="base_both_or_neither"
        ),
        CheckConstraint(
            "base_heading IS NULL OR (base_heading >= 0 AND base_heading < 360 "
            "AND base_pitch BETWEEN -90 AND 90)",
            name="base_range",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    heading: Mapped[float] = mapped_column(Float)
    pitch: Mapped[float] = mapped_column(Float)
    zoom: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    attachment: Mapped[str] = mapped_column(enum("attachment", ATTACHMENTS))
    # NULL only for imported tags whose source asked the type on street furniture alone.
    camera_type: Mapped[str | None] = mapped_column(enum("camera_type", CAMERA_TYPES))
    base_heading: Mapped[float | None] = mapped_column(Float)
    base_pitch: Mapped[float | None] = mapped_column(Float)
    external_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Flag(Base):
    """A message in a task's discussion thread."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("char_length(body) BETWEEN 1 AND 2000", name="body_length"),)
