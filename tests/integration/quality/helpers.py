"""Shared steps of the quality tests: decode through HTTP, staff accounts."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign, User
from tests.factories import bearer, make_user, submission

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
