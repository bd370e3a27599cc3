from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import User
from tests.factories import bearer, make_campaign, make_user


def test_anonymous_registration_gives_a_pseudonymous_decoder(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "decoder"
    assert body["user"]["is_anonymous"] is True
    assert body["user"]["public_id"].startswith("d-")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == body["user"]["id"]


def test_email_registration_then_login(client: TestClient) -> None:
    creds = {"email": "Ana@Example.org", "password": "long enough pw"}
    assert client.post("/api/v1/auth/register", json=creds).status_code == 201
    response = client.post("/api/v1/auth/login", json={**creds, "email": "ana@example.org"})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "ana@example.org"


def test_registration_cannot_choose_a_role(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.org", "password": "12345678", "role": "admin"},
    )
    assert response.status_code == 422


def test_password_is_stored_as_argon2(client: TestClient, session: Session) -> None:
    client.post("/api/v1/auth/register", json={"email": "h@example.org", "password": "secret pw 1"})
    user = session.query(User).filter_by(email="h@example.org").one()
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")


def test_duplicate_email_is_a_conflict(client: TestClient) -> None:
    creds = {"email": "dup@example.org", "password": "12345678"}
    client.post("/api/v1/auth/register", json=creds)
    response = client.post("/api/v1/auth/register", json=creds)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


def test_wrong_password_is_401(client: TestClient) -> None:
    client.post("/api/v1/auth/register", json={"email": "w@example.org", "password": "12345678"})
    response = client.post(
        "/api/v1/auth/login", json={"email": "w@example.org", "password": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_is_rate_limited_per_account(client: TestClient) -> None:
    email = "bruteforce@example.org"
    client.post("/api/v1/auth/register", json={"email": email, "password": "12345678"})
    codes = [
        client.post(
            "/api/v1/auth/login", json={"email": email, "password": f"guess{i}"}
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    last = client.post("/api/v1/auth/login", json={"email": email, "password": "12345678"})
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) > 0


def test_logout_revokes_the_token(client: TestClient) -> None:
    token = client.post("/api/v1/auth/register", json={}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_cookie_session_needs_csrf_header_on_writes(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session)
    registered = client.post("/api/v1/auth/register", json={})
    assert "decoders_session" in client.cookies
    assert client.get("/api/v1/me").status_code == 200
    path = f"/api/v1/campaigns/{campaign.slug}/assignments"
    refused = client.post(path)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    allowed = client.post(path, headers={"X-CSRF-Token": registered.json()["csrf_token"]})
    assert allowed.status_code == 204  # authenticated; the campaign simply has no tasks


def test_session_cookie_is_httponly(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={})
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("decoders_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie


def test_me_without_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_decoder_cannot_create_a_campaign(client: TestClient, session: Session) -> None:
    decoder = make_user(session)
    response = client.post(
        "/api/v1/campaigns", json={"slug": "nope", "name": "Nope"}, headers=bearer(session, decoder)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_role"


def test_campaign_settings_refuse_booleans_for_numbers(
    client: TestClient, session: Session
) -> None:
    headers = bearer(session, make_user(session, role="coordinator"))
    make_campaign(session, slug="strict-ints")
    for body in ({"known_answer_every": False}, {"votes_per_task": True}, {"lease_minutes": "9"}):
        response = client.patch("/api/v1/campaigns/strict-ints", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid"
    # 4.0 is an integer to JSON Schema, and was accepted before.
    patched = client.patch(
        "/api/v1/campaigns/strict-ints", json={"votes_per_task": 4.0}, headers=headers
    )
    assert patched.json()["votes_per_task"] == 4
    created = client.post(
        "/api/v1/campaigns", json={"slug": "strict-b", "name": "B", "lease_minutes": True},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 422


def test_coordinator_creates_opens_and_pauses_a_campaign(
    client: TestClient, session: Session
) -> None:
    headers = bearer(session, make_user(session, role="coordinator"))
    created = client.post(
        "/api/v1/campaigns",
        json={"slug": "lagos-2027", "name": "Lagos", "votes_per_task": 5},
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert (
        client.post("/api/v1/campaigns/lagos-2027/open", headers=headers).json()["status"] == "open"
    )
    paused = client.post("/api/v1/campaigns/lagos-2027/pause", headers=headers)
    assert paused.json()["status"] == "paused"
    patched = client.patch(
        "/api/v1/campaigns/lagos-2027", json={"lease_minutes": 30}, headers=headers
    )
    assert patched.json()["lease_minutes"] == 30
