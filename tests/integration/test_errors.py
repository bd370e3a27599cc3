"""The app answers its errors in the envelope, with a catalogue code its route declares."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.errors import ERROR_CODES
from tests.factories import bearer, make_campaign, make_task, make_user, submission


def _declared(app: FastAPI, method: str, route: str, status: int) -> list[str]:
    response = app.openapi()["paths"][route][method]["responses"][str(status)]
    codes: list[str] = response["x-error-codes"]
    return codes


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert code in ERROR_CODES
    error: dict[str, Any] = body["error"]
    return error


CASES = [
    # (method, route as declared, path sent, headers, status, code)
    (
        "get",
        "/api/v1/campaigns/{slug}",
        "/api/v1/campaigns/no-such",
        "none",
        404,
        "campaign_not_found",
    ),
    ("get", "/api/v1/me", "/api/v1/me", "none", 401, "not_authenticated"),
    ("get", "/api/v1/me", "/api/v1/me", "bad", 401, "invalid_token"),
    ("post", "/api/v1/campaigns", "/api/v1/campaigns", "decoder", 403, "insufficient_role"),
    ("get", "/api/v1/campaigns/{slug}", "/api/v1/campaigns/a%00b", "none", 422, "invalid"),
    ("get", "/ogc/collections", "/ogc/collections?colour=red", "none", 400, "invalid_parameter"),
    ("get", "/ogc/collections", "/ogc/collections?f=html", "none", 400, "invalid_parameter"),
]


@pytest.mark.parametrize(("method", "route", "path", "who", "status", "code"), CASES)
def test_error_is_answered_in_the_envelope_with_a_declared_code(
    app: FastAPI,
    client: TestClient,
    session: Session,
    method: str,
    route: str,
    path: str,
    who: str,
    status: int,
    code: str,
) -> None:
    headers = {"Authorization": "Bearer not-a-token"} if who == "bad" else {}
    if who == "decoder":
        headers = bearer(session, make_user(session))
    body = {"slug": "x", "name": "X"} if method == "post" else None
    response = client.request(method, path, headers=headers, json=body)
    _error(response, status, code)
    assert code in _declared(app, method, route, status)


def test_lease_and_submission_errors_are_declared_codes(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    paused = make_campaign(session, status="paused")
    decoder = bearer(session, make_user(session))
    response = client.post(f"/api/v1/campaigns/{paused.slug}/assignments", headers=decoder)
    _error(response, 409, "campaign_closed")
    assert "campaign_closed" in _declared(app, "post", "/api/v1/campaigns/{slug}/assignments", 409)

    campaign = make_campaign(session, tutorial_tasks=0)
    make_task(session, campaign)
    lease = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=decoder).json()
    route = "/api/v1/assignments/{assignment_id}/submission"
    stranger = bearer(session, make_user(session))
    url = f"/api/v1/assignments/{lease['id']}/submission"
    _error(
        client.post(url, json=submission("errors-key-1"), headers=stranger), 403, "not_your_lease"
    )
    assert "not_your_lease" in _declared(app, "post", route, 403)
    _error(
        client.post(
            "/api/v1/assignments/0/submission", json=submission("errors-key-2"), headers=decoder
        ),
        404,
        "assignment_not_found",
    )
    assert "assignment_not_found" in _declared(app, "post", route, 404)


def test_tile_outside_the_grid_is_invalid_tile(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session)
    _error(client.get(f"/tiles/{campaign.slug}/cameras/99/0/0.mvt"), 422, "invalid_tile")
    assert "invalid_tile" in _declared(app, "get", "/tiles/{campaign}/{layer}/{z}/{x}/{y}.mvt", 422)


def test_framework_errors_use_catalogue_codes(client: TestClient) -> None:
    _error(client.get("/api/v1/no-such-route"), 404, "not_found")
    _error(client.delete("/api/v1/health"), 405, "method_not_allowed")


def test_method_not_allowed_lists_every_method_at_the_path(client: TestClient) -> None:
    response = client.options("/api/v1/campaigns")
    _error(response, 405, "method_not_allowed")
    # GET and POST /campaigns are two routes; Starlette named only the first.
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert client.delete("/api/v1/campaigns/x").headers["allow"] == "GET, HEAD, PATCH"


def test_a_json_body_that_is_not_utf8_is_a_declared_bad_request(
    app: FastAPI, client: TestClient
) -> None:
    response = client.post(
        "/api/v1/auth/register", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    _error(response, 400, "bad_request")
    assert "bad_request" in _declared(app, "post", "/api/v1/auth/register", 400)
