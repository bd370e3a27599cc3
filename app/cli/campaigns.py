"""`decoders campaign …` and `decoders user …`: campaigns and accounts."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from app.cli.common import cli_session, fail
from app.models import ROLES
from app.schemas.campaigns import CampaignCreate, CampaignUpdate
from app.services import accounts, campaigns

campaign_cli = typer.Typer(help="Campaigns.", no_args_is_help=True)
user_cli = typer.Typer(help="Staff and decoder accounts.", no_args_is_help=True)


@campaign_cli.command("create")
def campaign_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Human-readable name.")],
    votes: Annotated[int, typer.Option(help="Decoders per task.", min=1, max=15)] = 3,
    open_now: Annotated[bool, typer.Option("--open", help="Open it to decoders at once.")] = False,
) -> None:
    """Create a campaign (a draft unless --open)."""
    from pydantic import ValidationError

    try:
        payload = CampaignCreate(slug=slug, name=name, votes_per_task=votes)
    except ValidationError as exc:
        fail(f"invalid campaign: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", 2)
        return
    with cli_session() as session:
        campaign = campaigns.create_campaign(session, payload=payload)
        if open_now:
            campaign.status = "open"
    typer.echo(f"created campaign {slug}")


@campaign_cli.command("list")
def campaign_list() -> None:
    """List every campaign with its status and settings."""
    with cli_session() as session:
        for c in campaigns.list_campaigns(session, include_drafts=True):
            typer.echo(
                f"{c.slug}\t{c.status}\tvotes={c.votes_per_task}\tlease={c.lease_minutes}min"
                f"\ttutorial={c.tutorial_tasks}\tknown_every={c.known_answer_every}\t{c.name}"
            )


@campaign_cli.command("update")
def campaign_update(
    slug: str,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    votes: Annotated[int | None, typer.Option(help="Decoders per task.")] = None,
    lease_minutes: Annotated[int | None, typer.Option(help="Lease length.")] = None,
    tutorial_tasks: Annotated[int | None, typer.Option(help="Tutorial tasks per decoder.")] = None,
    known_every: Annotated[
        int | None, typer.Option(help="Hidden known-answer tasks with probability 1/N (0: never).")
    ] = None,
) -> None:
    """Change a campaign's settings."""
    from pydantic import ValidationError

    try:
        payload = CampaignUpdate(
            name=name,
            votes_per_task=votes,
            lease_minutes=lease_minutes,
            tutorial_tasks=tutorial_tasks,
            known_answer_every=known_every,
        )
    except ValidationError as exc:
        fail(f"invalid setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", 2)
        return
    with cli_session() as session:
        campaigns.update_campaign(session, slug=slug, payload=payload)
    typer.echo(f"updated campaign {slug}")


def _status_command(action: campaigns.StatusAction) -> None:
    @campaign_cli.command(action, help=f"{action.capitalize()} a campaign.")
    def command(slug: str) -> None:
        with cli_session() as session:
            campaign = campaigns.change_status(session, slug=slug, action=action)
        typer.echo(f"campaign {slug} is {campaign.status}")


for _action in ("open", "pause", "close"):
    _status_command(_action)


@user_cli.command("create")
def user_create(
    email: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "decoder",
    password: Annotated[
        str | None, typer.Option(help="Password; a random one is generated and printed if omitted.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create an account, e.g. the first coordinator."""
    if role not in ROLES:
        fail(f"unknown role {role!r}; choose one of {', '.join(ROLES)}", 2)
    if "@" not in email or len(email) > 320:
        fail(f"{email!r} is not an e-mail address", 2)
    generated = password is None
    secret = password or secrets.token_urlsafe(12)
    if len(secret) < 8:
        fail("the password must be at least 8 characters", 2)
    with cli_session() as session:
        user = accounts.create_user(
            session, email=email, password=secret, role=role, display_name=name
        )
    typer.echo(f"created {role} {user.email} ({user.public_id})")
    if generated:
        typer.echo(f"password: {secret}")
