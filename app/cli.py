"""The `decoders` command for operators: database, imports, reconciliation, exports, serving."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app import localdb, migrate
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import AppError
from app.settings import get_settings

cli = typer.Typer(
    help="Decoders: crowdsourced surveillance-camera mapping.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_cli = typer.Typer(
    help="The database: local PostGIS cluster and migrations.", no_args_is_help=True
)
cli.add_typer(db_cli, name="db")


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


def _local_only() -> localdb.LocalDb:
    settings = get_settings()
    if settings.database_url:
        fail("DATABASE_URL is set: the local cluster is not used.", 2)
    return localdb.from_settings(settings)


@db_cli.command("start")
def db_start() -> None:
    """Provision (if needed) and start the local PostGIS cluster."""
    db = _local_only()
    try:
        localdb.start(db)
    except localdb.LocalDbError as exc:
        fail(str(exc))
    typer.echo(f"PostGIS running on 127.0.0.1:{db.port} (data in {db.pgdata})")


@db_cli.command("stop")
def db_stop() -> None:
    """Stop the local cluster."""
    db = _local_only()
    typer.echo("stopped" if localdb.stop(db) else "not running")


@db_cli.command("status")
def db_status() -> None:
    """Say whether the local cluster runs (exit 3 when it does not)."""
    db = _local_only()
    if localdb.status(db):
        typer.echo(f"running on 127.0.0.1:{db.port}")
    else:
        typer.echo("not running")
        raise typer.Exit(3)


@db_cli.command("url")
def db_url() -> None:
    """Print the database URL in use."""
    typer.echo(database_url())


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations to head (starting the local cluster when it is the target)."""
    try:
        ensure_database()
    except localdb.LocalDbError as exc:
        fail(str(exc))
    typer.echo("database at head")


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Start the database if local, migrate, and serve the API and browser app."""
    import uvicorn

    try:
        ensure_database()
    except localdb.LocalDbError as exc:
        fail(str(exc))
    # Workers are separate processes: they read the URL from the environment, not from us.
    os.environ.setdefault("DATABASE_URL", database_url())
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True)


def main() -> None:
    """Entry point of the `decoders` command."""
    # Imported for their side effect: each registers its commands.
    from app import cli_commands, cli_imports, cli_publishing, cli_reconcile  # noqa: F401

    try:
        cli()
    except AppError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        if exc.details:
            for item in exc.details if isinstance(exc.details, list) else [exc.details]:
                typer.secho(f"  {item}", err=True)
        sys.exit(1)
