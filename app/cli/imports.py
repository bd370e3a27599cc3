"""`decoders import locations|areas|panoramas FILE` and `decoders import amnesty DIR`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from app.cli.common import cli_session, fail
from app.services import campaigns
from app.services.imports import (
    ImportReport,
    LocationFields,
    LocationFormat,
    PanoramaFields,
    Report,
    import_amnesty,
    import_areas,
    import_locations,
    import_panoramas,
    read_directory_files,
)

import_cli = typer.Typer(
    help="Import locations, areas, panoramas or an Amnesty export.", no_args_is_help=True
)

CampaignOpt = Annotated[str, typer.Option("--campaign", help="Slug of the campaign.")]
FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _issue(issue: dict[str, Any]) -> str:
    where = f"{issue['file']} row {issue['row']}" if issue.get("file") else f"row {issue['row']}"
    return f"{where}: {issue['error']}"


def _print(report: ImportReport, what: str) -> None:
    typer.echo(
        f"{what}: {report.created} created, {report.updated} updated, {report.merged} merged"
    )
    if isinstance(report, Report):
        for key, value in report.counts.items():
            typer.echo(f"  {key}: {value}")
        for warning in report.warnings:
            typer.secho(f"  warning: {_issue(warning)}", fg=typer.colors.YELLOW, err=True)
        if report.warnings_total > len(report.warnings):
            typer.secho(
                f"  … {report.warnings_total - len(report.warnings)} more warnings",
                fg=typer.colors.YELLOW,
                err=True,
            )


@import_cli.command("locations")
def locations(
    file: FileArg,
    campaign: CampaignOpt,
    fmt: Annotated[str, typer.Option("--format", help="auto, csv or geojson.")] = "auto",
    id_field: Annotated[str, typer.Option(help="Id column / GeoJSON property.")] = "id",
    lat_field: Annotated[str, typer.Option(help="Latitude column.")] = "lat",
    lon_field: Annotated[str, typer.Option(help="Longitude column.")] = "lon",
    name_field: Annotated[str, typer.Option(help="Name column / property.")] = "name",
) -> None:
    """Import locations from CSV or GeoJSON Points (all or nothing)."""
    if fmt not in ("auto", "csv", "geojson"):
        fail("--format must be auto, csv or geojson", 2)
    fmt_value: LocationFormat = "csv" if fmt == "csv" else "geojson" if fmt == "geojson" else "auto"
    fields = LocationFields(id=id_field, lat=lat_field, lon=lon_field, name=name_field)
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        report = import_locations(
            session, campaign=target, data=file.read_bytes(), fmt=fmt_value, fields=fields
        )
    _print(report, "locations")


@import_cli.command("areas")
def areas(
    file: FileArg,
    campaign: CampaignOpt,
    name_field: Annotated[str, typer.Option(help="Property naming each area.")] = "name",
    kind: Annotated[str, typer.Option(help="borough, neighbourhood, tract, custom …")] = "custom",
) -> None:
    """Import areas from GeoJSON Polygons/MultiPolygons (all or nothing)."""
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        report = import_areas(
            session, campaign=target, data=file.read_bytes(), name_field=name_field, kind=kind
        )
    _print(report, "areas")


@import_cli.command("panoramas")
def panoramas(
    file: FileArg,
    campaign: CampaignOpt,
    location_id_field: Annotated[str, typer.Option(help="Location id column.")] = "location_id",
    lat_field: Annotated[str, typer.Option(help="Location latitude column.")] = "lat",
    lon_field: Annotated[str, typer.Option(help="Location longitude column.")] = "lon",
    provider_field: Annotated[str, typer.Option(help="Provider column.")] = "provider",
    pano_id_field: Annotated[str, typer.Option(help="Pano id column.")] = "pano_id",
    image_url_field: Annotated[str, typer.Option(help="Image URL column.")] = "image_url",
    pano_lat_field: Annotated[str, typer.Option(help="Panorama latitude column.")] = "pano_lat",
    pano_lon_field: Annotated[str, typer.Option(help="Panorama longitude column.")] = "pano_lon",
    date_field: Annotated[str, typer.Option(help="Capture date column.")] = "captured_at",
    heading_field: Annotated[str, typer.Option(help="Heading column.")] = "heading",
    provider: Annotated[
        str | None, typer.Option(help="Provider for rows without one (equirect|google|mapillary).")
    ] = None,
) -> None:
    """Import panoramas from CSV; each becomes a task for its locations (all or nothing)."""
    fields = PanoramaFields(
        location_id=location_id_field,
        lat=lat_field,
        lon=lon_field,
        provider=provider_field,
        pano_id=pano_id_field,
        image_url=image_url_field,
        pano_lat=pano_lat_field,
        pano_lon=pano_lon_field,
        captured_at=date_field,
        heading=heading_field,
    )
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        report = import_panoramas(
            session,
            campaign=target,
            data=file.read_bytes(),
            fields=fields,
            default_provider=provider,
        )
    _print(report, "panoramas")


@import_cli.command("amnesty")
def amnesty(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    campaign: CampaignOpt,
    skip_orphans: Annotated[
        bool,
        typer.Option(help="Skip (and list) submissions and tags that cannot be linked."),
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Load a Decode Surveillance NYC export: the four CSVs of DESIGN §8 in DIRECTORY."""

    def read(name: str) -> bytes | None:
        path = directory / name
        return path.read_bytes() if path.is_file() else None

    files = read_directory_files(read)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, disable=not progress, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        with cli_session() as session:
            target = campaigns.get_campaign(session, slug=campaign)
            report = import_amnesty(
                session,
                campaign=target,
                files=files,
                skip_orphans=skip_orphans,
                progress=on_progress,
            )
            if progress:
                bar.add_task("Committing", total=None)
    _summary(report)


def _summary(report: Report) -> None:
    table = Table(title="Decode Surveillance import", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in report.counts.items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    Console().print(table)
    for warning in report.warnings:
        typer.secho(f"warning: {_issue(warning)}", fg=typer.colors.YELLOW, err=True)
    if report.warnings_total > len(report.warnings):
        more = report.warnings_total - len(report.warnings)
        typer.secho(f"… {more} more warnings", fg=typer.colors.YELLOW, err=True)
