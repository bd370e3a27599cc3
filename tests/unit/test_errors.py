import ast
import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from app.errors import (
    ERROR_CODES,
    ERRORS,
    AppError,
    Conflict,
    LeaseExpired,
    LeaseUsed,
    NotFound,
    NotYourLease,
    RateLimited,
    TaskNotFound,
    install_error_handlers,
)
from app.schemas.common import ErrorResponse, error_responses


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


# The catalogue: one named error per code, every raise site uses it, OpenAPI lists it.

APP = Path(__file__).resolve().parents[2] / "app"


def _subclasses(cls: type[AppError]) -> list[type[AppError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _named() -> list[type[AppError]]:
    return [cls for cls in _subclasses(AppError) if "code" in vars(cls)]


def _raised_errors() -> list[tuple[str, int, type[AppError], ast.Call]]:
    """Every `raise X(...)` under app/ whose X is an AppError subclass."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        calls = [
            node.exc
            for node in ast.walk(tree)
            if isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name)
        ]
        if not calls:
            continue
        parts = path.relative_to(APP.parent).with_suffix("").parts
        module = importlib.import_module(".".join(p for p in parts if p != "__init__"))
        for call in calls:
            assert isinstance(call.func, ast.Name)
            raised = getattr(module, call.func.id, None)
            if isinstance(raised, type) and issubclass(raised, AppError):
                found.append((str(path.relative_to(APP.parent)), call.lineno, raised, call))
    return found


def test_every_named_error_has_its_own_code_in_the_catalogue() -> None:
    import app.main  # noqa: F401  (imports every module that could define an error)

    named = _named()
    codes = [cls.code for cls in named]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(ERROR_CODES)
    assert list(ERROR_CODES) == list(ERRORS)
    assert all(ERRORS[cls.code] is cls for cls in named)
    assert all(cls.__module__.startswith("app.errors") for cls in _subclasses(AppError))
    assert all(cls.__doc__ for cls in named), "each code says when it happens"


def test_codes_answered_by_the_handlers_are_in_the_catalogue() -> None:
    for code in ("invalid", "not_found", "method_not_allowed", "payload_too_large"):
        assert code in ERROR_CODES
    for code in ("unsupported_media_type", "internal", "http_error", "bad_request"):
        assert code in ERROR_CODES


def test_a_status_family_cannot_be_raised() -> None:
    with pytest.raises(TypeError):
        NotFound("Which thing?")


def test_every_raise_in_app_names_a_catalogue_error_without_a_code_argument() -> None:
    raised = _raised_errors()
    assert len(raised) > 40
    for where, line, error, call in raised:
        assert ERRORS.get(getattr(error, "code", "")) is error, f"{where}:{line} {error.__name__}"
        assert "code" not in {k.arg for k in call.keywords}, f"{where}:{line}"


def _openapi() -> dict[str, Any]:
    from app.main import app

    spec: dict[str, Any] = app.openapi()
    return spec


def test_openapi_error_code_enum_is_the_catalogue() -> None:
    schemas = _openapi()["components"]["schemas"]
    assert schemas["ErrorCode"]["type"] == "string"
    assert schemas["ErrorCode"]["enum"] == list(ERROR_CODES)
    assert schemas["ErrorDetail"]["properties"]["code"] == {
        "$ref": "#/components/schemas/ErrorCode"
    }
    assert schemas["ErrorResponse"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    assert "HTTPValidationError" not in schemas  # every 422 is our envelope


def _declared(method: str, path: str) -> dict[int, list[str]]:
    responses = _openapi()["paths"][path][method]["responses"]
    return {int(s): r["x-error-codes"] for s, r in responses.items() if "x-error-codes" in r}


def test_every_error_response_is_the_envelope_with_its_codes_listed() -> None:
    for path, operations in _openapi()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                codes = response.get("x-error-codes")
                assert codes, f"{method} {path} {status}"
                assert all(ERRORS[c].status_code == int(status) for c in codes)
                assert all(f"`{c}`" in response["description"] for c in codes)


# What each route's service raises (read from the service code), by route.
ROUTE_ERRORS = [
    (
        "post",
        "/api/v1/assignments/{assignment_id}/submission",
        {
            "lease_expired",
            "lease_used",
            "not_your_lease",
            "assignment_not_found",
            "idempotency_conflict",
            "task_full",
            "task_excluded",
            "already_submitted",
            "not_authenticated",
            "invalid",
        },
    ),
    (
        "post",
        "/api/v1/assignments/{assignment_id}/skip",
        {"lease_expired", "lease_used", "not_your_lease", "assignment_not_found"},
    ),
    (
        "post",
        "/api/v1/campaigns/{slug}/assignments",
        {"campaign_not_found", "campaign_closed", "lease_race", "not_authenticated"},
    ),
    ("post", "/api/v1/auth/login", {"invalid_credentials", "account_suspended", "rate_limited"}),
    ("post", "/api/v1/auth/register", {"email_taken", "email_and_password_together"}),
    (
        "post",
        "/api/v1/tasks/{task_id}/reopen",
        {"task_not_found", "task_complete", "task_excluded"},
    ),
    ("post", "/api/v1/campaigns/{slug}/reconcile", {"campaign_not_found", "reconcile_running"}),
    ("post", "/api/v1/campaigns/{slug}/close", {"campaign_closed", "insufficient_role"}),
    ("post", "/api/v1/campaigns/{slug}/imports/panoramas", {"import_failed", "payload_too_large"}),
    ("get", "/api/v1/campaigns/{slug}/density/hexagons", {"too_many_cells", "invalid_api_key"}),
    ("get", "/api/v1/campaigns/{slug}/cameras", {"area_not_found", "rate_limited"}),
    (
        "get",
        "/tiles/{campaign}/{layer}/{z}/{x}/{y}.mvt",
        {"campaign_not_found", "layer_not_found", "invalid_tile"},
    ),
    (
        "get",
        "/ogc/collections/{collection_id}/items/{feature_id}",
        {"collection_not_found", "feature_not_found", "invalid_parameter", "not_acceptable"},
    ),
    ("delete", "/api/v1/api-keys/{key_id}", {"api_key_not_found", "csrf_failed"}),
    ("get", "/api/v1/health", {"database_unavailable"}),
]


@pytest.mark.parametrize(("method", "path", "codes"), ROUTE_ERRORS)
def test_route_declares_the_errors_its_service_raises(
    method: str, path: str, codes: set[str]
) -> None:
    declared = {code for found in _declared(method, path).values() for code in found}
    assert codes <= declared


def test_error_responses_group_by_status_and_describe_each_code() -> None:
    responses = error_responses(LeaseExpired, LeaseUsed, NotYourLease, LeaseExpired)
    assert sorted(responses) == [403, 409]
    assert responses[409]["x-error-codes"] == ["lease_used", "lease_expired"]
    assert responses[409]["model"] is ErrorResponse
    assert "`lease_expired`: The lease ran out" in responses[409]["description"]


def test_error_responses_refuse_a_status_family() -> None:
    with pytest.raises(TypeError):
        error_responses(Conflict)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in _openapi()["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_json_body_route_declares_the_bad_request_of_an_unreadable_body() -> None:
    taking_json = [
        (method, path, operation)
        for method, path, operation in _operations()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(taking_json) >= 9
    for method, path, operation in taking_json:
        codes = operation["responses"].get("400", {}).get("x-error-codes", [])
        assert "bad_request" in codes, f"{method} {path}"


def test_error_answers_are_documented_as_json_on_every_route() -> None:
    for method, path, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/json"], f"{method} {path}"
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}


def test_geojson_answers_are_documented_as_geojson_only() -> None:
    for method, path, operation in _operations():
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/geo+json" in content:
            assert "application/json" not in content, f"{method} {path}"
    paths = _openapi()["paths"]
    for path in (
        "/api/v1/campaigns/{slug}/cameras",
        "/api/v1/campaigns/{slug}/density/hexagons",
        "/ogc/collections/{collection_id}/items",
    ):
        assert "application/geo+json" in paths[path]["get"]["responses"]["200"]["content"]
    api = paths["/ogc/api"]["get"]["responses"]["200"]["content"]
    assert list(api) == ["application/vnd.oai.openapi+json;version=3.0"]
