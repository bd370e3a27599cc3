"""`decoders known …`, `decoders qa …`, `decoders decoder …`: quality assurance (issue 10)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_session, fail
from app.services import campaigns, quality

known_cli = typer.Typer(
    help="Known answers: tutorial tasks and hidden checks.", no_args_is_help=True
)
qa_cli = typer.Typer(help="QA samples for experts and the quality report.", no_args_is_help=True)
decoder_cli = typer.Typer(
    help="Moderation: rank, suspend, reinstate decoders.", no_args_is_help=True
)

Campaign = Annotated[str, typer.Option("--campaign", help="Slug of the campaign.")]


@known_cli.command("import")
def known_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    campaign: Campaign,
    use: Annotated[
        str | None, typer.Option("--as", help="Also promote the tasks: tutorial or check.")
    ] = None,
) -> None:
    """Set known answers from a CSV (task_id|location_id|pano_id, heading, pitch, ...)."""
    if use not in (None, "tutorial", "check"):
        fail("--as takes tutorial or check", 2)
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        done = quality.import_known(session, campaign=target, data=file.read_bytes(), use=use)  # type: ignore[arg-type]
    typer.echo(f"known answers: {done.tasks} tasks, {done.cameras} cameras")


@known_cli.command("list")
def known_list(campaign: Campaign) -> None:
    """List known-answer tasks: id, use, cameras, who labelled them and when."""
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        for a in quality.list_known(session, campaign=target):
            when = a.labelled_at.isoformat(timespec="seconds") if a.labelled_at else "-"
            typer.echo(
                f"{a.task_id}\t{a.use}\t{len(a.cameras)} cameras\t{a.labelled_by or '-'}\t{when}"
            )


@known_cli.command("promote")
def known_promote(
    task_id: int,
    use: Annotated[str, typer.Option("--as", help="tutorial or check.")],
) -> None:
    """Use a known-answer task as a tutorial task or a hidden check."""
    if use not in ("tutorial", "check"):
        fail("--as takes tutorial or check", 2)
    with cli_session() as session:
        quality.promote(session, task_id=task_id, use=use)  # type: ignore[arg-type]
    typer.echo(f"task {task_id} is now a {use} task")


@qa_cli.command("sample")
def qa_sample(
    campaign: Campaign,
    per_stratum: Annotated[int, typer.Option(help="Tasks drawn per stratum.", min=1)] = 8,
    seed: Annotated[int, typer.Option(help="Seed: the same seed draws the same tasks.")] = 1,
) -> None:
    """Draw a stratified QA sample of complete tasks for the experts' queue."""
    with cli_session() as session:
        target = campaigns.get_campaign(session, slug=campaign)
        sample = quality.sample_read(
            session,
            quality.draw(session, campaign=target, per_stratum=per_stratum, seed=seed, by=None),
        )
    typer.echo(f"sample {sample.id}: {sample.tasks} tasks in {len(sample.strata)} strata")
    for s in sample.strata:
        typer.echo(f"  {s.stratum}\t{s.drawn}/{s.population}\tweight={s.weight:.2f}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@qa_cli.command("report")
def qa_report(campaign: Campaign) -> None:
    """Count ratio, recall and precision per category with 95 % intervals."""
    with cli_session() as session:
        report = quality.store_report(
            session, campaign=campaigns.get_campaign(session, slug=campaign)
        )
    typer.echo(
        f"sample {report.sample_id}: {report.reviewed_tasks}/{report.sampled_tasks} reviewed"
    )
    for c in report.categories:
        parts = [
            f"{name} {_fmt(i.value)} [{_fmt(i.low)}, {_fmt(i.high)}]"
            for name, i in (
                ("ratio", c.count_ratio),
                ("recall", c.recall),
                ("precision", c.precision),
            )
        ]
        typer.echo(f"  {c.category:<17}" + "  ".join(parts))


@decoder_cli.command("list")
def decoder_list(campaign: Campaign) -> None:
    """Decoders by pseudonym, flagged and least reliable first."""
    with cli_session() as session:
        rows = quality.ranking(session, campaign=campaigns.get_campaign(session, slug=campaign))
    for r in rows:
        state = "suspended" if r.suspended_at else ("FLAGGED" if r.flagged else "ok")
        typer.echo(
            f"{r.decoder}\t{state}\ttasks={r.submissions}\tknown={r.known_tasks}"
            f"\tsens={_fmt(r.sensitivity)}\tfa={_fmt(r.false_alarm)}"
            f"\tknown_p={_fmt(r.known_precision)}\tflags={','.join(r.flag_reasons) or '-'}"
        )


@decoder_cli.command("suspend")
def decoder_suspend(
    public_id: str,
    reason: Annotated[str | None, typer.Option(help="Why (shown to coordinators).")] = None,
) -> None:
    """Suspend a decoder: their votes stop counting and their tasks return to the pool."""
    with cli_session() as session:
        done = quality.suspend(session, public_id=public_id, by=None, reason=reason)
    typer.echo(
        f"suspended {public_id}: {done.affected_tasks} tasks recounted, "
        f"{done.reopened_tasks} back in the pool, {done.expired_leases} leases ended"
    )


@decoder_cli.command("reinstate")
def decoder_reinstate(public_id: str) -> None:
    """Reinstate a suspended decoder: their votes count again."""
    with cli_session() as session:
        done = quality.reinstate(session, public_id=public_id)
    typer.echo(f"reinstated {public_id}: {done.affected_tasks} tasks recounted")
