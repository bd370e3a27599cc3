"""The big PostGIS queries, kept as .sql files with :named parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

_HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> TextClause:
    """The query in `app/sql/<name>.sql`."""
    return text((_HERE / f"{name}.sql").read_text())


_NO_JIT = text("SET LOCAL jit = off")


def without_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT compiler off for the rest of this transaction.

    PostGIS functions carry high cost estimates, so tile and density queries that run in
    milliseconds cross jit_above_cost and then spend 10–500 ms compiling (measured with
    bench/publishing.py).
    """
    session.execute(_NO_JIT)
