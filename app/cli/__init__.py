"""The `decoders` command for operators: database, imports, reconciliation, exports, serving.

Each group lives in its own module with its own Typer app; this module only composes them.
"""

from __future__ import annotations

import sys

import typer

from app.cli.campaigns import campaign_cli, user_cli
from app.cli.db import db_cli
from app.cli.imagery import imagery_cli
from app.cli.imports import import_cli
from app.cli.publishing import apikey_cli, export_cli
from app.cli.quality import decoder_cli, known_cli, qa_cli
from app.cli.reconcile import reconcile_cli
from app.cli.serve import serve_cli
from app.errors import AppError

cli = typer.Typer(
    help="Decoders: crowdsourced surveillance-camera mapping.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
cli.add_typer(db_cli, name="db")
cli.add_typer(campaign_cli, name="campaign")
cli.add_typer(user_cli, name="user")
cli.add_typer(import_cli, name="import")
cli.add_typer(imagery_cli, name="imagery")
cli.add_typer(apikey_cli, name="apikey")
cli.add_typer(known_cli, name="known")
cli.add_typer(qa_cli, name="qa")
cli.add_typer(decoder_cli, name="decoder")
# Single commands (serve, demo, export, reconcile) join the root without a group name.
cli.add_typer(serve_cli)
cli.add_typer(export_cli)
cli.add_typer(reconcile_cli)


def main() -> None:
    """Entry point of the `decoders` command."""
    try:
        cli()
    except AppError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        if exc.details:
            for item in exc.details if isinstance(exc.details, list) else [exc.details]:
                typer.secho(f"  {item}", err=True)
        sys.exit(1)
