"""Shared steps of the quality tests: decode through HTTP, staff accounts."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign, Task, User
from app.services.reconciliation.run import reconcile_campaign
from tests.factories import bearer, make_submission, make_task, make_user, submission, tag

_keys = itertools.count(1)


def staff(session: Session, role: str) -> tuple[User, dict[str, str]]:
    user = make_user(session, role=role)
    return user, bearer(session, user)


def decode(
    client: TestClient, campaign: Campaign, headers: dict[str, str], *tags: dict[str, Any]
) -> dict[str, Any]:
    """Lease the next task and answer it with these tags; the lease body and the result."""
    lease = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=headers)
    assert lease.status_code in (200, 201), lease.text
    body = lease.json()
    result = client.post(
        f"/api/v1/assignments/{body['id']}/submission",
        json=submission(f"quality-{next(_keys)}", *tags),
        headers=headers,
    )
    assert result.status_code == 201, result.text
    return {"lease": body, "result": result.json()}


def complete_tasks(session: Session, campaign: Campaign, n: int) -> list[Task]:
    """Reconciled tasks with 3 votes: two decoders tag a camera at 10°, every other task the
    third one also tags one at 200°."""
    a, b, c = (make_user(session) for _ in range(3))
    tasks = []
    for i in range(n):
        task = make_task(session, campaign, lon=-73.98 + i * 0.01, status="complete")
        make_submission(session, task, a, tag(10, 8))
        make_submission(session, task, b, tag(10.5, 8))
        make_submission(session, task, c, *([tag(200, 5)] if i % 2 else []))
        task.valid_submissions = 3
        tasks.append(task)
    session.flush()
    reconcile_campaign(session, campaign=campaign)
    return tasks
