"""What an import answers: counts and non-fatal warnings (errors use the error envelope)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportIssue(BaseModel):
    """A row-numbered problem; `file` names the file when an import reads several."""

    file: str | None = None
    row: int
    error: str


class ImportResult(BaseModel):
    """Rows created, updated and merged into existing tasks, with extra counters."""

    created: int
    updated: int
    merged: int
    counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[ImportIssue] = Field(default_factory=list)
    warnings_total: int = 0
