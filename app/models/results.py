"""What reconciliation produces: per-task counts, cameras, decoder quality; and expert reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.domain.counts import CATEGORIES
from app.models.enums import (
    ATTACHMENTS,
    CAMERA_STATUSES,
    CAMERA_TYPES,
    LOCATION_METHODS,
    enum,
)

# The categories of DESIGN §5.1; the domain defines them, the table has a column pair for each.
COUNT_CATEGORIES = CATEGORIES


class TaskCount(Base):
    """Median and agreement per category over the earliest N valid submissions (DESIGN §5.1)."""

    __tablename__ = "task_counts"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    n: Mapped[int] = mapped_column(Integer)
    submission_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    median_all: Mapped[float] = mapped_column(Float)
    median_street_furniture: Mapped[float] = mapped_column(Float)
    median_building: Mapped[float] = mapped_column(Float)
    median_other: Mapped[float] = mapped_column(Float)
    median_dome_ptz: Mapped[float] = mapped_column(Float)
    median_bullet: Mapped[float] = mapped_column(Float)
    median_unknown_type: Mapped[float] = mapped_column(Float)
    agreement_all: Mapped[str] = mapped_column(String(20))
    agreement_street_furniture: Mapped[str] = mapped_column(String(20))
    agreement_building: Mapped[str] = mapped_column(String(20))
    agreement_other: Mapped[str] = mapped_column(String(20))
    agreement_dome_ptz: Mapped[str] = mapped_column(String(20))
    agreement_bullet: Mapped[str] = mapped_column(String(20))
    agreement_unknown_type: Mapped[str] = mapped_column(String(20))
    total: Mapped[float] = mapped_column(Float)
    method_version: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Camera(Base):
    """A reconciled individual camera with how it was located and how sure we are."""

    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint("confidence BETWEEN 0 AND 1", name="confidence_range"),
        CheckConstraint("uncertainty_m >= 0", name="uncertainty_nonnegative"),
        CheckConstraint("bearing IS NULL OR (bearing >= 0 AND bearing < 360)", name="bearing"),
        Index("ix_cameras_geom", "geom", postgresql_using="gist"),
        Index("ix_cameras_campaign_status", "campaign_id", "status"),
        CheckConstraint(
            "merged_into_id IS NULL OR status = 'merged'", name="merged_into_only_if_merged"
        ),
        Index(
            "ix_cameras_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # The task whose panorama saw it first; triangulated cameras list every task via their tags.
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(enum("status", CAMERA_STATUSES))
    # For status 'merged': the triangulated camera this sighting became part of.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="SET NULL")
    )
    confidence: Mapped[float] = mapped_column(Float)
    attachment: Mapped[str] = mapped_column(enum("attachment", ATTACHMENTS))
    camera_type: Mapped[str] = mapped_column(enum("camera_type", CAMERA_TYPES))
    # Bearing from the (first) panorama to the camera; the lens direction is not observed.
    bearing: Mapped[float | None] = mapped_column(Float)
    pitch: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    location_method: Mapped[str] = mapped_column(enum("location_method", LOCATION_METHODS))
    uncertainty_m: Mapped[float] = mapped_column(Float)
    support: Mapped[int] = mapped_column(Integer)
    voters: Mapped[int] = mapped_column(Integer)
    n_panoramas: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    method_version: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CameraTag(Base):
    """A tag supporting a camera."""

    __tablename__ = "camera_tags"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DecoderQuality(Base):
    """Per decoder and campaign: known-answer results and reliability (coordinators only)."""

    __tablename__ = "decoder_quality"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    known_tasks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    known_matched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    known_cameras: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    known_tags: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sensitivity: Mapped[float | None] = mapped_column(Float)
    false_alarm: Mapped[float | None] = mapped_column(Float)
    # The looks the model counted for these rates (its exposure; migration 0009).
    looks: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QaSample(Base):
    """A stratified draw of complete tasks for expert review (DESIGN §5.5)."""

    __tablename__ = "qa_samples"
    __table_args__ = (CheckConstraint("per_stratum BETWEEN 1 AND 10000", name="per_stratum"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    seed: Mapped[int] = mapped_column(BigInteger)
    per_stratum: Mapped[int] = mapped_column(Integer)
    # Per stratum: {"population", "drawn", "weight"}.
    strata: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The quality report as last computed on this sample (app.services.quality.report), which
    # the published layers carry in their metadata (migration 0009).
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Review(Base):
    """A sampled task: its stratum and importance weight, and the expert's counts once labelled."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("sample_id", "task_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("qa_samples.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stratum: Mapped[str] = mapped_column(String(60))
    weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    # The queue's order: a seeded shuffle, so experts working at once spread over the strata.
    rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    n_all: Mapped[int | None] = mapped_column(Integer)
    n_street_furniture: Mapped[int | None] = mapped_column(Integer)
    n_building: Mapped[int | None] = mapped_column(Integer)
    n_other: Mapped[int | None] = mapped_column(Integer)
    n_dome_ptz: Mapped[int | None] = mapped_column(Integer)
    n_bullet: Mapped[int | None] = mapped_column(Integer)
    # Handed to an expert by the queue (for CLAIM_MINUTES), so two experts get different tasks.
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReconcileJob(Base):
    """The reconciliation queue: a task waiting to be reconciled (drained with SKIP LOCKED)."""

    __tablename__ = "reconcile_jobs"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    enqueued_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(2000))
    # Not before: a failed job backs off instead of spinning.
    available_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ReconcileRun(Base):
    """A campaign-wide reconciliation: when, which method version, what it found."""

    __tablename__ = "reconcile_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    method_version: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tasks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cameras: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the run found: statuses, merges, decoders, prevalence, timings.
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
