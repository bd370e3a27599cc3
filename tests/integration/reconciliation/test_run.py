"""Running reconciliation: the CLI, the coordinator API, the background worker, the queue."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_sessionmaker
from app.main import create_app
from app.models import Campaign, Task
from app.services.reconciliation import METHOD_VERSION
from app.services.reconciliation.queue import drain
from app.settings import Settings
from tests.factories import bearer, make_campaign, make_submission, make_task, make_user, tag

T0 = datetime(2021, 5, 1, 12, 0, tzinfo=UTC)


def decoded_task(session: Session, campaign: Campaign, *, lon: float = -73.98) -> Task:
    """A task with three answers on one camera, committed or not by the caller."""
    task = make_task(session, campaign, lon=lon)
    for k in range(3):
        make_submission(
            session, task, make_user(session), tag(80.0 + 0.2 * k, 9.0),
            started_at=T0 + timedelta(minutes=k),
        )  # fmt: skip
    return task


@pytest.fixture
def live_engine(live_database_url: str) -> Iterator[Engine]:
    engine = create_engine(live_database_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture
def live_campaign(live_engine: Engine) -> Iterator[tuple[Campaign, list[int]]]:
    """A committed campaign (unique slug) with three decoded, queued tasks; removed afterwards."""
    with Session(live_engine, expire_on_commit=False) as session:
        campaign = make_campaign(session, slug=f"rec-{uuid.uuid4().hex[:8]}")
        tasks = [decoded_task(session, campaign, lon=-73.98 + 0.01 * i) for i in range(3)]
        for task in tasks:
            session.execute(
                text("INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c)"),
                {"t": task.id, "c": campaign.id},
            )
        session.commit()
        ids = [t.id for t in tasks]
    yield campaign, ids
    with live_engine.begin() as conn:
        users = conn.scalars(
            text("SELECT DISTINCT user_id FROM submissions WHERE campaign_id = :c"),
            {"c": campaign.id},
        ).all()
        conn.execute(text("DELETE FROM campaigns WHERE id = :c"), {"c": campaign.id})
        conn.execute(text("DELETE FROM users WHERE id = ANY(:u)"), {"u": list(users)})


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


# --- CLI ----------------------------------------------------------------------------------


@pytest.fixture
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


def test_cli_reconciles_a_campaign_with_a_progress_bar(
    runner: CliRunner, live_campaign: tuple[Campaign, list[int]], live_engine: Engine
) -> None:
    campaign, _ = live_campaign
    result = runner.invoke(cli, ["reconcile", "--campaign", campaign.slug, "--full"])
    assert result.exit_code == 0, result.output
    assert f"reconciled 3 tasks of {campaign.slug} (full, method {METHOD_VERSION})" in result.output
    assert "Tasks" in result.output and "Reliability" in result.output
    c = campaign.id
    assert count(live_engine, "SELECT count(*) FROM task_counts WHERE campaign_id = :c", c=c) == 3
    assert (
        count(live_engine, "SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c", c=c) == 0
    )
    again = runner.invoke(cli, ["reconcile", "--campaign", campaign.slug])
    assert again.exit_code == 0 and "reconciled 0 tasks" in again.output


def test_cli_refuses_a_second_reconciliation_of_the_same_campaign(
    runner: CliRunner, live_campaign: tuple[Campaign, list[int]], live_engine: Engine
) -> None:
    campaign, _ = live_campaign
    with live_engine.connect() as other, other.begin():
        other.execute(
            text("SELECT pg_advisory_xact_lock(7302, CAST(:c AS int))"), {"c": campaign.id}
        )
        result = runner.invoke(cli, ["reconcile", "--campaign", campaign.slug])
    assert result.exit_code == 3
    assert "already running" in result.output


def test_cli_names_an_unknown_campaign(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["reconcile", "--campaign", "no-such-campaign"])
    assert result.exit_code == 2 and "No campaign 'no-such-campaign'" in result.output


# --- Queue and worker ---------------------------------------------------------------------


def test_two_workers_share_the_queue_without_double_work(
    live_campaign: tuple[Campaign, list[int]], live_engine: Engine
) -> None:
    campaign, _ = live_campaign
    factory = make_sessionmaker(live_engine)
    results = []

    def work() -> None:
        # The live database is shared with other tests, whose jobs may queue ahead of ours
        # (a hundred and fifty from the concurrency test): drain it all.
        results.append(drain(factory, limit=100_000))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = [r for r in results if campaign.id in r.campaigns]
    # Ours ran, once each (their jobs are gone, one count row each); other tests' jobs are
    # theirs to judge.
    assert sum(r.done for r in mine) >= 3
    c = campaign.id
    assert (
        count(live_engine, "SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c", c=c) == 0
    )
    assert count(live_engine, "SELECT count(*) FROM task_counts WHERE campaign_id = :c", c=c) == 3
    assert count(live_engine, "SELECT count(*) FROM cameras WHERE campaign_id = :c", c=c) == 3


def test_the_app_starts_a_worker_that_drains_the_queue(
    live_database_url: str, live_campaign: tuple[Campaign, list[int]], live_engine: Engine,
    tmp_path: Path,
) -> None:  # fmt: skip
    campaign, _ = live_campaign
    settings = Settings(
        env="test",
        database_url=live_database_url,
        media_dir=tmp_path,
        cookie_secure=False,
        reconcile_worker=True,
        reconcile_poll_seconds=0.1,
        reconcile_campaign_every_seconds=0.2,
    )
    c = campaign.id
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = count(
                live_engine, "SELECT count(*) FROM task_counts WHERE campaign_id = :c", c=c
            )
            runs = count(
                live_engine, "SELECT count(*) FROM reconcile_runs WHERE campaign_id = :c", c=c
            )
            if done == 3 and runs >= 1:
                break
            time.sleep(0.1)
    assert (done, runs >= 1) == (3, True)  # tasks drained, then a periodic campaign run
    assert (
        count(live_engine, "SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c", c=c) == 0
    )


# --- Coordinator API ----------------------------------------------------------------------


def test_coordinators_run_reconciliation_and_see_decoder_quality(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session)
    decoded_task(session, campaign)
    staff = bearer(session, make_user(session, role="coordinator"))
    run = client.post(f"/api/v1/campaigns/{campaign.slug}/reconcile?full=true", headers=staff)
    assert run.status_code == 200, run.text
    body = run.json()
    assert (body["kind"], body["tasks"], body["cameras"]) == ("full", 1, 1)
    assert body["stats"]["statuses"] == {"confirmed": 1}
    status = client.get(f"/api/v1/campaigns/{campaign.slug}/reconcile", headers=staff).json()
    assert status["queued_tasks"] == 0 and status["runs"][0]["id"] == body["id"]
    quality = client.get(f"/api/v1/campaigns/{campaign.slug}/decoder-quality", headers=staff)
    assert quality.status_code == 200
    decoders = quality.json()["decoders"]
    assert len(decoders) == 3
    assert all(d["decoder"].startswith("d-") and d["sensitivity"] > 0 for d in decoders)
    assert "@" not in quality.text  # pseudonyms only


def test_decoder_quality_and_runs_are_for_coordinators_only(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session)
    decoder = bearer(session, make_user(session))
    session.commit()  # an error response rolls back to here, not past the set-up
    base = f"/api/v1/campaigns/{campaign.slug}"
    assert client.get(f"{base}/decoder-quality").status_code == 401
    assert client.get(f"{base}/decoder-quality", headers=decoder).status_code == 403
    assert client.post(f"{base}/reconcile", headers=decoder).status_code == 403
    forbidden = client.get(f"{base}/reconcile", headers=decoder)
    assert forbidden.json()["error"]["code"] == "insufficient_role"


def test_a_running_reconciliation_answers_409(
    client: TestClient, session: Session, engine: Engine
) -> None:
    campaign = make_campaign(session)
    staff = bearer(session, make_user(session, role="coordinator"))
    with engine.connect() as other, other.begin():
        other.execute(
            text("SELECT pg_advisory_xact_lock(7302, CAST(:c AS int))"), {"c": campaign.id}
        )
        response = client.post(f"/api/v1/campaigns/{campaign.slug}/reconcile", headers=staff)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reconcile_running"


def test_a_campaign_run_keeps_every_decoders_noise_for_later_steps(session: Session) -> None:
    from app.services.reconciliation import reconcile_campaign
    from app.services.reconciliation.common import latest_model

    campaign = make_campaign(session, votes_per_task=3)
    crowd = [make_user(session) for _ in range(4)]
    for k in range(40):
        task = make_task(session, campaign, lat=40.7 + k * 0.001, status="complete")
        for j, user in enumerate(crowd[k % 2 : k % 2 + 3]):
            make_submission(session, task, user, tag(100.0 + 0.5 * j, 8.0 + 0.3 * j))
    reconcile_campaign(session, campaign=campaign, full=True)
    everyone = latest_model(session, campaign_id=campaign.id).noise
    assert set(everyone) == {u.id for u in crowd}
    one = latest_model(session, campaign_id=campaign.id, users=[crowd[0].id]).noise
    assert one == {crowd[0].id: everyone[crowd[0].id]}
    extra = make_task(session, campaign, lat=41.0, status="complete")
    for user in crowd[:3]:
        make_submission(session, extra, user, tag(50.0, 5.0))
    reconcile_campaign(session, campaign=campaign)
    assert latest_model(session, campaign_id=campaign.id).noise == everyone


def test_a_campaign_run_measures_the_pitch_prior_clamp_for_later_steps(session: Session) -> None:
    import math

    from app.domain.locating import MAX_RANGE_M, MIN_RANGE_M
    from app.services.reconciliation.common import latest_model
    from app.services.reconciliation.run import reconcile_campaign, reconcile_task

    def near_horizon_distances(task: Task) -> list[tuple[float, float]]:
        rows = session.execute(
            text(
                "SELECT ST_Distance(p.geom::geography, c.geom::geography), c.uncertainty_m "
                "FROM cameras c JOIN tasks t ON t.id = c.task_id "
                "JOIN panoramas p ON p.id = t.panorama_id "
                "WHERE c.task_id = :t AND c.location_method = 'pitch_prior'"
            ),
            {"t": task.id},
        )
        return [(float(d), float(sd)) for d, sd in rows]

    campaign = make_campaign(session, votes_per_task=3)
    crowd = [make_user(session) for _ in range(3)]
    tasks = []
    # 40 panoramas ~110 m apart, each with a camera located by base clicks 10-29.5 m away
    # and one less than 1° above the horizon (a pitch-prior guess at the clamp).
    for k in range(40):
        task = make_task(session, campaign, lat=40.7 + k * 0.001, status="complete")
        depression = math.degrees(math.atan(2.5 / (10.0 + 0.5 * k)))
        for j, user in enumerate(crowd):
            based = tag(100.0 + 0.2 * j, 8.0, base_heading=100.0 + 0.2 * j, base_pitch=-depression)
            make_submission(session, task, user, based, tag(250.0 + 0.2 * j, 0.5))
        tasks.append(task)
    reconcile_campaign(session, campaign=campaign, full=True)
    clamp = latest_model(session, campaign_id=campaign.id).max_range_m
    assert clamp == pytest.approx(10.0 + 0.8 * 39 * 0.5, abs=0.1)  # their 0.8 quantile
    assert clamp is not None and clamp < MAX_RANGE_M
    # (Distances on the spheroid differ from the spherical placement's by ~0.2 %.)
    for distance, sd in near_horizon_distances(tasks[0]):
        assert distance == pytest.approx(clamp, rel=0.005)
        assert sd == pytest.approx(clamp - MIN_RANGE_M, abs=0.05)
    # An incremental step places its guess with the stored clamp, not the fixed one.
    extra = make_task(session, campaign, lat=41.0, status="complete")
    for user in crowd:
        make_submission(session, extra, user, tag(30.0, 0.4))
    reconcile_task(session, task_id=extra.id)
    [(distance, _)] = near_horizon_distances(extra)
    assert distance == pytest.approx(clamp, rel=0.005)
