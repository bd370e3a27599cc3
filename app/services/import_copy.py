"""Bulk loading for imports: temporary staging tables filled by COPY in the same transaction."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Rows per COPY statement: big enough to be fast, small enough to move a progress bar.
COPY_CHUNK = 20_000


def staging_table(session: Session, name: str, columns: str) -> None:
    """A fresh temporary table for this transaction (dropped first if a previous run left it)."""
    session.execute(text(f"DROP TABLE IF EXISTS {name}"))
    session.execute(text(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP"))


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raw = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return raw.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_chunk: Callable[[int], None] | None = None,
    analyze: bool = True,
) -> None:
    """COPY rows into a table through the session's own connection (same transaction).

    Staging tables are analyzed afterwards (`analyze`), so the joins that read them are planned
    on their real size rather than the default guess.
    """
    if not rows:
        return
    session.flush()
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - only a detached connection has none
        raise RuntimeError("no database connection")
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor:
        for start in range(0, len(rows), COPY_CHUNK):
            chunk = rows[start : start + COPY_CHUNK]
            cursor.copy_expert(statement, io.StringIO(_encode(chunk)))
            if on_chunk is not None:
                on_chunk(len(chunk))
    if analyze:
        session.execute(text(f"ANALYZE {table}"))


def _encode(rows: Iterable[Sequence[Any]]) -> str:
    return "".join("\t".join(_copy_value(v) for v in row) + "\n" for row in rows)
