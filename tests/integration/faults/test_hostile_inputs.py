"""Inputs that used to answer 500 now answer their documented 4xx and leave nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import Area, Panorama, Submission
from tests.factories import bearer, make_campaign, make_task, make_user


def _long_email() -> str:
    local = "a" * 64
    domain = ".".join(["b" * 60, "c" * 60, "d" * 50]) + f".{uuid.uuid4().hex[:6]}.org"
    email = f"{local}@{domain}"
    assert len(email) >= 247
    return email


def test_login_and_registration_with_a_long_email_never_fail(client: TestClient) -> None:
    email = _long_email()
    creds = {"email": email, "password": "long enough pw"}
    before = client.post("/api/v1/auth/login", json=creds)
    assert before.status_code == 401, before.text
    assert before.json()["error"]["code"] == "invalid_credentials"
    assert client.post("/api/v1/auth/register", json=creds).status_code == 201
    for _ in range(2):
        assert client.post("/api/v1/auth/login", json=creds).status_code == 200


def test_rate_limit_buckets_hold_no_address_or_email(client: TestClient, session: Session) -> None:
    email = f"who-{uuid.uuid4().hex[:8]}@example.org"
    client.post("/api/v1/auth/login", json={"email": email, "password": "wrong pw 123"})
    keys = session.scalars(text("SELECT key FROM rate_limit_buckets")).all()
    assert keys and not [k for k in keys if "testclient" in k or "example.org" in k]
    assert max(len(k) for k in keys) <= 60


def test_old_rate_limit_buckets_are_swept(session: Session) -> None:
    from app.services.accounts.rate_limits import sweep

    session.execute(
        text("INSERT INTO rate_limit_buckets VALUES ('old:x', now() - interval '3 hours', 1)")
    )
    assert sweep(session.connection()) >= 1
    assert session.scalar(text("SELECT count(*) FROM rate_limit_buckets WHERE key = 'old:x'")) == 0


def test_wrong_passwords_slow_the_guesser_but_not_the_owner(app: FastAPI) -> None:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.org"
    creds = {"email": email, "password": "the real password"}
    with (
        TestClient(app, client=("203.0.113.7", 1000)) as guesser,
        TestClient(app, client=("198.51.100.9", 1000)) as owner,
    ):
        assert owner.post("/api/v1/auth/register", json=creds).status_code == 201
        wrong = {"email": email, "password": "not the password"}
        statuses = [guesser.post("/api/v1/auth/login", json=wrong).status_code for _ in range(11)]
        assert statuses == [401] * 10 + [429]
        blocked = guesser.post("/api/v1/auth/login", json=creds)
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        assert owner.post("/api/v1/auth/login", json=creds).status_code == 200


def test_registration_is_throttled_per_address(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"register_per_address": 3})
    with TestClient(app, client=(f"192.0.2.{uuid.uuid4().int % 250}", 1)) as http:
        statuses = [http.post("/api/v1/auth/register", json={}).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


def _area_file(ring: Any) -> str:
    return (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        f'{{"name": "X"}}, "geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}'
    )


@pytest.mark.parametrize(
    "content",
    [
        _area_file("[[0,0],[1,0],[NaN,1],[0,1],[0,0]]"),
        _area_file("[[0,0],[1,0],[Infinity,1],[0,1],[0,0]]"),
        _area_file("[[0,0],[1,0],[1e999,1],[0,1],[0,0]]"),
        '{"type": "FeatureCollection", "features": [1]}',
        '{"type": "FeatureCollection", "features": [{"properties": [1]}]}',
        '{"type": "FeatureCollection", "crs": {"properties": [1]}, "features": []}',
    ],
    ids=["nan", "infinity", "1e999", "number-feature", "list-properties", "list-crs"],
)
def test_broken_area_files_are_refused_whole(
    client: TestClient, session: Session, content: str
) -> None:
    campaign = make_campaign(session)
    staff = bearer(session, make_user(session, role="coordinator"))
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/areas",
        files={"file": ("a.geojson", content)},
        headers=staff,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"import_failed", "invalid"}
    assert session.scalar(select(func.count()).where(Area.campaign_id == campaign.id)) == 0


def test_uploads_are_not_parsed_for_a_non_coordinator(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.requests import Request

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(Request, "form", refuse)
    campaign = make_campaign(session)
    decoder = bearer(session, make_user(session))
    for headers, status in (({}, 401), (decoder, 403)):
        response = client.post(
            f"/api/v1/campaigns/{campaign.slug}/imports/areas",
            files={"file": ("a.geojson", b"x" * 100_000)},
            headers=headers,
        )
        assert response.status_code == status, response.text


def test_an_import_without_a_file_is_a_422(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    staff = bearer(session, make_user(session, role="coordinator"))
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/areas", data={"x": "1"}, headers=staff
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file_required"


@pytest.mark.parametrize(
    ("fix", "code"),
    [({"heading": None}, "invalid"), ({"image_url": None}, "image_reference_required")],
)
def test_reopen_refuses_a_fix_the_panorama_cannot_hold(
    client: TestClient, session: Session, fix: dict[str, Any], code: str
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0)
    task = make_task(session, campaign, status="review")
    user = make_user(session)
    session.add(Submission(campaign_id=campaign.id, task_id=task.id, user_id=user.id,
                           outcome="problem", problem_kind="no_image",
                           started_at=task.created_at))  # fmt: skip
    session.flush()
    staff = bearer(session, make_user(session, role="coordinator"))
    response = client.post(f"/api/v1/tasks/{task.id}/reopen", json=fix, headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    session.expire_all()
    assert session.get_one(Panorama, task.panorama_id).image_url is not None
    assert session.get_one(type(task), task.id).status == "review"
