"""`decoders db …`: the local PostGIS cluster and migrations."""

from __future__ import annotations

import typer

from app import localdb
from app.cli.common import database_url, ensure_database, fail
from app.settings import get_settings

db_cli = typer.Typer(
    help="The database: local PostGIS cluster and migrations.", no_args_is_help=True
)


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
