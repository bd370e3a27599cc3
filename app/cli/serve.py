"""`decoders serve` and `decoders demo`: run the platform, seed the demo campaign."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from app import localdb
from app.cli.common import cli_session, database_url, ensure_database, fail

serve_cli = typer.Typer()


@serve_cli.command("serve")
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


@serve_cli.command("demo")
def demo(
    slug: Annotated[str, typer.Option(help="Slug of the demo campaign.")] = "nyc-demo",
) -> None:
    """Create (or reuse) the offline demo campaign with generated panoramas."""
    from app.demo import seed_demo

    ensure_database()
    with cli_session() as session:
        summary = seed_demo(session, slug=slug, progress=True)
    typer.echo(summary)
