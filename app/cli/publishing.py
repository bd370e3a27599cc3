"""Publishing commands of the `decoders` CLI: researcher API keys and data exports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import cli_session, fail
from app.schemas.publishing import Filters
from app.services import accounts, campaigns, publishing
from app.services.publishing import exports
from app.settings import get_settings

apikey_cli = typer.Typer(help="Researcher API keys.", no_args_is_help=True)
export_cli = typer.Typer()


class LayerName(StrEnum):
    cameras = "cameras"
    counts = "counts"
    tags = "tags"
    osm = "osm"  # confirmed cameras from OSM-compatible imagery, as an OsmChange file


class ExportFormat(StrEnum):
    geojson = "geojson"
    csv = "csv"
    geojsonseq = "geojsonseq"


class StatusName(StrEnum):
    confirmed = "confirmed"
    candidate = "candidate"
    rejected = "rejected"
    all = "all"


@apikey_cli.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    rate: Annotated[
        int | None, typer.Option(help="Requests per minute (default from settings).", min=1)
    ] = None,
) -> None:
    """Create a key; it is printed once, alone on the last line."""
    if not name.strip() or len(name) > 120:
        fail("the name must be 1 to 120 characters", 2)
    per_minute = rate or get_settings().api_key_per_minute
    with cli_session() as session:
        key, secret = accounts.create_key(
            session, name=name.strip(), rate_per_minute=per_minute, created_by=None
        )
        key_id, prefix = key.id, key.prefix
    typer.echo(f"created API key {key_id} ({prefix}…), {per_minute} requests/minute.", err=True)
    typer.echo("Store it now: it cannot be shown again. Send it as the X-API-Key header.", err=True)
    typer.echo(secret)


@apikey_cli.command("list")
def apikey_list() -> None:
    """List keys (never their secrets)."""
    with cli_session() as session:
        for key in accounts.list_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
            typer.echo(f"{key.id}\t{key.prefix}…\t{key.rate_per_minute}/min\t{state}\t{key.name}")


@apikey_cli.command("revoke")
def apikey_revoke(key_id: int) -> None:
    """Revoke a key."""
    with cli_session() as session:
        accounts.revoke_key(session, key_id=key_id)
    typer.echo(f"revoked API key {key_id}")


@export_cli.command("export")
def export(
    layer: Annotated[LayerName, typer.Argument(help="What to export.")],
    campaign: Annotated[str, typer.Option(help="Campaign slug.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")] = (
        ExportFormat.geojson
    ),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default stdout).")
    ] = None,
    status: Annotated[StatusName, typer.Option(help="Cameras of this status.")] = (
        StatusName.confirmed
    ),
) -> None:
    """Stream a complete layer as GeoJSON, GeoJSONSeq (RFC 8142) or CSV; `osm`: an OsmChange."""
    if layer is LayerName.osm:
        _export_osm(campaign, output)
        return
    with cli_session() as session:
        found = campaigns.get_campaign(session, slug=campaign)
        filters = Filters(status=status.value)
        chosen = publishing.layer(
            session, campaign=found, name=layer.value, filters=filters, whole=True
        )
        meta = publishing.metadata(session, campaign=found, layer=layer.value)
        if output is None:
            chunks = exports.stream(session, layer=chosen, meta=meta, fmt=fmt.value)
            _write(sys.stdout.buffer, chunks)
            return
        total = exports.count(session, layer=chosen)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        progress = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True))
        with progress, output.open("wb") as out:
            task = progress.add_task(f"{campaign} {layer.value}", total=total)
            chunks = exports.stream(
                session,
                layer=chosen,
                meta=meta,
                fmt=fmt.value,
                progress=lambda n: progress.advance(task, n),
            )
            _write(out, chunks)
    typer.echo(f"wrote {total} {layer.value} to {output}", err=True)


def _export_osm(campaign: str, output: Path | None) -> None:
    tally = publishing.osm.OsmTally()
    with cli_session() as session:
        found = campaigns.get_campaign(session, slug=campaign)
        chunks = publishing.osm.osm_change(session, campaign=found, tally=tally)
        if output is None:
            _write(sys.stdout.buffer, chunks)
        else:
            with output.open("wb") as out:
                _write(out, chunks)
    where = f" to {output}" if output else ""
    typer.echo(f"wrote {tally.written} confirmed cameras{where} (OsmChange)", err=True)
    if tally.not_compatible:
        typer.echo(
            f"left out {tally.not_compatible} whose imagery does not allow OpenStreetMap use",
            err=True,
        )


def _write(out: BinaryIO, chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        out.write(chunk)
    out.flush()
