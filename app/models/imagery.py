"""Which parts of a campaign were already searched for street imagery (resumable finds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.enums import PROVIDERS, enum


class ImagerySearch(Base):
    """One location, or one grid tile of an area, searched at one provider, and what it gave."""

    __tablename__ = "imagery_searches"
    __table_args__ = (
        # A location search or a tile search, never both: the unique keys below need it.
        CheckConstraint("(location_id IS NULL) <> (tile IS NULL)", name="location_or_tile"),
        UniqueConstraint("campaign_id", "provider", "location_id"),
        UniqueConstraint("campaign_id", "provider", "tile"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(enum("provider", PROVIDERS))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    tile: Mapped[str | None] = mapped_column(String(100))
    # The panorama chosen for the location (NULL: no imagery within reach).
    panorama_id: Mapped[int | None] = mapped_column(
        ForeignKey("panoramas.id", ondelete="SET NULL"), index=True
    )
    found: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    searched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
