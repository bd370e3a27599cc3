"""What is surveyed: campaigns, their areas, locations, panoramas and the tasks built from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.enums import CAMPAIGN_STATUSES, PROVIDERS, TASK_STATUSES, enum
from app.models.types import Point


def point() -> Geometry:
    """A WGS 84 point column; its GiST index is declared explicitly on the table."""
    return Geometry("POINT", srid=4326, spatial_index=False)


class Campaign(Base):
    """One survey with its settings (DESIGN §2)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("votes_per_task BETWEEN 1 AND 15", name="votes_range"),
        CheckConstraint("lease_minutes BETWEEN 1 AND 1440", name="lease_range"),
        CheckConstraint("tutorial_tasks BETWEEN 0 AND 20", name="tutorial_range"),
        CheckConstraint("known_answer_every BETWEEN 0 AND 1000", name="known_every_range"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'", name="slug_format"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(
        enum("status", CAMPAIGN_STATUSES), default="draft", server_default="draft"
    )
    votes_per_task: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    lease_minutes: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    tutorial_tasks: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    known_answer_every: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    licence: Mapped[str] = mapped_column(String(64), default="ODbL-1.0", server_default="ODbL-1.0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Area(Base):
    """A polygon for density and progress: borough, neighbourhood, tract or custom."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "name"),
        Index("ix_areas_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="custom", server_default="custom")
    properties: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)
    )


class Panorama(Base):
    """The 360° image seen from a location: provider, id or URL, its own position and date."""

    __tablename__ = "panoramas"
    __table_args__ = (
        CheckConstraint(
            "provider_id IS NOT NULL OR image_url IS NOT NULL", name="has_image_reference"
        ),
        CheckConstraint("heading >= 0 AND heading < 360", name="heading_range"),
        UniqueConstraint("campaign_id", "provider", "provider_id"),
        Index("ix_panoramas_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(enum("provider", PROVIDERS))
    provider_id: Mapped[str | None] = mapped_column(String(200))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    geom: Mapped[WKBElement] = mapped_column(point())
    captured_at: Mapped[date | None] = mapped_column(Date)
    # Compass heading of the image's centre column (equirect) or the initial view.
    heading: Mapped[float] = mapped_column(Float, default=0.0, server_default="0.0")
    # What the imagery allows (issue 11): an SPDX-like licence id, the credit line it needs,
    # its author, and whether data derived from it may go to OpenStreetMap.
    licence: Mapped[str | None] = mapped_column(String(64))
    attribution: Mapped[str | None] = mapped_column(String(300))
    creator: Mapped[str | None] = mapped_column(String(200))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    osm_compatible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A tiled rendition the viewer may load instead of image_url (Panoramax):
    # {"url": "…{col}_{row}.jpg", "cols", "rows", "width"}.
    image_tiles: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))


class Task(Base):
    """One panorama to be decoded by N different decoders."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("valid_submissions >= 0", name="valid_nonnegative"),
        CheckConstraint("leased >= 0", name="leased_nonnegative"),
        UniqueConstraint("panorama_id"),
        # The assignment query walks the tiers (votes, priority) of open tasks fullest first,
        # then the nearest task of a tier by KNN (migration 0005).
        Index(
            "ix_tasks_pool",
            "campaign_id",
            "status",
            "is_tutorial",
            "valid_submissions",
            "priority",
            "id",
        ),
        Index(
            "ix_tasks_open_nearest",
            "campaign_id",
            "valid_submissions",
            "priority",
            "pos",
            postgresql_using="gist",
            postgresql_where=text("status = 'open' AND NOT is_tutorial"),
        ),
        Index(
            "ix_tasks_known_open",
            "campaign_id",
            "is_tutorial",
            postgresql_where=text("status = 'open' AND known_answer IS NOT NULL"),
        ),
        Index("ix_tasks_tutorial", "campaign_id", postgresql_where=text("is_tutorial")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    panorama_id: Mapped[int] = mapped_column(ForeignKey("panoramas.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(
        enum("status", TASK_STATUSES), default="open", server_default="open"
    )
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_tutorial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Known answer: list of {"heading", "pitch", "attachment", "camera_type", ...} or NULL.
    # none_as_null: Python None must be SQL NULL, not the JSON value null, so that
    # "known_answer IS NOT NULL" in the assignment query means "has a known answer".
    known_answer: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB(none_as_null=True))
    # Who placed the known answer and when (an expert's label; NULL for the demo's own).
    labelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Submissions that count: not problem reports, not by a suspended decoder.
    valid_submissions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Assignments of this task in status 'live', kept by a trigger on assignments (migration
    # 0005): room left is votes - valid_submissions - leased, read on the locked row.
    leased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The panorama's position as a native point, copied by triggers (migration 0005) so that
    # one GiST index serves the tier and the KNN step. Never loaded: only SQL reads it.
    pos: Mapped[Any] = mapped_column(Point(), nullable=True, deferred=True)
    external_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Location(Base):
    """A point to survey, usually an intersection; matched to a panorama and so to a task."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "external_id"),
        Index("ix_locations_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    properties: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    geom: Mapped[WKBElement] = mapped_column(point())
    panorama_id: Mapped[int | None] = mapped_column(
        ForeignKey("panoramas.id", ondelete="SET NULL"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
