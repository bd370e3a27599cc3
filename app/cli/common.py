"""What every `decoders` command shares: the database URL, a session, a clean failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from app import localdb, migrate
from app.db import make_engine, make_sessionmaker, session_scope
from app.settings import get_settings


def database_url() -> str:
    """DATABASE_URL, or the local cluster's URL."""
    return localdb.database_url(get_settings())


def ensure_database() -> str:
    """Start the local cluster unless DATABASE_URL is set, then migrate; return the URL."""
    settings = get_settings()
    if not settings.database_url:
        localdb.start(localdb.from_settings(settings))
    url = database_url()
    migrate.upgrade(url)
    return url


@contextmanager
def cli_session() -> Iterator[Session]:
    """A session on the configured database committing once, like a request."""
    engine = make_engine(database_url(), pool_size=2)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> None:
    """Print an error to stderr and exit."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
