"""Expert labels become known answers; coordinators promote them (issue 10.1), over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Task
from tests.factories import bearer, make_campaign, make_task, make_user, tag
from tests.integration.quality.helpers import decode, staff

CAMERAS = [
    {"heading": 10.0, "pitch": 8.0, "attachment": "street_furniture", "camera_type": "dome_ptz"},
    {
        "heading": 200.0,
        "pitch": 5.0,
        "attachment": "building",
        "camera_type": "bullet",
        "base_heading": 200.0,
        "base_pitch": -10.0,
    },
]


def test_review_hides_the_crowd_until_the_expert_saved_a_label(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, votes_per_task=2)
    task = make_task(session, campaign)
    for _ in range(2):
        decode(client, campaign, bearer(session, make_user(session)), tag(11, 8))
    expert, headers = staff(session, "expert")

    before = client.get(f"/api/v1/tasks/{task.id}/review", headers=headers)
    assert before.status_code == 200
    assert before.json()["panorama"]["provider"] == "equirect"
    assert (before.json()["crowd"], before.json()["known_answer"]) == (None, None)

    saved = client.put(
        f"/api/v1/tasks/{task.id}/known-answer", json={"cameras": CAMERAS}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["known_answer"]["labelled_by"] == expert.public_id
    assert body["known_answer"]["labelled_at"] is not None
    assert [c["heading"] for c in body["known_answer"]["cameras"]] == [10.0, 200.0]
    assert [t["heading"] for t in body["crowd"]["tags"]] == [11.0, 11.0]
    session.refresh(task)
    assert task.known_answer is not None and len(task.known_answer) == 2
    assert task.labelled_by == expert.id

    after = client.get(f"/api/v1/tasks/{task.id}/review", headers=headers)
    assert after.json()["crowd"]["submissions"] == 2
    # Another expert still sees nothing of the crowd nor of the first label.
    _, other = staff(session, "expert")
    assert client.get(f"/api/v1/tasks/{task.id}/review", headers=other).json()["crowd"] is None


def test_an_expert_cannot_label_a_task_they_decoded(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    task = make_task(session, campaign)
    _, headers = staff(session, "expert")
    decode(client, campaign, headers, tag())
    refused = client.put(
        f"/api/v1/tasks/{task.id}/known-answer", json={"cameras": []}, headers=headers
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "own_task_review"


def test_decoders_cannot_open_the_review_screen(client: TestClient, session: Session) -> None:
    task = make_task(session, make_campaign(session))
    response = client.get(
        f"/api/v1/tasks/{task.id}/review", headers=bearer(session, make_user(session))
    )
    assert response.json()["error"]["code"] == "insufficient_role"


def test_promoted_label_is_a_tutorial_with_feedback(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=1, known_answer_every=0)
    task = make_task(session, campaign)
    make_task(session, campaign)
    _, expert = staff(session, "expert")
    _, coordinator = staff(session, "coordinator")
    not_yet = client.post(
        f"/api/v1/tasks/{task.id}/known-answer/use", json={"use": "tutorial"}, headers=coordinator
    )
    assert not_yet.json()["error"]["code"] == "no_known_answer"
    client.put(f"/api/v1/tasks/{task.id}/known-answer", json={"cameras": CAMERAS}, headers=expert)
    promoted = client.post(
        f"/api/v1/tasks/{task.id}/known-answer/use", json={"use": "tutorial"}, headers=coordinator
    )
    assert promoted.status_code == 200 and promoted.json()["use"] == "tutorial"

    done = decode(client, campaign, bearer(session, make_user(session)), tag(10.5, 8))
    assert done["lease"]["task"]["id"] == task.id and done["lease"]["tutorial"] is True
    feedback = done["result"]["feedback"]
    assert len(feedback["matched"]) == 1 and len(feedback["missed"]) == 1

    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/known-answers", headers=coordinator)
    assert [a["task_id"] for a in listed.json()["known_answers"]] == [task.id]
    back = client.post(
        f"/api/v1/tasks/{task.id}/known-answer/use", json={"use": "check"}, headers=coordinator
    )
    assert back.json()["use"] == "check"
    assert session.get(Task, task.id).is_tutorial is False  # type: ignore[union-attr]
