"""`decoders imagery find`: panoramas from Mapillary or Panoramax for a campaign, resumable."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import database_url
from app.db import make_engine, make_sessionmaker, session_scope
from app.models import Campaign
from app.services import campaigns, imagery
from app.settings import get_settings

imagery_cli = typer.Typer(help="Street imagery for a campaign's tasks.", no_args_is_help=True)
# Shown in full on the terminal; the status endpoint and a re-run list the rest.
_LISTED = 50


class ProviderName(StrEnum):
    mapillary = "mapillary"
    panoramax = "panoramax"


@imagery_cli.command("find")
def find(
    campaign: Annotated[str, typer.Option("--campaign", help="Slug of the campaign.")],
    provider: Annotated[ProviderName, typer.Option(help="Where to look.")],
    max_distance: Annotated[
        float, typer.Option(help="Metres from a location to its panorama.", min=1, max=200)
    ] = 15.0,
    since: Annotated[str | None, typer.Option(help="Captured on or after (YYYY-MM).")] = None,
    until: Annotated[str | None, typer.Option(help="Captured on or before (YYYY-MM).")] = None,
    area: Annotated[
        str | None,
        typer.Option(help="Search this area (name or id) instead of the locations."),
    ] = None,
    spacing: Annotated[
        float, typer.Option(help="With --area: metres between panoramas.", min=1, max=1000)
    ] = 20.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Find the panorama of each location without a task (or of an area) and create tasks.

    Every tile is committed as it is done, so an interrupted run picks up where it stopped.
    """
    options = imagery.FindOptions(
        provider=provider.value,
        max_distance_m=max_distance,
        since=imagery.date_bound(since),
        until=imagery.date_bound(until, end=True),
        area=area,
        spacing_m=spacing,
    )
    chosen = imagery.provider_for(provider.value, get_settings())
    engine = make_engine(database_url(), pool_size=1)
    maker = make_sessionmaker(engine)
    try:
        with session_scope(maker) as session:
            campaign_id = campaigns.get_campaign(session, slug=campaign).id
            tiles = imagery.plan_find(
                session, campaign=session.get_one(Campaign, campaign_id), options=options
            )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        bar = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True))
        unit = "tiles" if area else "locations"
        total = len(tiles) if area else sum(len(t.locations) for t in tiles)
        created = tasks = 0
        with bar:
            task = bar.add_task(f"{provider.value}: {unit}", total=total, visible=progress)
            for tile in tiles:
                # The provider is asked outside the transaction; the tile is written in its own.
                candidates = imagery.search_tile(chosen, tile, options)
                with session_scope(maker) as session:
                    result = imagery.record_tile(
                        session,
                        campaign=session.get_one(Campaign, campaign_id),
                        tile=tile,
                        candidates=candidates,
                        options=options,
                    )
                created += result.panoramas_created
                tasks += result.tasks_created
                bar.advance(task, 1 if area else len(tile.locations))
        with session_scope(maker) as session:
            status = imagery.find_status(
                session, campaign=session.get_one(Campaign, campaign_id), provider=provider.value
            )
    finally:
        chosen.client.close()
        engine.dispose()
    typer.echo(f"searched {total} {unit}: {created} panoramas and {tasks} tasks created")
    typer.echo(
        f"locations: {status.locations}, with {provider.value} imagery: {status.with_imagery}, "
        f"without: {status.without_imagery_count}, not searched yet: {status.remaining}"
    )
    if status.without_imagery:
        typer.echo(f"locations without imagery within {max_distance:g} m:")
        for external_id in status.without_imagery[:_LISTED]:
            typer.echo(f"  {external_id}")
        if status.without_imagery_count > _LISTED:
            typer.echo(f"  … {status.without_imagery_count - _LISTED} more")
