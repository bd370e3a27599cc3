"""Known cameras from a CSV uploaded by a coordinator (issue 10.1, the page's import), over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign, Task
from tests.factories import bearer, make_campaign, make_task, make_user
from tests.integration.quality.helpers import staff

HEADER = "task_id,heading,pitch,attachment,camera_type,base_heading,base_pitch\n"


def upload(
    client: TestClient, campaign: Campaign, content: str | bytes, headers: dict[str, str], **q: Any
) -> Any:
    return client.post(
        f"/api/v1/campaigns/{campaign.slug}/known-answers/import",
        files={"file": ("known.csv", content)},
        params=q,
        headers=headers,
    )


def test_a_coordinator_uploads_known_answers_and_uses_them_as_tutorials(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=1, known_answer_every=0)
    first, second, other = (make_task(session, campaign) for _ in range(3))
    coordinator, headers = staff(session, "coordinator")
    # An empty heading: the task has no camera (a tutorial for "No cameras here").
    csv = HEADER + f"{first.id},,,,,,\n{second.id},,,,,,\n"
    done = upload(client, campaign, csv.encode("utf-8-sig"), headers, use="tutorial")
    assert done.status_code == 200, done.text
    assert done.json() == {"tasks": 2, "cameras": 0}

    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/known-answers", headers=headers)
    answers = listed.json()["known_answers"]
    assert [(a["task_id"], a["use"], a["cameras"]) for a in answers] == [
        (first.id, "tutorial", []),
        (second.id, "tutorial", []),
    ]
    # Who uploaded the file is recorded as the labeller (the CLI records nobody).
    assert answers[0]["labelled_by"] == coordinator.public_id
    session.expire_all()
    assert session.get(Task, first.id).is_tutorial is True  # type: ignore[union-attr]
    assert session.get(Task, other.id).known_answer is None  # type: ignore[union-attr]


def test_without_use_the_imported_tasks_are_hidden_checks(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    task = make_task(session, campaign)
    _, headers = staff(session, "coordinator")
    done = upload(client, campaign, HEADER + f"{task.id},,,,,,\n", headers)
    assert done.status_code == 200, done.text
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/known-answers", headers=headers)
    assert [(a["task_id"], a["use"]) for a in listed.json()["known_answers"]] == [
        (task.id, "check")
    ]


def test_camera_rows_are_imported_with_their_angles(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    task = make_task(session, campaign)
    _, headers = staff(session, "coordinator")
    csv = (
        HEADER
        + f"{task.id},10,8,street_furniture,dome_ptz,,\n"
        + f"{task.id},200.5,5,building,bullet,200.5,-10\n"
    )
    done = upload(client, campaign, csv, headers)
    assert done.status_code == 200, done.text
    assert done.json() == {"tasks": 1, "cameras": 2}
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/known-answers", headers=headers)
    cameras = listed.json()["known_answers"][0]["cameras"]
    assert [(c["heading"], c.get("base_pitch")) for c in cameras] == [(10.0, None), (200.5, -10.0)]


def test_bad_rows_are_listed_and_nothing_is_imported(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    task = make_task(session, campaign)
    _, headers = staff(session, "coordinator")
    csv = HEADER + f"{task.id},,,,,,\nseven,,,,,,\n99999999,,,,,,\n"
    refused = upload(client, campaign, csv, headers)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "import_failed"
    assert [d.split(":")[0] for d in error["details"]] == ["line 3", "line 4"]
    session.expire_all()
    assert session.get(Task, task.id).known_answer is None  # type: ignore[union-attr]


def test_unreadable_files_are_a_422_not_a_server_error(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session)
    _, headers = staff(session, "coordinator")
    huge = b"task_id\n" + b"7" * 200_000  # past the csv module's field limit
    for content in (b"task_id\n\xff\xfe1\n", huge, b"heading,pitch\n1,2\n"):
        refused = upload(client, campaign, content, headers)
        assert refused.status_code == 422, (content[:20], refused.text)
        assert refused.json()["error"]["code"] == "import_failed"
    missing = client.post(
        f"/api/v1/campaigns/{campaign.slug}/known-answers/import", headers=headers
    )
    assert missing.json()["error"]["code"] == "file_required"


def test_only_coordinators_import_known_answers(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    task = make_task(session, campaign)
    csv = HEADER + f"{task.id},,,,,,\n"
    for headers in (bearer(session, make_user(session)), staff(session, "expert")[1]):
        refused = upload(client, campaign, csv, headers)
        assert refused.json()["error"]["code"] == "insufficient_role"
    unknown = upload(client, make_campaign(session), csv, staff(session, "coordinator")[1])
    assert unknown.status_code == 422  # the task is not one of that campaign's
    gone = client.post(
        "/api/v1/campaigns/no-such-campaign/known-answers/import",
        files={"file": ("known.csv", csv)},
        headers=staff(session, "coordinator")[1],
    )
    assert gone.json()["error"]["code"] == "campaign_not_found"
