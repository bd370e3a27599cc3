"""`decoders import …` end to end on a committed database (the live test database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from app.errors import Invalid
from tests.amnesty_data import write_amnesty_files


@pytest.fixture
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


@pytest.fixture
def slug(runner: CliRunner, live_database_url: str) -> Iterator[str]:
    name = f"imp-{uuid.uuid4().hex[:8]}"
    assert runner.invoke(cli, ["campaign", "create", name, "--name", "Imports"]).exit_code == 0
    yield name
    engine = create_engine(live_database_url)
    with engine.begin() as conn:
        users = (
            conn.execute(
                text(
                    "SELECT DISTINCT s.user_id FROM submissions s JOIN campaigns c "
                    "ON c.id = s.campaign_id WHERE c.slug = :s"
                ),
                {"s": name},
            )
            .scalars()
            .all()
        )
        conn.execute(text("DELETE FROM campaigns WHERE slug = :s"), {"s": name})
        conn.execute(text("DELETE FROM users WHERE id = ANY(:ids)"), {"ids": list(users)})
    engine.dispose()


def scalar(url: str, sql: str, slug: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = int(conn.execute(text(sql), {"s": slug}).scalar_one())
    engine.dispose()
    return value


def test_locations_then_panoramas_from_the_cli(
    runner: CliRunner, slug: str, tmp_path: Path, live_database_url: str
) -> None:
    locations = tmp_path / "corners.csv"
    locations.write_text("code,y,x\nA,40.75,-73.98\nB,40.76,-73.97\n")
    result = runner.invoke(
        cli,
        ["import", "locations", str(locations), "--campaign", slug, "--id-field", "code",
         "--lat-field", "y", "--lon-field", "x"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "locations: 2 created, 0 updated, 0 merged" in result.output
    panoramas = tmp_path / "panos.csv"
    panoramas.write_text("location_id,pano_id\nA,P1\nB,P1\n")
    result = runner.invoke(
        cli, ["import", "panoramas", str(panoramas), "--campaign", slug, "--provider", "google"]
    )
    assert result.exit_code == 0, result.output
    tasks = (
        "SELECT count(*) FROM tasks t JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = :s"
    )
    assert scalar(live_database_url, tasks, slug) == 1


def test_a_bad_file_exits_with_the_row_errors(runner: CliRunner, slug: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lat,lon\nA,x,1\n")
    result = runner.invoke(cli, ["import", "locations", str(bad), "--campaign", slug])
    assert isinstance(result.exception, Invalid)  # main() prints it and exits 1
    assert result.exception.details == [{"row": 2, "error": "latitude is not a number: 'x'"}]


def test_amnesty_import_from_the_cli_is_idempotent(
    runner: CliRunner, slug: str, tmp_path: Path, live_database_url: str
) -> None:
    made = write_amnesty_files(tmp_path, intersections=60, submissions=180, tags=120, seed=99)
    args = ["import", "amnesty", str(tmp_path), "--campaign", slug, "--no-progress"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "submissions created" in first.output
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    submissions = (
        "SELECT count(*) FROM submissions s JOIN campaigns c ON c.id = s.campaign_id "
        "WHERE c.slug = :s"
    )
    assert scalar(live_database_url, submissions, slug) == made.submissions


def test_amnesty_import_names_missing_files(runner: CliRunner, slug: str, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["import", "amnesty", str(tmp_path), "--campaign", slug])
    assert isinstance(result.exception, Invalid)
    assert "intersections.csv" in result.exception.message
