"""Suspending a decoder (issue 10.3), over HTTP: votes stop counting, the task is re-voted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.models import Assignment, Campaign, Task, TaskCount, User
from app.services import decoding
from app.services.reconciliation.run import reconcile_task
from app.settings import get_settings
from tests.factories import bearer, make_campaign, make_task, make_user, submission, tag
from tests.integration.quality.helpers import decode, staff


def _counter_matches_rows(session: Session, task: Task) -> None:
    rows = session.scalar(
        text(
            "SELECT count(*) FROM submissions s JOIN users u ON u.id = s.user_id "
            "WHERE s.task_id = :t AND s.outcome <> 'problem' AND u.suspended_at IS NULL"
        ),
        {"t": task.id},
    )
    session.refresh(task)
    assert task.valid_submissions == rows


def test_suspension_reopens_the_task_and_reinstating_restores_it(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, votes_per_task=3)
    task = make_task(session, campaign)
    decoders = [make_user(session) for _ in range(4)]
    spammer, *honest = decoders
    headers = {u.id: bearer(session, u) for u in decoders}
    decode(client, campaign, headers[spammer.id], tag(300, 40), tag(100, 30))
    for user in honest[:2]:
        decode(client, campaign, headers[user.id], tag(10, 8))
    session.refresh(task)
    assert task.status == "complete"
    reconcile_task(session, task_id=task.id)
    spam_submission = session.get_one(TaskCount, task.id).submission_ids[0]

    _, coordinator = staff(session, "coordinator")
    ranked = client.get(f"/api/v1/campaigns/{campaign.slug}/decoders", headers=coordinator)
    assert {d["decoder"] for d in ranked.json()["decoders"]} == {u.public_id for u in decoders[:3]}
    suspended = client.post(
        f"/api/v1/decoders/{spammer.public_id}/suspend",
        json={"reason": "random tags"},
        headers=coordinator,
    )
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["affected_tasks"], suspended.json()["reopened_tasks"]) == (1, 1)
    session.refresh(task)
    assert (task.status, task.valid_submissions) == ("open", 2)
    _counter_matches_rows(session, task)
    queued = session.scalar(
        text("SELECT count(*) FROM reconcile_jobs WHERE task_id = :t"), {"t": task.id}
    )
    assert queued == 1

    # The suspended decoder is told so, and gets no task.
    me = client.get("/api/v1/me", headers=headers[spammer.id]).json()
    assert me["suspended_at"] is not None
    refused = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers[spammer.id]
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "decoder_suspended")

    # A replacement vote completes it again; the counts leave the suspended decoder out.
    decode(client, campaign, headers[honest[2].id], tag(10, 8))
    session.refresh(task)
    assert task.status == "complete"
    reconcile_task(session, task_id=task.id)
    counts = session.get_one(TaskCount, task.id)
    session.refresh(counts)
    assert spam_submission not in counts.submission_ids
    assert counts.median_all == 1

    back = client.post(f"/api/v1/decoders/{spammer.public_id}/reinstate", headers=coordinator)
    assert back.status_code == 200
    session.refresh(task)
    assert (task.status, task.valid_submissions) == ("complete", 4)
    _counter_matches_rows(session, task)


def test_suspending_ends_live_leases(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    task = make_task(session, campaign)
    user = make_user(session)
    client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=bearer(session, user))
    session.refresh(task)
    assert task.leased == 1
    _, coordinator = staff(session, "coordinator")
    done = client.post(f"/api/v1/decoders/{user.public_id}/suspend", json={}, headers=coordinator)
    assert done.json()["expired_leases"] == 1
    session.refresh(task)
    assert task.leased == 0


def test_staff_are_not_suspended_as_decoders(client: TestClient, session: Session) -> None:
    expert, _ = staff(session, "expert")
    _, coordinator = staff(session, "coordinator")
    response = client.post(
        f"/api/v1/decoders/{expert.public_id}/suspend", json={}, headers=coordinator
    )
    assert response.json()["error"]["code"] == "staff_not_suspendable"
    missing = client.post("/api/v1/decoders/d-nobody/suspend", json={}, headers=coordinator)
    assert missing.status_code == 404


def _register(client: TestClient) -> dict[str, str]:
    token = client.post("/api/v1/auth/register", json={}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _lease(client: TestClient, campaign: Campaign, headers: dict[str, str]) -> int | None:
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert response.status_code in (200, 201, 204), response.text
    return None if response.status_code == 204 else int(response.json()["task"]["id"])


def test_fresh_sibling_accounts_are_steered_apart_by_default(
    client: TestClient, session: Session
) -> None:
    # On by default: no setting changed. Every account here registers from the test client's
    # one address; the steps interleave as written, each request after the previous one.
    assert get_settings().sibling_guard_minutes > 0
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, votes_per_task=3)
    first, second = (make_task(session, campaign) for _ in range(2))
    a, b, c = (_register(client) for _ in "abc")
    # Ties go by id: without the guard every fresh account would get the first task.
    assert _lease(client, campaign, a) == first.id
    # Its sibling is steered to the other task, although the first has room.
    assert _lease(client, campaign, b) == second.id
    # A third sibling finds only tasks its siblings took: it gets one (steered, not starved).
    assert _lease(client, campaign, c) == first.id
    # An account registered elsewhere (no sign-up address) is not steered at all.
    outsider = bearer(session, make_user(session))
    assert _lease(client, campaign, outsider) == first.id


def test_steering_never_starves_accounts_behind_one_address(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, votes_per_task=3)
    only = make_task(session, campaign)
    siblings = [_register(client) for _ in range(3)]
    # One task and three accounts from one address: each gets it and answers it, so the task
    # completes (the old exclusion answered 204 to the second and third).
    for headers in siblings:
        assert _lease(client, campaign, headers) == only.id
        lease = client.post(
            f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers
        ).json()
        done = client.post(
            f"/api/v1/assignments/{lease['id']}/submission",
            json=submission(f"sibling-{lease['id']}"),
            headers=headers,
        )
        assert done.status_code == 201, done.text
    session.refresh(only)
    assert only.status == "complete"


def test_a_check_a_sibling_took_comes_after_a_free_pool_task(
    client: TestClient, session: Session
) -> None:
    # Every lease is a hidden check turn (1 in 1): the one check task, then the pool.
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=1, votes_per_task=3)
    check = make_task(session, campaign, known_answer=[])
    free = make_task(session, campaign)
    a, b = (_register(client) for _ in "ab")
    assert _lease(client, campaign, a) == check.id
    # Steering covers every kind of task before any pass without it: the sibling's check
    # comes after the pool task nobody from its address took.
    assert _lease(client, campaign, b) == free.id


def test_siblings_are_not_steered_away_from_the_tutorial(
    client: TestClient, session: Session
) -> None:
    # A classroom: every account from one address starts with the same tutorial task (its
    # answers are not votes, so steering siblings apart on it would protect nothing).
    campaign = make_campaign(session, tutorial_tasks=1, known_answer_every=0, votes_per_task=3)
    tutorial = make_task(session, campaign, is_tutorial=True, known_answer=[])
    make_task(session, campaign, lon=-73.95, lat=40.75)
    a, b = (_register(client) for _ in "ab")
    assert _lease(client, campaign, a) == tutorial.id
    assert _lease(client, campaign, b) == tutorial.id


def test_a_sibling_task_rather_than_busy_when_the_others_stay_locked(
    live_database_url: str,
) -> None:
    """A fresh account whose only other task stays locked through every pause gets the task
    its sibling took (the guard steers; it never turns "a task is free" into a 503)."""
    engine = create_engine(live_database_url)
    ref = f"ref-{uuid.uuid4().hex[:8]}"
    try:
        with Session(engine) as setup:
            campaign = make_campaign(
                setup, tutorial_tasks=0, known_answer_every=0, votes_per_task=3
            )
            taken = make_task(setup, campaign)
            locked = make_task(setup, campaign, lon=-73.9, lat=40.7)
            first, second = make_user(setup), make_user(setup)
            first.signup_ref = second.signup_ref = ref
            setup.add(
                Assignment(
                    campaign_id=campaign.id,
                    task_id=taken.id,
                    user_id=first.id,
                    expires_at=datetime.now(UTC) + timedelta(minutes=30),
                )
            )
            setup.commit()
            campaign_id, taken_id, locked_id, second_id = (
                campaign.id, taken.id, locked.id, second.id
            )  # fmt: skip
        with engine.connect() as holder, holder.begin():
            holder.execute(text("SELECT 1 FROM tasks WHERE id = :t FOR UPDATE"), {"t": locked_id})
            with Session(engine) as s:
                lease = decoding.next_task_for(
                    s,
                    campaign=s.get_one(Campaign, campaign_id),
                    user=s.get_one(User, second_id),
                )
                assert lease is not None and lease.task.id == taken_id
                s.rollback()
    finally:
        engine.dispose()


def test_the_guard_can_be_turned_off(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECODERS_SIBLING_GUARD_MINUTES", "0")
    get_settings.cache_clear()
    try:
        campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
        first, _ = (make_task(session, campaign) for _ in range(2))
        a, b = (_register(client) for _ in "ab")
        assert _lease(client, campaign, a) == first.id
        assert _lease(client, campaign, b) == first.id
    finally:
        get_settings.cache_clear()
