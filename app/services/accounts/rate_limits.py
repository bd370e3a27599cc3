"""Fixed-window rate limits kept in PostgreSQL, so every worker process shares them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import RateLimited

_HIT = text(
    """
    INSERT INTO rate_limit_buckets (key, window_start, count)
    VALUES (:key, to_timestamp(:window), 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_buckets.count + 1
    RETURNING count
    """
)


def hit(session: Session, *, key: str, limit: int, window_s: int) -> int:
    """Count one request against `key`; RateLimited once `limit` is passed in this window."""
    now = datetime.now(UTC).timestamp()
    window = int(now // window_s * window_s)
    # The caller's transaction may roll back (a failed login does), but the attempt must still
    # count, so it is committed on a connection of its own.
    count = _count_outside(session, key=key, window=window)
    if count > limit:
        retry = max(1, int(window + window_s - now))
        raise RateLimited(
            "Too many requests; try again later.", retry_after=retry, details={"limit": limit}
        )
    return count


def _count_outside(session: Session, *, key: str, window: int) -> int:
    with session.get_bind().engine.connect() as conn:
        count = int(conn.execute(_HIT, {"key": key, "window": window}).scalar_one())
        conn.commit()
    return count
