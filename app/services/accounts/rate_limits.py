"""Fixed-window rate limits kept in PostgreSQL, so every worker process shares them.

Logins and registrations count each attempt at once (`record`, `hit`): a failed login must
count even though its transaction rolls back. Read requests go through a `Meter`, which
counts in the process and writes in batches, so a read costs no write of its own.

A bucket is named by its kind and a keyed hash (HMAC-SHA-256 under the secret key) of what it
counts, so the table never holds a client address, an e-mail or an API key, and every name has
the same short length however long the e-mail. Buckets expire: a sweep, run on a small share
of hits, deletes those whose window ended more than `KEEP_S` ago.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from app.errors import RateLimited

log = logging.getLogger(__name__)
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


_FLUSH = text(
    """
    INSERT INTO rate_limit_buckets AS b (key, window_start, count)
    SELECT k, to_timestamp(w), n FROM unnest(CAST(:keys AS text[]), CAST(:windows AS float8[]),
                                             CAST(:counts AS int[])) AS u(k, w, n)
    ON CONFLICT (key, window_start) DO UPDATE SET count = b.count + excluded.count
    RETURNING key, extract(epoch FROM window_start)::float8 AS window, count
    """
)
Bucket = tuple[str, float]


class Meter:
    """Read requests counted in this process and reconciled through PostgreSQL in batches.

    A read costs no write: it is counted here, against the total every process had reported
    at the last flush plus this process's own since. Every `flush_s` a background thread adds
    the counts gathered (one statement for all buckets, on a connection of its own) and learns
    the shared totals back. Between two flushes each process sees only its own new requests,
    so N processes may let a client pass its limit by what it sends in `flush_s` to the other
    N - 1 — about a second's worth — never more. Buckets are the same rows as `record`'s,
    under the same hashed names, and expire the same way.
    """

    def __init__(self, engine: Engine, *, flush_s: float = 1.0) -> None:
        self.engine, self.flush_s = engine, flush_s
        self._pending: dict[Bucket, int] = {}
        self._shared: dict[Bucket, int] = {}
        self._inflight: dict[Bucket, int] = {}  # taken by a flush that has not answered yet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hit(self, *, key: str, limit: int, window_s: int) -> Hit:
        """Count one request against `key`; RateLimited once `limit` is passed in this window."""
        now = datetime.now(UTC).timestamp()
        window = float(now // window_s * window_s)
        bucket = (key, window)
        with self._lock:
            self._pending[bucket] = pending = self._pending.get(bucket, 0) + 1
            count = self._shared.get(bucket, 0) + self._inflight.get(bucket, 0) + pending
        counted = Hit(count=count, retry_after=max(1, int(window + window_s - now)))
        counted.enforce(limit)
        return counted

    def flush(self) -> int:
        """Add the counts gathered to PostgreSQL and learn the totals; how many buckets went."""
        with self._lock:
            taken, self._pending = self._pending, {}
            self._inflight = taken
        if not taken:
            return 0
        keys = [k for k, _ in taken]
        params = {"keys": keys, "windows": [w for _, w in taken], "counts": list(taken.values())}
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(_FLUSH, params).mappings().all()
                if secrets.randbelow(SWEEP_ONE_IN // 10 or 1) == 0:
                    sweep(conn)
                conn.commit()
        except Exception:
            # The database is away: keep the counts for the next flush rather than lose them.
            with self._lock:
                self._inflight = {}
                for bucket, n in taken.items():
                    self._pending[bucket] = self._pending.get(bucket, 0) + n
            log.warning("rate-limit flush failed; counts kept for the next one", exc_info=True)
            return 0
        now = datetime.now(UTC).timestamp()
        with self._lock:
            self._inflight = {}
            for row in rows:
                self._shared[(row["key"], float(row["window"]))] = int(row["count"])
            # Windows long over are forgotten (KEEP_S: the longest window and then some).
            self._shared = {b: n for b, n in self._shared.items() if b[1] > now - KEEP_S}
        return len(taken)

    def start(self) -> None:
        """Flush every `flush_s` in a daemon thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="rate-limit-meter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last flush."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()
