"""The big PostGIS queries, kept as .sql files with :named parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

_HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> TextClause:
    """The query in `app/sql/<name>.sql`."""
    return text((_HERE / f"{name}.sql").read_text())
