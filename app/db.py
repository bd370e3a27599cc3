"""Database plumbing: a base with constraint names, the engine, one transaction per unit of work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
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


class Base(DeclarativeBase):
    """Base of every ORM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine with pre-ping, so a restarted database does not break the first request."""
    # JIT compilation cost 25-500 ms on the density and low-zoom tile queries and never paid
    # back on these short queries (measured in bench/publishing.py), so it is off.
    # The process id in application_name tells the workers apart in pg_stat_activity.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"options": "-c jit=off", "application_name": f"decoders-{os.getpid()}"},
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
