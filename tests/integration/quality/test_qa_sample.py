"""QA sample, expert queue and quality report (issue 10.2), over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services.reconciliation.run import reconcile_campaign
from tests.factories import make_campaign, make_submission, make_task, make_user, tag
from tests.integration.quality.helpers import complete_tasks, staff


def test_sample_queue_and_report(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    tasks = complete_tasks(session, campaign, 4)
    _, coordinator = staff(session, "coordinator")
    drawn = client.post(
        f"/api/v1/campaigns/{campaign.slug}/qa-samples",
        json={"per_stratum": 10, "seed": 3},
        headers=coordinator,
    )
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["tasks"] == 4
    assert {s["stratum"] for s in drawn.json()["strata"]} == {"1|Unanimous", "1|2 vs 1"}

    _, expert = staff(session, "expert")
    seen = []
    for _ in range(4):
        item = client.post(f"/api/v1/campaigns/{campaign.slug}/review-queue/next", headers=expert)
        assert item.status_code == 200, item.text
        task_id = item.json()["task_id"]
        assert (
            client.post(
                f"/api/v1/campaigns/{campaign.slug}/review-queue/next", headers=expert
            ).json()["task_id"]
            == task_id
        )  # the claim holds until the label is saved
        # The truth: the camera at 10° only; the crowd found it everywhere.
        cameras = [
            {
                "heading": 10.0,
                "pitch": 8.0,
                "attachment": "street_furniture",
                "camera_type": "dome_ptz",
            }
        ]
        saved = client.put(
            f"/api/v1/tasks/{task_id}/known-answer", json={"cameras": cameras}, headers=expert
        )
        assert (
            saved.status_code == 200 and saved.json()["sample"]["sample_id"] == drawn.json()["id"]
        )
        seen.append(task_id)
    assert sorted(seen) == sorted(t.id for t in tasks)
    done = client.post(f"/api/v1/campaigns/{campaign.slug}/review-queue/next", headers=expert)
    assert done.status_code == 204

    report = client.get(f"/api/v1/campaigns/{campaign.slug}/quality", headers=coordinator).json()
    assert report["reviewed_tasks"] == 4
    overall = {c["category"]: c for c in report["categories"]}["all"]
    assert overall["count_ratio"]["value"] == 1.0
    assert overall["recall"] == {"value": 1.0, "low": 1.0, "high": 1.0}
    assert overall["precision"]["value"] == 1.0


def test_queue_never_offers_a_task_the_expert_decoded(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    expert_user, expert = staff(session, "expert")
    task = make_task(session, campaign, status="complete", valid_submissions=3)
    make_submission(session, task, expert_user, tag())
    make_submission(session, task, make_user(session), tag())
    make_submission(session, task, make_user(session), tag())
    reconcile_campaign(session, campaign=campaign)
    _, coordinator = staff(session, "coordinator")
    client.post(f"/api/v1/campaigns/{campaign.slug}/qa-samples", json={}, headers=coordinator)
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/review-queue/next", headers=expert)
    assert response.status_code == 204


def test_nothing_to_sample_is_a_conflict(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    _, coordinator = staff(session, "coordinator")
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/qa-samples", json={}, headers=coordinator
    )
    assert response.json()["error"]["code"] == "nothing_to_sample"
