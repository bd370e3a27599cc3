from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.models import Assignment, Task
from tests.factories import bearer, make_campaign, make_task, make_user, submission, tag


def lease(client: TestClient, slug: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/campaigns/{slug}/assignments", headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def test_lease_carries_what_the_viewer_needs(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    task = make_task(session, campaign, lon=-73.99, lat=40.75)
    body = lease(client, campaign.slug, bearer(session, make_user(session)))
    assert body["task"]["id"] == task.id
    pano = body["task"]["panorama"]
    assert pano["provider"] == "equirect"
    assert pano["image_url"].endswith(".jpg")
    assert (pano["lon"], pano["lat"]) == (-73.99, 40.75)
    assert pano["captured_at"] == "2021-06-01"
    assert body["expires_at"]
    assert body["task"]["known_answer"] is False


def test_second_request_returns_the_same_live_lease(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    make_task(session, campaign)
    make_task(session, campaign)
    headers = bearer(session, make_user(session))
    first = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    second = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]


def test_nothing_left_is_204(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments",
        headers=bearer(session, make_user(session)),
    )
    assert response.status_code == 204
    assert response.content == b""


def test_live_leases_count_against_remaining_votes(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=2, tutorial_tasks=0)
    task = make_task(session, campaign)
    for _ in range(2):
        assert (
            lease(client, campaign.slug, bearer(session, make_user(session)))["task"]["id"]
            == task.id
        )
    third = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments",
        headers=bearer(session, make_user(session)),
    )
    assert third.status_code == 204


def test_expired_lease_frees_its_vote_without_a_cron(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=1, tutorial_tasks=0)
    task = make_task(session, campaign)
    first = lease(client, campaign.slug, bearer(session, make_user(session)))
    session.execute(
        update(Assignment)
        .where(Assignment.id == first["id"])
        # An hour back, not a second: the database's now() is the test transaction's start,
        # which a slow machine may put more than a second before this line.
        .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
    )
    other = lease(client, campaign.slug, bearer(session, make_user(session)))
    assert other["task"]["id"] == task.id
    assert session.get(Assignment, first["id"]).status == "expired"  # type: ignore[union-attr]


def test_a_decoder_never_gets_a_task_twice(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    tasks = [make_task(session, campaign) for _ in range(3)]
    headers = bearer(session, make_user(session))
    seen = []
    for i in range(3):
        body = lease(client, campaign.slug, headers)
        seen.append(body["task"]["id"])
        if i == 1:
            assert (
                client.post(f"/api/v1/assignments/{body['id']}/skip", headers=headers).status_code
                == 200
            )
        else:
            posted = client.post(
                f"/api/v1/assignments/{body['id']}/submission",
                json=submission(f"key-{i:08d}"),
                headers=headers,
            )
            assert posted.status_code == 201
    assert sorted(seen) == sorted(t.id for t in tasks)
    final = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert final.status_code == 204


def test_tasks_closest_to_completion_come_first(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, votes_per_task=3, tutorial_tasks=0)
    make_task(session, campaign)
    fuller = make_task(session, campaign, valid_submissions=2)
    assert (
        lease(client, campaign.slug, bearer(session, make_user(session)))["task"]["id"] == fuller.id
    )


def test_priority_breaks_ties(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    make_task(session, campaign)
    urgent = make_task(session, campaign, priority=5)
    assert (
        lease(client, campaign.slug, bearer(session, make_user(session)))["task"]["id"] == urgent.id
    )


def test_next_task_is_near_the_previous_one(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    make_task(session, campaign, lon=-73.99, lat=40.75)
    make_task(session, campaign, lon=-74.15, lat=40.58)  # Staten Island
    near = make_task(session, campaign, lon=-73.991, lat=40.751)
    headers = bearer(session, make_user(session))
    # Force the first lease onto the Manhattan task by giving it priority.
    first_id = session.scalars(
        select(Task.id).where(Task.campaign_id == campaign.id).order_by(Task.id)
    ).first()
    session.execute(update(Task).where(Task.id == first_id).values(priority=9))
    first = lease(client, campaign.slug, headers)
    client.post(
        f"/api/v1/assignments/{first['id']}/submission",
        json=submission("near-0001"),
        headers=headers,
    )
    assert lease(client, campaign.slug, headers)["task"]["id"] == near.id


def test_closed_campaign_refuses_leases(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, status="paused")
    make_task(session, campaign)
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/assignments",
        headers=bearer(session, make_user(session)),
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "campaign_closed"


def test_tutorial_comes_first_and_gives_feedback(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=1)
    make_task(session, campaign)
    known = [
        {"heading": 40.0, "pitch": 10.0, "attachment": "building", "camera_type": "bullet"},
        {
            "heading": 200.0,
            "pitch": 12.0,
            "attachment": "street_furniture",
            "camera_type": "dome_ptz",
        },
    ]
    tutorial = make_task(session, campaign, is_tutorial=True, known_answer=known)
    headers = bearer(session, make_user(session))
    body = lease(client, campaign.slug, headers)
    assert body["task"]["id"] == tutorial.id
    assert body["tutorial"] is True
    assert body["task"]["known_answer"] is True
    result = client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission(
            "tutorial-1",
            tag(41.0, 10.5, attachment="building", camera_type="dome_ptz"),
            tag(300.0, 5.0),
        ),
        headers=headers,
    ).json()
    feedback = result["feedback"]
    assert feedback["matched"] == [{"tag": 0, "camera": 0, "attachment_ok": True, "type_ok": False}]
    assert feedback["missed"][0]["heading"] == 200.0
    assert feedback["false_tags"] == [1]
    assert feedback["recall"] == 0.5
    stats = client.get("/api/v1/me/stats", headers=headers).json()
    assert stats["known_answer_tasks"] == 1
    assert stats["known_answer_recall"] == 0.5
    assert stats["known_answer_precision"] == 0.5
    assert lease(client, campaign.slug, headers)["tutorial"] is False


def test_hidden_known_answer_tasks_are_preferred_with_probability_one_in_m(
    client: TestClient, session: Session
) -> None:
    # M = 1 makes the draw certain: the known-answer task wins over higher-priority tasks.
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=1)
    for _ in range(3):
        make_task(session, campaign, priority=5)
    answer = [{"heading": 1.0, "pitch": 1.0, "attachment": "other", "camera_type": "unknown"}]
    known = make_task(session, campaign, known_answer=answer)
    body = lease(client, campaign.slug, bearer(session, make_user(session)))
    assert body["task"]["id"] == known.id
    assert body["task"]["known_answer"] is False  # hidden: looks like any task


def test_known_answer_tasks_are_not_preferred_when_m_is_zero(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    urgent = make_task(session, campaign, priority=5)
    answer = [{"heading": 1.0, "pitch": 1.0, "attachment": "other", "camera_type": "unknown"}]
    make_task(session, campaign, known_answer=answer)
    assert (
        lease(client, campaign.slug, bearer(session, make_user(session)))["task"]["id"] == urgent.id
    )


def test_task_without_known_answer_is_sql_null(session: Session) -> None:
    from sqlalchemy import text

    campaign = make_campaign(session)
    task = make_task(session, campaign, known_answer=None)
    stored = session.execute(
        text("SELECT known_answer IS NULL FROM tasks WHERE id = :id"), {"id": task.id}
    ).scalar_one()
    assert stored is True


def test_a_lease_and_an_answer_are_one_statement_each_after_the_login(
    client: TestClient, session: Session
) -> None:
    # Issue 14: each statement is a round trip; the decoding loop's steps run in one call each.
    campaign = make_campaign(session, tutorial_tasks=0)
    make_task(session, campaign)
    headers = bearer(session, make_user(session))
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):  # the test's own
            statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        body = lease(client, campaign.slug, headers)
        leasing, statements[:] = list(statements), []
        answer = submission("one-call-1", tag())
        response = client.post(
            f"/api/v1/assignments/{body['id']}/submission", json=answer, headers=headers
        )
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert response.status_code == 201, response.text
    assert len(leasing) == 2 and "decoders_lease" in leasing[1]
    assert len(statements) == 2 and "decoders_submit" in statements[1]
