"""Bulk writes by COPY on the session's own connection, so they join its transaction.

Imports stage rows in temporary tables; reconciliation writes results straight into its
tables. One encoder serves both: COPY's text format, dispatched on the exact type because a
full reconciliation encodes about a million fields.
"""

from __future__ import annotations

import io
import json
import math
import numbers
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


def _text(value: str) -> str:
    # COPY text format: backslash, tab and line breaks are escaped.
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"refusing to store {value}")
    return repr(value)


def _array(value: list[Any] | tuple[Any, ...]) -> str:
    # Integer arrays (bigint[] columns); JSON documents are dicts.
    return "{" + ",".join(str(int(v)) for v in value) + "}"


_FORMATS: dict[type, Callable[[Any], str]] = {
    int: str,
    float: _float,
    str: _text,
    bool: lambda v: "t" if v else "f",
    list: _array,
    tuple: _array,
    dict: lambda v: _text(json.dumps(v)),
    datetime: lambda v: v.isoformat(),
    date: lambda v: v.isoformat(),
    type(None): lambda _: r"\N",
}


def copy_field(value: Any) -> str:
    """One value in COPY's text format."""
    fmt = _FORMATS.get(type(value))
    if fmt is not None:
        return fmt(value)
    # The slow path, for numpy scalars and other numeric types.
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _float(float(value))
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def copy_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    on_chunk: Callable[[int], None] | None = None,
    analyze: bool = False,
) -> int:
    """COPY rows into a table in the session's transaction; return how many were written.

    `on_chunk` is told the size of each chunk of COPY_CHUNK rows as it is written. Staging
    tables are worth `analyze`: the joins that read them are then planned on their real size
    rather than the default guess.
    """
    session.flush()
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - only a detached connection has none
        raise RuntimeError("no database connection")
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    total = 0
    with driver.cursor() as cursor:
        buffer, size = io.StringIO(), 0
        for row in rows:
            buffer.write("\t".join(copy_field(v) for v in row))
            buffer.write("\n")
            size += 1
            if size == COPY_CHUNK:
                total += _flush(cursor, statement, buffer, size, on_chunk)
                buffer, size = io.StringIO(), 0
        if size:
            total += _flush(cursor, statement, buffer, size, on_chunk)
    if analyze and total:
        session.execute(text(f"ANALYZE {table}"))
    return total


def _flush(
    cursor: Any,
    statement: str,
    buffer: io.StringIO,
    size: int,
    on_chunk: Callable[[int], None] | None,
) -> int:
    buffer.seek(0)
    cursor.copy_expert(statement, buffer)
    if on_chunk is not None:
        on_chunk(size)
    return size
