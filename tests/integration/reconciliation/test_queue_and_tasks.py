"""Reconciliation against PostGIS: published counts, cameras, idempotency, queue."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.domain.counts import CATEGORIES
from app.models import Camera, CameraTag, Campaign, ReconcileRun, Task, TaskCount, User
from app.services.reconciliation.common import METHOD_VERSION, ReconcileBusy
from app.services.reconciliation.queue import DrainResult, run_one_job
from app.services.reconciliation.run import reconcile_campaign, reconcile_task
from tests.factories import make_campaign, make_submission, make_task, make_user, tag

T0 = datetime(2021, 5, 1, 12, 0, tzinfo=UTC)


def counts(**values: int) -> dict[str, int]:
    return dict.fromkeys(CATEGORIES, 0) | values


def users(session: Session, n: int) -> list[User]:
    return [make_user(session) for _ in range(n)]


def cameras_of(session: Session, task: Task) -> list[Camera]:
    return list(
        session.scalars(select(Camera).where(Camera.task_id == task.id).order_by(Camera.bearing))
    )


# --- Published counts (DESIGN §5.1) -------------------------------------------------------


def test_counts_follow_the_published_method_on_a_hand_built_task(session: Session) -> None:
    """Three decoders; a fourth came later and a problem report is no vote."""
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    a, b, c, late, reporter = users(session, 5)
    # Street furniture 1, 2, 2 -> median 2 ("2 vs 1"); building 0, 1, 0 -> 0 ("2 vs 1");
    # other 0, 0, 3 -> 0; all 1, 3, 5 -> 3 ("All disagree"). Total = 2 + 0 + 0 = 2, not 3.
    s1 = make_submission(
        session, task, a, started_at=T0, counts=counts(all=1, street_furniture=1, dome_ptz=1)
    )
    s2 = make_submission(
        session,
        task,
        b,
        started_at=T0 + timedelta(minutes=5),
        counts=counts(all=3, street_furniture=2, building=1, dome_ptz=1, bullet=1),
    )
    s3 = make_submission(
        session,
        task,
        c,
        started_at=T0 + timedelta(minutes=9),
        counts=counts(all=5, street_furniture=2, other=3, dome_ptz=2),
    )
    make_submission(
        session, task, late, started_at=T0 + timedelta(hours=1), counts=counts(all=9, other=9)
    )
    make_submission(
        session,
        task,
        reporter,
        started_at=T0 - timedelta(hours=1),
        outcome="problem",
        problem_kind="no_image",
    )
    reconcile_task(session, task_id=task.id)
    row = session.get_one(TaskCount, task.id)
    assert row.n == 3
    assert row.submission_ids == [s1.id, s2.id, s3.id]
    assert (row.median_all, row.agreement_all) == (3.0, "All disagree")
    assert (row.median_street_furniture, row.agreement_street_furniture) == (2.0, "2 vs 1")
    assert (row.median_building, row.agreement_building) == (0.0, "2 vs 1")
    assert (row.median_other, row.agreement_other) == (0.0, "2 vs 1")
    assert (row.median_dome_ptz, row.agreement_dome_ptz) == (1.0, "2 vs 1")
    assert (row.median_bullet, row.agreement_bullet) == (0.0, "2 vs 1")
    assert (row.median_unknown_type, row.agreement_unknown_type) == (0.0, "Unanimous")
    assert row.total == 2.0
    assert row.method_version == METHOD_VERSION
    assert row.computed_at is not None


def test_equal_start_times_are_ordered_by_submission_id(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    subs = [
        make_submission(session, task, u, started_at=T0, counts=counts(all=i, other=i))
        for i, u in enumerate(users(session, 4))
    ]
    reconcile_task(session, task_id=task.id)
    row = session.get_one(TaskCount, task.id)
    assert row.submission_ids == [s.id for s in subs[:3]]
    assert row.median_all == 1.0


def test_a_task_short_of_votes_gets_no_counts_and_no_cameras(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    for u in users(session, 2):
        make_submission(session, task, u, tag(40.0, 10.0))
    reconcile_task(session, task_id=task.id)
    assert session.get(TaskCount, task.id) is None
    assert cameras_of(session, task) == []


def test_five_votes_take_the_earliest_five(session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=5)
    task = make_task(session, campaign)
    for i, u in enumerate(users(session, 6)):
        make_submission(
            session, task, u, started_at=T0 + timedelta(minutes=i), counts=counts(all=i, other=i)
        )
    reconcile_task(session, task_id=task.id)
    row = session.get_one(TaskCount, task.id)
    assert (row.n, row.median_all, row.agreement_all) == (5, 2.0, "All disagree")


# --- Cameras (DESIGN §5.2-5.3) ------------------------------------------------------------


def three_decoder_task(session: Session, campaign: Campaign, **where: Any) -> Task:
    """Camera A tagged by all three, B by two (with base clicks), C by one."""
    task = make_task(session, campaign, **where)
    a, b, c = users(session, 3)
    make_submission(
        session,
        task,
        a,
        tag(100.0, 8.0),
        tag(
            200.0,
            12.0,
            attachment="building",
            camera_type="bullet",
            base_heading=200.1,
            base_pitch=-8.0,
        ),
        tag(300.0, 5.0),
        started_at=T0,
    )
    make_submission(
        session,
        task,
        b,
        tag(100.4, 8.2),
        tag(
            200.3,
            12.1,
            attachment="building",
            camera_type="bullet",
            base_heading=200.2,
            base_pitch=-8.2,
        ),
        started_at=T0 + timedelta(minutes=1),
    )
    make_submission(session, task, c, tag(99.8, 7.9), started_at=T0 + timedelta(minutes=2))
    return task


def test_majority_clusters_become_confirmed_cameras(session: Session) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    assert reconcile_task(session, task_id=task.id) == 3
    a, b, c = cameras_of(session, task)
    assert (a.status, a.support, a.voters, a.attachment, a.camera_type) == (
        "confirmed",
        3,
        3,
        "street_furniture",
        "dome_ptz",
    )
    assert (b.status, b.support, b.attachment, b.camera_type) == (
        "confirmed",
        2,
        "building",
        "bullet",
    )
    assert b.location_method == "base_click" and a.location_method == "pitch_prior"
    assert b.uncertainty_m < a.uncertainty_m
    assert c.status == "candidate" and c.support == 1
    assert all(cam.method_version == METHOD_VERSION and cam.n_panoramas == 1 for cam in (a, b, c))
    tags = session.scalars(select(CameraTag.tag_id).where(CameraTag.camera_id == a.id)).all()
    assert len(tags) == 3


def test_camera_sits_along_its_bearing_at_the_estimated_distance(session: Session) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    reconcile_task(session, task_id=task.id)
    b = cameras_of(session, task)[1]
    distance, azimuth = session.execute(
        text(
            "SELECT ST_Distance(p.geom::geography, c.geom::geography), "
            "degrees(ST_Azimuth(p.geom::geography, c.geom::geography)) "
            "FROM cameras c JOIN tasks t ON t.id = c.task_id "
            "JOIN panoramas p ON p.id = t.panorama_id WHERE c.id = :id"
        ),
        {"id": b.id},
    ).one()
    # Sphere (ours) against ellipsoid (PostGIS): centimetres apart at this range.
    assert distance == pytest.approx(2.5 / math.tan(math.radians(8.1)), rel=0.01)
    assert azimuth == pytest.approx(b.bearing, abs=0.2)


def test_reconciling_a_task_again_replaces_its_results(session: Session) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    reconcile_task(session, task_id=task.id)
    first = [(c.status, c.support, c.bearing) for c in cameras_of(session, task)]
    reconcile_task(session, task_id=task.id)
    session.expire_all()
    again = [(c.status, c.support, c.bearing) for c in cameras_of(session, task)]
    assert again == first
    assert (
        session.scalar(
            select(text("count(*)"))
            .select_from(CameraTag.__table__.join(Camera.__table__))
            .where(Camera.task_id == task.id)
        )
        == 6
    )


def test_imported_tags_without_a_type_are_reconciled(session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    for i, u in enumerate(users(session, 3)):
        make_submission(
            session,
            task,
            u,
            tag(50.0 + i * 0.3, 9.0, attachment="building", camera_type=None),
            started_at=T0 + timedelta(minutes=i),
            external_ref=f"amnesty-{task.id}-{i}",
            idempotency_key=None,
        )
    reconcile_task(session, task_id=task.id)
    (cam,) = cameras_of(session, task)
    assert (cam.attachment, cam.camera_type, cam.status) == ("building", "unknown", "confirmed")
    assert session.get_one(TaskCount, task.id).median_unknown_type == 0.0


# --- Campaign runs, locks, queue ----------------------------------------------------------


def test_campaign_run_records_itself_and_is_idempotent(session: Session) -> None:
    campaign = make_campaign(session)
    tasks = [three_decoder_task(session, campaign, lon=-73.98 + i * 0.01) for i in range(3)]
    first = reconcile_campaign(session, campaign=campaign, full=True)
    snapshot = sorted(
        (c.task_id, c.status, round(c.confidence, 9), c.support)
        for c in session.scalars(select(Camera).where(Camera.campaign_id == campaign.id))
    )
    second = reconcile_campaign(session, campaign=campaign, full=True)
    session.expire_all()
    again = sorted(
        (c.task_id, c.status, round(c.confidence, 9), c.support)
        for c in session.scalars(select(Camera).where(Camera.campaign_id == campaign.id))
    )
    assert again == snapshot
    assert first.tasks == second.tasks == len(tasks)
    run = session.get_one(ReconcileRun, second.run_id)
    assert run.kind == "full" and run.method_version == METHOD_VERSION
    assert run.finished_at is not None and run.tasks == 3 and run.cameras == 9
    assert run.stats is not None and "prevalence" in run.stats


def test_a_second_reconciliation_of_a_campaign_is_refused(session: Session, engine: Engine) -> None:
    campaign = make_campaign(session)
    with engine.connect() as other, other.begin():
        other.execute(
            text("SELECT pg_advisory_xact_lock(7302, CAST(:c AS int))"), {"c": campaign.id}
        )
        with pytest.raises(ReconcileBusy, match="already running"):
            reconcile_campaign(session, campaign=campaign)


def test_the_queue_reconciles_a_completed_task_and_forgets_the_job(session: Session) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    session.execute(
        text("INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c)"),
        {"t": task.id, "c": campaign.id},
    )
    result = DrainResult()
    while run_one_job(session, result=result):
        pass
    assert result.done >= 1
    assert session.get(TaskCount, task.id) is not None
    assert (
        session.scalar(
            text("SELECT count(*) FROM reconcile_jobs WHERE task_id = :t"), {"t": task.id}
        )
        == 0
    )


def test_a_failing_job_is_kept_with_its_error_and_backs_off(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    session.execute(
        text(
            "INSERT INTO reconcile_jobs (task_id, campaign_id, available_at) "
            "VALUES (:t, :c, '2000-01-01')"
        ),
        {"t": task.id, "c": campaign.id},
    )

    def broken(session: Session, *, task_id: int) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("app.services.reconciliation.queue.reconcile_task", broken)
    result = DrainResult()
    while run_one_job(session, result=result):
        pass
    attempts, error, later = session.execute(
        text(
            "SELECT attempts, last_error, available_at > now() FROM reconcile_jobs "
            "WHERE task_id = :t"
        ),
        {"t": task.id},
    ).one()
    assert (attempts, later) == (1, True)
    assert "disk on fire" in error
    assert result.failed == 1


def test_a_campaign_run_drains_the_campaigns_queue(session: Session) -> None:
    campaign = make_campaign(session)
    task = three_decoder_task(session, campaign)
    session.execute(
        text("INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c)"),
        {"t": task.id, "c": campaign.id},
    )
    summary = reconcile_campaign(session, campaign=campaign)
    assert summary.tasks == 1 and summary.kind == "campaign"
    assert session.get(TaskCount, task.id) is not None
    assert (
        session.scalar(
            text("SELECT count(*) FROM reconcile_jobs WHERE campaign_id = :c"), {"c": campaign.id}
        )
        == 0
    )
