from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from app.errors import LeaseUsed, RateLimited, TaskNotFound, install_error_handlers


class Body(BaseModel):
    pitch: float = Field(ge=-90, le=90)


def make_client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/missing")
    def missing() -> None:
        raise TaskNotFound("No such task.", details={"id": 3})

    @app.get("/conflict")
    def conflict() -> None:
        raise LeaseUsed("Already used.")

    @app.get("/limited")
    def limited() -> None:
        raise RateLimited("Slow down.", retry_after=7)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.post("/body")
    def body(payload: Body) -> Body:
        return payload

    return TestClient(app, raise_server_exceptions=False)


def test_app_error_uses_the_envelope_and_its_status() -> None:
    response = make_client().get("/missing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "task_not_found", "message": "No such task.", "details": {"id": 3}}
    }


def test_error_without_details_omits_them() -> None:
    response = make_client().get("/conflict")
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "lease_used", "message": "Already used."}}


def test_rate_limit_carries_retry_after() -> None:
    response = make_client().get("/limited")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


def test_validation_errors_use_the_envelope_without_echoing_input() -> None:
    response = make_client().post("/body", json={"pitch": 500})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["loc"] == ["body", "pitch"]
    assert "500" not in response.text


def test_malformed_json_is_a_422_envelope() -> None:
    response = make_client().post(
        "/body", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_unknown_route_is_a_404_envelope() -> None:
    response = make_client().get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_405_envelope() -> None:
    response = make_client().delete("/missing")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unexpected_error_is_internal_without_stack_trace() -> None:
    response = make_client().get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal", "message": "An internal error occurred."}
    }
    assert "secret internals" not in response.text
