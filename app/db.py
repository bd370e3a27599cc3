"""Database plumbing: a base with constraint names, the engine, one transaction per unit of work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Named constraints make migrations reviewable and let error handlers map a violated
# constraint to a precise API error by its name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# SQLSTATEs PostgreSQL asks the client to retry: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# query_canceled: our statement_timeout fired (or an operator cancelled the query).
QUERY_CANCELED = "57014"


class Base(DeclarativeBase):
    """Base of every ORM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 30.0,
    statement_timeout_ms: int = 0,
    idle_in_transaction_timeout_ms: int = 0,
    application_name: str = "decoders",
) -> Engine:
    """An engine with pre-ping, so a restarted database does not break the first request.

    The two timeouts (0: none) are set per connection, so the server itself ends a runaway
    query or a session left idle in a transaction, whatever the client does. The application
    name tells the pools apart in `pg_stat_activity`.
    """
    # JIT compilation cost 25-500 ms on the density and low-zoom tile queries and never paid
    # back on these short queries (measured in bench/publishing.py), so it is off.
    options = "-c jit=off"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    if idle_in_transaction_timeout_ms:
        options += f" -c idle_in_transaction_session_timeout={int(idle_in_transaction_timeout_ms)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        # The connection used last is handed out first: a few warm backends do the work and
        # the rest idle. First in, first out cycled a request through all forty of a worker's
        # backends, and PostgreSQL spent 5.1 ms instead of 3.8 ms per lease and answer on
        # 2 cores (issue 14, bench/assignment.py).
        pool_use_lifo=True,
        # Published pages pass PostgreSQL's bytes straight into UTF-8 responses
        # (publishing.layers): whatever the server's or the database's default, UTF-8.
        client_encoding="utf8",
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        # The process id tells the workers apart in pg_stat_activity (bench/assignment.py).
        connect_args={"options": options, "application_name": f"{application_name}-{os.getpid()}"},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses read them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit once if the block succeeds, roll back on any error; services only flush."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        # An error may report a change that must stand (AppError.keep_changes).
        if getattr(exc, "keep_changes", False):
            session.commit()
        else:
            session.rollback()
        raise
    finally:
        session.close()


def core_connection(session: Session) -> Connection:
    """The session's connection for a Core statement, after flushing what Session.execute would.

    A text call of a database function needs none of the ORM's statement handling, which cost
    more than the call's own Python work on the decoding loop (issue 14).
    """
    session.flush()
    return session.connection()


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind a driver error, if any."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "pgcode", None)
    return str(code) if code else None


def is_retryable(exc: BaseException) -> bool:
    """A serialization failure or deadlock: the whole transaction may simply run again."""
    return isinstance(exc, sa_exc.DBAPIError) and sqlstate(exc) in RETRYABLE_SQLSTATES


def fault_kind(exc: BaseException) -> str | None:
    """`busy` (pool exhausted, statement timeout), `unavailable` (no usable connection), or None."""
    if isinstance(exc, sa_exc.TimeoutError):  # QueuePool limit reached
        return "busy"
    if isinstance(exc, sa_exc.PendingRollbackError):
        # A connection failed under a session that is then used again; only the database
        # going away does that here.
        return "unavailable"
    if isinstance(exc, sa_exc.DBAPIError):
        if sqlstate(exc) == QUERY_CANCELED:
            return "busy"
        if exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        ):
            return "unavailable"
    return None
