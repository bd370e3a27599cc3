"""Reconciliation shapes: runs, queue state, decoder quality (coordinators only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class ReconcileRunRead(BaseModel):
    """One campaign-wide reconciliation and what it found."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    method_version: str
    started_at: datetime
    finished_at: datetime | None
    tasks: int
    cameras: int
    stats: dict[str, Any] | None = None


class ReconcileStatus(BaseModel):
    """Recent runs, newest first, and how many tasks wait in the queue."""

    method_version: str
    queued_tasks: int
    runs: list[ReconcileRunRead]


class DecoderQualityRead(BaseModel):
    """A decoder's known-answer results and estimated rates, by pseudonym."""

    decoder: str
    submissions: int
    known_tasks: int
    known_matched: int
    known_cameras: int
    known_tags: int
    sensitivity: float | None
    false_alarm: float | None
    updated_at: datetime


class DecoderQualityList(BaseModel):
    """Decoder quality, least sensitive first (the ones to look at)."""

    method_version: str
    decoders: list[DecoderQualityRead]
