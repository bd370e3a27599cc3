"""`decoders reconcile --campaign SLUG [--full]`: reconcile a campaign with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from app.cli.common import cli_session, fail
from app.errors import NotFound
from app.services import campaigns
from app.services.reconciliation import ReconcileBusy, reconcile_campaign

_STEPS = {"tasks": "Tasks", "matching": "Cross-task matching", "reliability": "Reliability (EM)"}


reconcile_cli = typer.Typer()


@reconcile_cli.command("reconcile")
def reconcile(
    campaign: Annotated[str, typer.Option("--campaign", help="Slug of the campaign.")],
    full: Annotated[
        bool, typer.Option("--full", help="Recompute every task, not only the queued ones.")
    ] = False,
) -> None:
    """Reconcile queued (or, with --full, all) tasks, then cross-task matching and reliability."""
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        bars: dict[str, TaskID] = {}

        def finish(but: str | None = None) -> None:
            for name, bar_id in bars.items():
                if name != but:
                    total = bar.tasks[bar_id].total or 1
                    bar.update(bar_id, completed=total, total=total)

        def progress(step: str, done: int, total: int) -> None:
            finish(but=step)  # an earlier step is over once the next one starts
            if step not in bars:
                bars[step] = bar.add_task(_STEPS.get(step, step), total=max(total, 1))
            bar.update(bars[step], completed=done, total=max(total, 1))

        try:
            with cli_session() as session:
                target = campaigns.get_campaign(session, slug=campaign)
                summary = reconcile_campaign(session, campaign=target, full=full, progress=progress)
            finish()
        except ReconcileBusy as exc:
            fail(f"error: {exc.message} Try again when it has finished.", 3)
            return
        except NotFound as exc:
            fail(f"error: {exc.message}", 2)
            return
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
    typer.echo(
        f"reconciled {summary.tasks} tasks of {campaign} ({summary.kind}, method "
        f"{summary.method_version}): {summary.cameras} cameras ({statuses or 'none'}), "
        f"{summary.merged} seen from several panoramas, {summary.decoders} decoders rated"
    )
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items())
    typer.echo(f"run {summary.run_id}: {timing}")
