"""`decoders known …`, `decoders qa …` and `decoders decoder …` against the real database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.errors import ImportFailed, NoKnownAnswer
from app.models import Campaign, Task
from app.services.reconciliation.run import reconcile_campaign
from tests.factories import make_campaign, make_submission, make_task, make_user, tag

HEADER = "task_id,heading,pitch,attachment,camera_type,base_heading,base_pitch\n"


@pytest.fixture
def engine(live_database_url: str) -> Iterator[Engine]:
    engine = create_engine(live_database_url)
    yield engine
    engine.dispose()


def _slug(tmp_path: Path) -> str:
    return f"qa-cli-{tmp_path.name[-8:].lower().replace('_', '-')}"


def _campaign(engine: Engine, slug: str, tasks: int) -> tuple[Campaign, list[int]]:
    with Session(engine, expire_on_commit=False) as session:
        campaign = make_campaign(session, slug=slug, tutorial_tasks=0, known_answer_every=0)
        ids = [make_task(session, campaign, lon=-73.98 + i * 0.01).id for i in range(tasks)]
        session.commit()
    return campaign, ids


def _known(engine: Engine, task_ids: list[int]) -> dict[int, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, known_answer, is_tutorial FROM tasks WHERE id = ANY(:ids)"),
            {"ids": task_ids},
        )
        return {r.id: (r.known_answer, r.is_tutorial) for r in rows}


def test_known_import_list_and_promote(
    cli_runner: CliRunner, engine: Engine, tmp_path: Path
) -> None:
    slug = _slug(tmp_path)
    _, (first, second, third) = _campaign(engine, slug, 3)
    csv_file = tmp_path / "known.csv"
    csv_file.write_text(
        HEADER
        + f"{first},10,8,street_furniture,dome_ptz,,\n"
        + f"{first},200,5,building,bullet,200,-10\n"
        + f"{second},,,,,,\n"  # an empty heading: the task has no camera
    )
    done = cli_runner.invoke(cli, ["known", "import", str(csv_file), "--campaign", slug])
    assert done.exit_code == 0, done.output
    assert "known answers: 2 tasks, 2 cameras" in done.output
    stored = _known(engine, [first, second, third])
    assert [c["heading"] for c in stored[first][0]] == [10.0, 200.0]
    assert stored[first][0][1]["base_pitch"] == -10.0
    assert stored[second][0] == [] and stored[third][0] is None

    listed = cli_runner.invoke(cli, ["known", "list", "--campaign", slug])
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert [(int(r[0]), r[1], r[2], r[3]) for r in lines] == [
        (first, "check", "2 cameras", "-"),
        (second, "check", "0 cameras", "-"),
    ]

    promoted = cli_runner.invoke(cli, ["known", "promote", str(first), "--as", "tutorial"])
    assert promoted.exit_code == 0, promoted.output
    assert f"task {first} is now a tutorial task" in promoted.output
    assert _known(engine, [first])[first][1] is True
    relisted = cli_runner.invoke(cli, ["known", "list", "--campaign", slug]).output
    assert relisted.splitlines()[0].startswith(f"{first}\ttutorial\t")  # tutorials first

    # A re-import replaces a task's answer; --as promotes in the same step.
    again = tmp_path / "again.csv"
    again.write_text(HEADER + f"{second},90,3,building,unknown,,\n")
    redone = cli_runner.invoke(
        cli, ["known", "import", str(again), "--campaign", slug, "--as", "tutorial"]
    )
    assert redone.exit_code == 0, redone.output
    answer, tutorial = _known(engine, [second])[second]
    assert [c["heading"] for c in answer] == [90.0] and tutorial is True

    bad_use = cli_runner.invoke(cli, ["known", "promote", str(first), "--as", "gold"])
    assert bad_use.exit_code == 2
    missing = cli_runner.invoke(cli, ["known", "promote", str(third), "--as", "check"])
    assert isinstance(missing.exception, NoKnownAnswer)  # main() prints it and exits 1


def test_a_malformed_known_csv_names_its_rows_and_writes_nothing(
    cli_runner: CliRunner, engine: Engine, tmp_path: Path
) -> None:
    slug = _slug(tmp_path)
    _, (first, second) = _campaign(engine, slug, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + f"{first},10,8,street_furniture,dome_ptz,,\n"  # line 2: fine
        + f"{second},north,8,building,bullet,,\n"  # line 3: heading not a number
        + f"{second},10,8,roof,bullet,,\n"  # line 4: no such attachment
        + "999999999,10,8,building,bullet,,\n"  # line 5: not a task of the campaign
        + f"{first},400,8,building,bullet,,\n"  # line 6: heading out of range
    )
    result = cli_runner.invoke(cli, ["known", "import", str(bad), "--campaign", slug])
    assert isinstance(result.exception, ImportFailed)
    details = result.exception.details
    assert isinstance(details, list)
    assert [d.split(":")[0] for d in details] == ["line 3", "line 4", "line 5", "line 6"]
    assert details[0] == "line 3: heading is not a number: 'north'"
    assert details[1].startswith("line 4: attachment: ")
    assert "no task of" in details[2]
    assert details[3].startswith("line 6: heading: ")
    # Nothing written: not even the good row's task.
    assert _known(engine, [first, second]) == {first: (None, False), second: (None, False)}

    # Through the real entry point: exit 1 and every row error on stderr.
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]}
    command = ["known", "import", str(bad), "--campaign", slug]
    process = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *command],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert process.returncode == 1, process.stderr
    assert "error: The known-answer CSV has errors." in process.stderr
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert f"  {line}: " in process.stderr

    no_reference = tmp_path / "noref.csv"
    no_reference.write_text("heading,pitch\n10,8\n")
    refused = cli_runner.invoke(cli, ["known", "import", str(no_reference), "--campaign", slug])
    assert isinstance(refused.exception, ImportFailed)
    assert "task_id" in refused.exception.message

    # Not UTF-8: the import's own error, as on the page (it was a UnicodeDecodeError here).
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        HEADER.encode() + f"{first},10,8,building,bullet,,caf\xe9\n".encode("latin-1")
    )
    unreadable = cli_runner.invoke(cli, ["known", "import", str(latin), "--campaign", slug])
    assert isinstance(unreadable.exception, ImportFailed)
    assert "not UTF-8" in unreadable.exception.message
    assert _known(engine, [first, second]) == {first: (None, False), second: (None, False)}


def _decoded(engine: Engine, slug: str) -> tuple[list[Task], list[str]]:
    """Four complete tasks; the first decoder tags at random."""
    with Session(engine, expire_on_commit=False) as session:
        campaign = make_campaign(session, slug=slug, tutorial_tasks=0, known_answer_every=0)
        users = [make_user(session) for _ in range(3)]
        tasks = []
        for i in range(4):
            task = make_task(session, campaign, lon=-73.98 + i * 0.01, status="complete")
            make_submission(session, task, users[0], tag(300, 40), tag(120, 30))
            make_submission(session, task, users[1], tag(10, 8))
            make_submission(session, task, users[2], tag(10.5, 8))
            task.valid_submissions = 3
            tasks.append(task)
        session.flush()
        reconcile_campaign(session, campaign=campaign)
        session.commit()
        return tasks, [u.public_id for u in users]


def test_qa_sample_and_report(cli_runner: CliRunner, engine: Engine, tmp_path: Path) -> None:
    slug = _slug(tmp_path)
    _decoded(engine, slug)
    drawn = cli_runner.invoke(
        cli, ["qa", "sample", "--campaign", slug, "--per-stratum", "3", "--seed", "5"]
    )
    assert drawn.exit_code == 0, drawn.output
    head, *strata = drawn.output.strip().splitlines()
    assert head.endswith("3 tasks in 1 strata")
    assert strata == ["  1|2 vs 1\t3/4\tweight=1.33"]
    again = cli_runner.invoke(
        cli, ["qa", "sample", "--campaign", slug, "--per-stratum", "3", "--seed", "5"]
    )
    with engine.connect() as connection:
        drawn_tasks = connection.execute(
            text(
                "SELECT s.id, array_agg(r.task_id ORDER BY r.task_id) FROM qa_samples s "
                "JOIN reviews r ON r.sample_id = s.id JOIN campaigns c ON c.id = s.campaign_id "
                "WHERE c.slug = :s GROUP BY s.id ORDER BY s.id"
            ),
            {"s": slug},
        ).all()
    assert again.exit_code == 0 and len(drawn_tasks) == 2
    assert drawn_tasks[0][1] == drawn_tasks[1][1]  # the same seed draws the same tasks

    report = cli_runner.invoke(cli, ["qa", "report", "--campaign", slug])
    assert report.exit_code == 0, report.output
    lines = report.output.strip().splitlines()
    assert lines == [f"sample {drawn_tasks[1][0]}: 0/3 reviewed"]  # no figures invented
    bad = cli_runner.invoke(cli, ["qa", "sample", "--campaign", slug, "--per-stratum", "0"])
    assert bad.exit_code == 2


def test_decoder_list_suspend_and_reinstate(
    cli_runner: CliRunner, engine: Engine, tmp_path: Path
) -> None:
    slug = _slug(tmp_path)
    tasks, (spammer, *_) = _decoded(engine, slug)
    listed = cli_runner.invoke(cli, ["decoder", "list", "--campaign", slug])
    assert listed.exit_code == 0, listed.output
    rows = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert {r[0] for r in rows} >= {spammer}
    assert all(r[1] in ("ok", "FLAGGED") and r[2] == "tasks=4" for r in rows)
    assert all(r[-1] == "flags=-" for r in rows if r[1] == "ok")

    suspended = cli_runner.invoke(cli, ["decoder", "suspend", spammer, "--reason", "random tags"])
    assert suspended.exit_code == 0, suspended.output
    assert f"suspended {spammer}: 4 tasks recounted, 4 back in the pool" in suspended.output
    with engine.connect() as connection:
        states = connection.execute(
            text("SELECT status, valid_submissions FROM tasks WHERE id = ANY(:ids)"),
            {"ids": [t.id for t in tasks]},
        ).all()
        reason = connection.scalar(
            text("SELECT suspension_reason FROM users WHERE public_id = :p"), {"p": spammer}
        )
    assert {tuple(s) for s in states} == {("open", 2)}
    assert reason == "random tags"
    shown = cli_runner.invoke(cli, ["decoder", "list", "--campaign", slug]).output
    assert f"{spammer}\tsuspended\t" in shown

    back = cli_runner.invoke(cli, ["decoder", "reinstate", spammer])
    assert back.exit_code == 0, back.output
    assert f"reinstated {spammer}: 4 tasks recounted" in back.output
    with engine.connect() as connection:
        states = connection.execute(
            text("SELECT status, valid_submissions FROM tasks WHERE id = ANY(:ids)"),
            {"ids": [t.id for t in tasks]},
        ).all()
    assert {tuple(s) for s in states} == {("complete", 3)}
    missing = cli_runner.invoke(cli, ["decoder", "suspend", "d-nobody"])
    assert missing.exception is not None and missing.exit_code != 0
