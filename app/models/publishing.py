"""What the published outputs are cached by: each campaign's result version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ResultVersion(Base):
    """A random token replaced whenever the campaign's published rows change.

    Written only by the deferred trigger of migration 0007, at the commit of any transaction
    that changed cameras, counts, runs, panoramas or areas of the campaign.
    """

    __tablename__ = "result_versions"

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
