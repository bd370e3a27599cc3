"""Fixed-window rate limits kept in PostgreSQL, so every worker process shares them.

A bucket is named by its kind and a keyed hash (HMAC-SHA-256 under the secret key) of what it
counts, so the table never holds a client address, an e-mail or an API key, and every name has
the same short length however long the e-mail. Buckets expire: a sweep, run on a small share
of hits, deletes those whose window ended more than `KEEP_S` ago.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.errors import RateLimited

# The longest window in use is 1 hour (registrations); a bucket is useless after it ends.
KEEP_S = 2 * 3600
SWEEP_ONE_IN = 200
_HIT = text(
    """
    INSERT INTO rate_limit_buckets (key, window_start, count)
    VALUES (:key, to_timestamp(:window), 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_buckets.count + 1
    RETURNING count
    """
)
_SWEEP = text(
    "DELETE FROM rate_limit_buckets WHERE window_start < now() - make_interval(secs => :keep)"
)


def bucket_key(kind: str, value: str, *, secret: str) -> str:
    """`kind:` and a keyed hash of `value` (40 hex digits, 160 bits)."""
    digest = hmac.new(secret.encode(), f"{kind}\x00{value}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:40]}"


@dataclass(frozen=True)
class Hit:
    """One counted request: the count so far in its window, and when that window ends."""

    count: int
    retry_after: int

    def enforce(self, limit: int) -> None:
        """RateLimited once `limit` is passed in this window."""
        if self.count > limit:
            raise RateLimited(
                "Too many requests; try again later.",
                retry_after=self.retry_after,
                details={"limit": limit},
            )


def record(session: Session, *, key: str, window_s: int) -> Hit:
    """Count one request against bucket `key`, committed at once on a connection of its own.

    The caller's transaction may roll back (a failed login does) but the attempt must still
    count. Call it before the session holds a connection, so a request never holds two.
    """
    now = datetime.now(UTC).timestamp()
    window = int(now // window_s * window_s)
    with session.get_bind().engine.connect() as conn:
        count = int(conn.execute(_HIT, {"key": key, "window": window}).scalar_one())
        if secrets.randbelow(SWEEP_ONE_IN) == 0:
            sweep(conn)
        conn.commit()
    return Hit(count=count, retry_after=max(1, int(window + window_s - now)))


def hit(session: Session, *, key: str, limit: int, window_s: int) -> int:
    """Count one request against `key`; RateLimited once `limit` is passed in this window."""
    counted = record(session, key=key, window_s=window_s)
    counted.enforce(limit)
    return counted.count


def sweep(conn: Connection) -> int:
    """Delete the buckets whose window is long over; how many went."""
    return int(conn.execute(_SWEEP, {"keep": KEEP_S}).rowcount or 0)
