import pytest
from typer.testing import CliRunner

from app.cli import cli


@pytest.fixture
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


def test_db_url_prints_database_url(runner: CliRunner, live_database_url: str) -> None:
    result = runner.invoke(cli, ["db", "url"])
    assert result.exit_code == 0
    assert result.output.strip() == live_database_url


def test_local_cluster_commands_refuse_when_database_url_is_set(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["db", "status"])
    assert result.exit_code == 2
    assert "DATABASE_URL is set" in result.output


def test_campaign_lifecycle_from_the_cli(runner: CliRunner) -> None:
    created = runner.invoke(
        cli, ["campaign", "create", "cli-camp", "--name", "CLI", "--votes", "5"]
    )
    assert created.exit_code == 0, created.output
    assert runner.invoke(cli, ["campaign", "open", "cli-camp"]).output.strip() == (
        "campaign cli-camp is open"
    )
    updated = runner.invoke(cli, ["campaign", "update", "cli-camp", "--lease-minutes", "45"])
    assert updated.exit_code == 0
    listed = runner.invoke(cli, ["campaign", "list"]).output
    assert "cli-camp\topen\tvotes=5\tlease=45min" in listed
    again = runner.invoke(cli, ["campaign", "create", "cli-camp", "--name", "CLI"])
    assert again.exit_code != 0


def test_campaign_create_rejects_a_bad_slug(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["campaign", "create", "Bad Slug!", "--name", "x"])
    assert result.exit_code == 2
    assert "slug" in result.output


def test_user_create_prints_a_generated_password(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["user", "create", "boss@example.org", "--role", "coordinator"])
    assert result.exit_code == 0, result.output
    assert "created coordinator boss@example.org" in result.output
    assert result.output.strip().splitlines()[-1].startswith("password: ")


def test_user_create_rejects_an_unknown_role(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["user", "create", "x@example.org", "--role", "overlord"])
    assert result.exit_code == 2
