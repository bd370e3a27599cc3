"""Access to published data: API keys, rate limits, CORS."""

from __future__ import annotations

import hashlib
import json
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import ApiKey, User
from app.services.accounts.auth import issue_session
from app.settings import Settings
from tests.factories import make_campaign, make_user

CAMERAS = "/api/v1/campaigns/{}/cameras"


def _login(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_session(session, user=user, days=1).token}"}


def test_api_key_lifecycle(client: TestClient, session: Session) -> None:
    staff = _login(session, make_user(session, role="coordinator"))
    make_campaign(session, slug="key-life")
    session.commit()  # keeps the data through the failed requests' rollbacks
    response = client.post("/api/v1/api-keys", json={"name": "Newsroom"}, headers=staff)
    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert key.startswith("dk_") and len(key) >= 45
    assert created["prefix"] == key[:11] and created["rate_per_minute"] == 600
    stored = session.scalars(select(ApiKey).where(ApiKey.id == created["id"])).one()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()

    listed = client.get("/api/v1/api-keys", headers=staff).json()["api_keys"]
    assert key not in json.dumps(listed)
    assert [k["name"] for k in listed if k["id"] == created["id"]] == ["Newsroom"]

    assert client.get(CAMERAS.format("key-life"), headers={"X-API-Key": key}).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=staff).status_code == 204
    revoked = client.get(CAMERAS.format("key-life"), headers={"X-API-Key": key})
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "invalid_api_key"
    listed = client.get("/api/v1/api-keys", headers=staff).json()["api_keys"]
    assert next(k for k in listed if k["id"] == created["id"])["revoked_at"] is not None


def test_invalid_key_is_401_everywhere(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="key-bad")
    session.commit()
    bad = {"X-API-Key": "dk_not-a-key"}
    for path in (CAMERAS.format("key-bad"), "/ogc/collections", "/tiles/key-bad/cameras/0/0/0.mvt"):
        response = client.get(path, headers=bad)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "invalid_api_key"


def test_only_coordinators_manage_keys(client: TestClient, session: Session) -> None:
    decoder = _login(session, make_user(session))
    session.commit()
    assert client.post("/api/v1/api-keys", json={"name": "x"}).status_code == 401
    response = client.post("/api/v1/api-keys", json={"name": "x"}, headers=decoder)
    assert response.status_code == 403
    assert client.get("/api/v1/api-keys", headers=decoder).status_code == 403
    assert client.delete("/api/v1/api-keys/1", headers=decoder).status_code == 403


def test_revoking_an_unknown_key_is_404(client: TestClient, session: Session) -> None:
    staff = _login(session, make_user(session, role="coordinator"))
    session.commit()
    response = client.delete("/api/v1/api-keys/987654321", headers=staff)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "api_key_not_found"


def _until_limited(client: TestClient, path: str, headers: dict[str, str] | None = None) -> None:
    # A fixed window may roll over between two requests, so allow a few extra tries.
    for _ in range(10):
        response = client.get(path, headers=headers)
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "rate_limited"
            assert int(response.headers["Retry-After"]) >= 1
            return
        assert response.status_code == 200
    raise AssertionError("never rate limited")


def test_a_key_is_limited_to_its_rate(client: TestClient, session: Session) -> None:
    staff = _login(session, make_user(session, role="coordinator"))
    make_campaign(session, slug="key-rate")
    session.commit()
    body = {"name": "slow", "rate_per_minute": 2}
    key = client.post("/api/v1/api-keys", json=body, headers=staff).json()["key"]
    _until_limited(client, CAMERAS.format("key-rate"), {"X-API-Key": key})


def test_anonymous_callers_are_limited_per_address(
    app: FastAPI, settings: Settings, session: Session
) -> None:
    make_campaign(session, slug="anon-rate")
    session.commit()
    app.state.settings = settings.model_copy(update={"anonymous_reads_per_minute": 2})
    with TestClient(app, client=("203.0.113.9", 4000)) as client:
        _until_limited(client, CAMERAS.format("anon-rate"))
        # The public map has its own budget.
        assert client.get("/api/v1/campaigns/anon-rate/density/hexagons").status_code == 200
    with TestClient(app, client=("203.0.113.10", 4000)) as other:
        assert other.get(CAMERAS.format("anon-rate")).status_code == 200


def test_cors_allows_read_only_requests_from_anywhere(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="cors")
    origin = {"Origin": "https://newsroom.example"}
    response = client.get(CAMERAS.format("cors"), headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = {**origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "X-API-Key"}  # fmt: skip
    response = client.options(CAMERAS.format("cors"), headers=preflight)
    assert response.status_code == 200
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "x-api-key" in response.headers["access-control-allow-headers"].lower()
    preflight["Access-Control-Request-Method"] = "POST"
    assert client.options("/api/v1/api-keys", headers=preflight).status_code == 400


def test_reads_are_counted_in_batches_not_one_write_each(app: FastAPI, session: Session) -> None:
    make_campaign(session, slug="meter-batch")
    session.commit()
    address = f"198.51.100.{uuid.uuid4().int % 200 + 20}"
    count_rows = text(
        "SELECT coalesce(sum(count), 0) FROM rate_limit_buckets WHERE key LIKE 'anon:data:%'"
    )
    with TestClient(app, client=(address, 4000)) as client:
        meter = app.state.meter
        meter.flush()
        before = session.scalar(count_rows)
        for _ in range(5):
            assert client.get(CAMERAS.format("meter-batch")).status_code == 200
        assert session.scalar(count_rows) == before  # nothing written per request
        assert meter.flush() == 1  # one bucket, one statement
        assert session.scalar(count_rows) == before + 5
        keys = session.scalars(text("SELECT key FROM rate_limit_buckets")).all()
        assert not [k for k in keys if address in k]
