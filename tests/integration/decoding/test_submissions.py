from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Panorama, Submission, Tag, Task
from tests.factories import bearer, make_campaign, make_task, make_user, submission, tag


def leased(client: TestClient, session: Session, **campaign_fields: object) -> tuple[dict, dict]:  # type: ignore[type-arg]
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, **campaign_fields)
    make_task(session, campaign)
    headers = bearer(session, make_user(session))
    body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers).json()
    return body, headers


def test_submission_stores_tags_and_counts(client: TestClient, session: Session) -> None:
    body, headers = leased(client, session)
    response = client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission(
            "first-key-1",
            tag(10, 8, attachment="street_furniture", camera_type="dome_ptz"),
            tag(
                200, 5, attachment="building", camera_type="bullet", base_heading=200, base_pitch=-8
            ),
        ),
        headers=headers,
    )
    assert response.status_code == 201
    stored = session.get(Submission, response.json()["id"])
    assert stored is not None
    assert (stored.n_all, stored.n_street_furniture, stored.n_building) == (2, 1, 1)
    assert (stored.n_dome_ptz, stored.n_bullet) == (1, 1)
    tags = session.scalars(
        select(Tag).where(Tag.submission_id == stored.id).order_by(Tag.ordinal)
    ).all()
    assert [t.heading for t in tags] == [10, 200]
    assert tags[1].base_pitch == -8
    assert session.get(Task, body["task"]["id"]).valid_submissions == 1  # type: ignore[union-attr]


def test_retry_with_same_key_returns_the_original(client: TestClient, session: Session) -> None:
    body, headers = leased(client, session)
    payload = submission("retry-key-1", tag())
    first = client.post(
        f"/api/v1/assignments/{body['id']}/submission", json=payload, headers=headers
    )
    second = client.post(
        f"/api/v1/assignments/{body['id']}/submission", json=payload, headers=headers
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    count = session.scalar(select(func.count()).where(Submission.task_id == body["task"]["id"]))
    assert count == 1
    assert session.get(Task, body["task"]["id"]).valid_submissions == 1  # type: ignore[union-attr]


def test_task_completes_with_its_votes_and_is_queued(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=2, tutorial_tasks=0)
    task = make_task(session, campaign)
    for i in range(2):
        headers = bearer(session, make_user(session))
        body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers).json()
        client.post(
            f"/api/v1/assignments/{body['id']}/submission",
            json=submission(f"vote-{i:05d}"),
            headers=headers,
        )
    session.refresh(task)
    assert task.status == "complete"
    assert task.valid_submissions == 2
    from sqlalchemy import text

    assert (
        session.execute(
            text("SELECT count(*) FROM reconcile_jobs WHERE task_id = :t"), {"t": task.id}
        ).scalar_one()
        == 1
    )


def test_problem_reports_are_not_votes_and_two_send_the_task_to_review(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, votes_per_task=3, tutorial_tasks=0)
    task = make_task(session, campaign)
    statuses = []
    for i in range(2):
        headers = bearer(session, make_user(session))
        body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers).json()
        response = client.post(
            f"/api/v1/assignments/{body['id']}/submission",
            json={
                "idempotency_key": f"problem-{i:04d}",
                "outcome": "problem",
                "tags": [],
                "problem": {"kind": "no_image", "comment": "black image"},
            },
            headers=headers,
        )
        assert response.status_code == 201
        session.refresh(task)
        statuses.append(task.status)
    assert task.valid_submissions == 0
    assert statuses == ["open", "review"]
    late = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments",
        headers=bearer(session, make_user(session)),
    )
    assert late.status_code == 204


def test_flags_thread_shows_pseudonyms(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    author = make_user(session, display_name="Private Name")
    headers = bearer(session, author)
    created = client.post(
        f"/api/v1/tasks/{task.id}/flags", json={"body": "Is this a camera?"}, headers=headers
    )
    assert created.status_code == 201
    listed = client.get(f"/api/v1/tasks/{task.id}/flags", headers=headers).json()["flags"]
    assert listed[0]["author"] == author.public_id
    assert "Private Name" not in str(listed) and str(author.email) not in str(listed)
    coordinator = bearer(session, make_user(session, role="coordinator"))
    recent = client.get(f"/api/v1/campaigns/{campaign.slug}/flags", headers=coordinator).json()
    assert recent["flags"][0]["body"] == "Is this a camera?"


def test_progress_counts_tasks_per_status_and_day(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=1, tutorial_tasks=0)
    make_task(session, campaign)
    make_task(session, campaign)
    headers = bearer(session, make_user(session))
    body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers).json()
    client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission("progress-1"),
        headers=headers,
    )
    client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    progress = client.get(f"/api/v1/campaigns/{campaign.slug}/progress").json()
    assert progress["tasks_total"] == 2
    assert progress["tasks_complete"] == 1
    assert progress["tasks_in_progress"] == 1
    assert progress["submissions"] == 1
    assert progress["by_day"][0]["submissions"] == 1
    assert progress["by_day"][0]["tasks_completed"] == 1


def test_me_stats_counts_tasks_and_cameras(client: TestClient, session: Session) -> None:
    body, headers = leased(client, session)
    client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission("stats-key-1", tag(1), tag(90)),
        headers=headers,
    )
    stats = client.get("/api/v1/me/stats", headers=headers).json()
    assert stats["tasks_done"] == 1
    assert stats["cameras_tagged"] == 2


def test_coordinator_fixes_and_reopens_a_task_in_review(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    task = make_task(session, campaign, status="review")
    for _ in range(2):
        session.add(
            Submission(
                campaign_id=campaign.id,
                task_id=task.id,
                user_id=make_user(session).id,
                outcome="problem",
                problem_kind="no_image",
                started_at=task.created_at,
            )
        )
    session.flush()
    coordinator = bearer(session, make_user(session, role="coordinator"))
    queue = client.get(f"/api/v1/campaigns/{campaign.slug}/tasks", headers=coordinator).json()
    assert [(t["id"], t["problem_reports"]) for t in queue["tasks"]] == [(task.id, 2)]
    fixed = client.post(
        f"/api/v1/tasks/{task.id}/reopen",
        json={"image_url": "/media/fixed.jpg"},
        headers=coordinator,
    )
    assert fixed.status_code == 200
    assert fixed.json()["status"] == "open"
    assert fixed.json()["image_url"] == "/media/fixed.jpg"
    lease = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments",
        headers=bearer(session, make_user(session)),
    )
    assert lease.json()["task"]["panorama"]["image_url"] == "/media/fixed.jpg"


def test_a_fix_takes_a_date_string_and_refuses_a_number_or_boolean(
    client: TestClient, session: Session
) -> None:
    task = make_task(session, make_campaign(session), status="review")
    coordinator = bearer(session, make_user(session, role="coordinator"))
    url = f"/api/v1/tasks/{task.id}/reopen"
    for refused in ({"captured_at": 0}, {"heading": True}):
        response = client.post(url, json=refused, headers=coordinator)
        assert response.status_code == 422, refused
    fixed = client.post(url, json={"captured_at": "2021-05-01", "heading": 90}, headers=coordinator)
    assert fixed.status_code == 200, fixed.text
    panorama = session.get(Panorama, task.panorama_id)
    assert panorama is not None
    session.refresh(panorama)
    assert panorama.captured_at.isoformat() == "2021-05-01"


def test_excluded_task_is_never_offered(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    task = make_task(session, campaign)
    coordinator = bearer(session, make_user(session, role="coordinator"))
    assert (
        client.post(f"/api/v1/tasks/{task.id}/exclude", headers=coordinator).json()["status"]
        == "excluded"
    )
    decoder = bearer(session, make_user(session))
    assert (
        client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=decoder).status_code
        == 204
    )
    assert client.post(f"/api/v1/tasks/{task.id}/exclude", headers=decoder).status_code == 403


def test_excluded_task_refuses_a_late_vote_and_stays_out(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, votes_per_task=1, tutorial_tasks=0)
    task = make_task(session, campaign)
    headers = bearer(session, make_user(session))
    body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers).json()
    coordinator = bearer(session, make_user(session, role="coordinator"))
    client.post(f"/api/v1/tasks/{task.id}/exclude", headers=coordinator)
    late = client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission("late-vote-01"),
        headers=headers,
    )
    assert late.status_code == 409
    session.refresh(task)
    assert (task.status, task.valid_submissions) == ("excluded", 0)
    reopen = client.post(f"/api/v1/tasks/{task.id}/reopen", json={}, headers=coordinator)
    assert reopen.json()["error"]["code"] == "task_excluded"


def test_draft_campaign_is_hidden_from_the_public(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, status="draft")
    task = make_task(session, campaign)
    decoder = bearer(session, make_user(session))
    for path in (
        f"/api/v1/campaigns/{campaign.slug}",
        f"/api/v1/campaigns/{campaign.slug}/progress",
    ):
        assert client.get(path).status_code == 404
    assert (
        client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=decoder).status_code
        == 404
    )
    assert client.get(f"/api/v1/tasks/{task.id}/flags", headers=decoder).status_code == 404
    coordinator = bearer(session, make_user(session, role="coordinator"))
    assert client.get(f"/api/v1/campaigns/{campaign.slug}", headers=coordinator).status_code == 200


def test_lowering_votes_completes_tasks_that_now_have_enough(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, votes_per_task=3)
    task = make_task(session, campaign, valid_submissions=1)
    coordinator = bearer(session, make_user(session, role="coordinator"))
    patched = client.patch(
        f"/api/v1/campaigns/{campaign.slug}", json={"votes_per_task": 1}, headers=coordinator
    )
    assert patched.status_code == 200
    session.refresh(task)
    assert task.status == "complete"
    refused = client.patch(
        f"/api/v1/campaigns/{campaign.slug}", json={"status": "open"}, headers=coordinator
    )
    assert refused.status_code == 422
