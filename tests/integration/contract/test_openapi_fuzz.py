"""Schemathesis against the live server: every operation of /api/v1/openapi.json and /ogc.

A few deterministic examples per operation and caller (anonymous, a decoder, a coordinator),
path parameters pinned to seeded objects so the requests reach the code behind the 404s. Each
answer must be no 5xx and match the documented status, content type, headers and schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.specs.openapi import checks as openapi_checks

from app.main import create_app
from tests.integration.contract.conftest import SLUG, VICTIM_SLUG, ContractWorld

ROLES = ("anonymous", "decoder", "coordinator")
# Hypothesis examples per operation and caller in the fuzzing phase; the coverage phase adds
# its own finite set (each parameter's boundaries and one wrong value at a time).
MAX_EXAMPLES = 6
LOGOUT = "POST /api/v1/auth/logout"
# Answers that do not depend on a login (published data counts API keys and addresses only).
CALLER_BLIND_TAGS = ("health", "config", "researcher data", "public map", "OGC API – Features")
CALLER_BLIND = ("POST /api/v1/auth/register", "POST /api/v1/auth/login")

# Every check of `--checks all` runs but one, positive_data_acceptance ("a schema-valid request
# must not be refused"): the app refuses, by design and with a documented 4xx, requests that
# the schema cannot tell from good ones: cross-field rules (outcome `cameras` needs tags, e-mail
# and password together), formats checked in code (a bbox's four numbers and ranges, a tile
# outside its zoom's grid, imagery dates), e-mail domains reserved for tests (`x@y.test`), NUL
# bytes in uploads, and the state of the data (a closed campaign, a used lease, a taken e-mail).
EXCLUDED = [openapi_checks.positive_data_acceptance]


def _victim(name: str, **parameters: Any) -> dict[str, Any]:
    return {"include-name": name, "parameters": parameters}


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    """Who calls: nobody, a decoder or a coordinator (bearer tokens, so no CSRF)."""
    return str(request.param)


@pytest.fixture
def api_schema(contract_world: ContractWorld, role: str) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document, path parameters pinned to the seeded objects.

    Operations that never look at the caller's login are fuzzed once, anonymously.
    """
    world = contract_world
    config = schemathesis.Config.from_dict(
        {
            "base-url": world.base_url,
            # The coverage phase (every boundary and negative case of each parameter) runs for
            # the anonymous and the coordinator caller; a decoder's answers to those are the
            # coordinator's or a 403, so the decoder gets the examples and fuzzing phases only.
            "phases": {"coverage": {"enabled": role != "decoder"}},
            "parameters": {
                "path.slug": SLUG,
                "path.campaign": SLUG,
                "path.task_id": world.task_id,
                "path.assignment_id": world.assignment_id,
                "path.key_id": world.victim_key_id,
                "path.collection_id": f"{SLUG}-cameras",
                "path.feature_id": str(world.camera_id),
                "path.layer": "cameras",
            },
            "operations": [
                *(
                    _victim(f"{method} /api/v1/campaigns/{{slug}}{tail}", slug=VICTIM_SLUG)
                    for method, tail in (
                        ("PATCH", ""),
                        ("POST", "/open"),
                        ("POST", "/pause"),
                        ("POST", "/close"),
                    )
                ),
                _victim("POST /api/v1/tasks/{task_id}/reopen", task_id=world.victim_task_id),
                _victim("POST /api/v1/tasks/{task_id}/exclude", task_id=world.victim_task_id),
                *(
                    []
                    if role == "anonymous"
                    else [
                        {"include-tag": list(CALLER_BLIND_TAGS), "enabled": False},
                        {"include-name": list(CALLER_BLIND), "enabled": False},
                    ]
                ),
            ],
        }
    )
    return schemathesis.openapi.from_dict(create_app().openapi(), config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


def _headers(world: ContractWorld, role: str, case: Case) -> dict[str, str]:
    if role == "anonymous":
        return {}
    # Logging out revokes the token it is sent with: give it one of its own.
    token = (
        world.fresh_token(role)
        if case.operation.label == LOGOUT
        else world.decoder_token
        if role == "decoder"
        else world.coordinator_token
    )
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_document(
    case: Case, role: str, contract_world: ContractWorld
) -> None:
    case.call_and_validate(
        headers=_headers(contract_world, role, case), excluded_checks=EXCLUDED, timeout=30
    )
