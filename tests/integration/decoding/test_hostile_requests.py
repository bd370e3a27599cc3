"""Malformed and hostile requests: each gets its documented 4xx and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Assignment
from tests.factories import bearer, make_campaign, make_task, make_user, submission, tag


@dataclass
class World:
    alice: dict[str, str]
    bob: dict[str, str]
    slug: str
    live: int  # alice's live lease
    expired: int  # alice's expired lease (another campaign)
    used: int  # alice's submitted lease (a third campaign), key "used-key-0001"
    task: int


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    alice_user, bob_user = make_user(session), make_user(session)
    alice, bob = bearer(session, alice_user), bearer(session, bob_user)
    leases = []
    for _ in range(3):
        campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
        make_task(session, campaign)
        body = client.post(f"/api/v1/campaigns/{campaign.slug}/assignments", headers=alice).json()
        leases.append((campaign.slug, body["id"], body["task"]["id"]))
    session.query(Assignment).filter(Assignment.id == leases[1][1]).update(
        {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}
    )
    used = client.post(
        f"/api/v1/assignments/{leases[2][1]}/submission",
        json=submission("used-key-0001", tag()),
        headers=alice,
    )
    assert used.status_code == 201
    return World(alice, bob, leases[0][0], leases[0][1], leases[1][1], leases[2][1], leases[0][2])


def snapshot(session: Session) -> tuple[Any, ...]:
    return tuple(
        session.execute(
            text(
                "SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM tags),"
                " (SELECT count(*) FROM flags), (SELECT count(*) FROM campaigns),"
                " (SELECT coalesce(sum(valid_submissions), 0) FROM tasks),"
                " (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM assignments)"
            )
        ).one()
    )


def _post_submission(body: Any, *, who: str = "alice", lease: str = "live", raw: bool = False):  # type: ignore[no-untyped-def]
    def call(client: TestClient, w: World) -> Any:
        headers = {"alice": w.alice, "bob": w.bob, "nobody": {}}[who]
        assignment = getattr(w, lease) if lease in {"live", "expired", "used"} else lease
        url = f"/api/v1/assignments/{assignment}/submission"
        if raw:
            return client.post(
                url, content=body, headers={**headers, "content-type": "application/json"}
            )
        return client.post(url, json=body, headers=headers)

    return call


def ok_body(**overrides: Any) -> dict[str, Any]:
    return submission("hostile-key-1", tag(), **overrides)


def with_tag(**fields: Any) -> dict[str, Any]:
    return submission("hostile-key-1", tag(**fields))


Call = Callable[[TestClient, World], Any]
CASES: list[tuple[str, Call, int, str]] = [
    ("heading 360", _post_submission(with_tag(heading=360)), 422, "invalid"),
    ("negative heading", _post_submission(with_tag(heading=-0.1)), 422, "invalid"),
    ("pitch above 90", _post_submission(with_tag(pitch=90.5)), 422, "invalid"),
    ("pitch below -90", _post_submission(with_tag(pitch=-91)), 422, "invalid"),
    ("zoom 7", _post_submission(with_tag(zoom=7)), 422, "invalid"),
    (
        "NaN heading",
        _post_submission(
            b'{"idempotency_key":"hostile-key-1","outcome":"cameras","tags":[{"heading":NaN,"pitch":1,'
            b'"attachment":"building","camera_type":"bullet"}]}',
            raw=True,
        ),
        422,
        "invalid",
    ),
    (
        "Infinity pitch",
        _post_submission(
            b'{"idempotency_key":"hostile-key-1","outcome":"cameras","tags":[{"heading":1,"pitch":Infinity,'
            b'"attachment":"building","camera_type":"bullet"}]}',
            raw=True,
        ),
        422,
        "invalid",
    ),
    ("heading as text", _post_submission(with_tag(heading="north")), 422, "invalid"),
    ("tags not a list", _post_submission(ok_body(tags={"heading": 1})), 422, "invalid"),
    (
        "51 tags",
        _post_submission(submission("hostile-key-1", *[tag(i * 7.0) for i in range(51)])),
        422,
        "invalid",
    ),
    ("unknown attachment", _post_submission(with_tag(attachment="lamp_post")), 422, "invalid"),
    ("unknown camera type", _post_submission(with_tag(camera_type="fisheye")), 422, "invalid"),
    ("unknown outcome", _post_submission(ok_body(outcome="maybe")), 422, "invalid"),
    (
        "cameras without tags",
        _post_submission(submission("hostile-key-1", outcome="cameras")),
        422,
        "invalid",
    ),
    ("no_cameras with tags", _post_submission(ok_body(outcome="no_cameras")), 422, "invalid"),
    (
        "problem without details",
        _post_submission(submission("hostile-key-1", outcome="problem")),
        422,
        "invalid",
    ),
    (
        "unknown problem kind",
        _post_submission(submission("hostile-key-1", outcome="problem", problem={"kind": "bored"})),
        422,
        "invalid",
    ),
    (
        "comment of 1001 characters",
        _post_submission(
            submission(
                "hostile-key-1", outcome="problem", problem={"kind": "other", "comment": "x" * 1001}
            )
        ),
        422,
        "invalid",
    ),
    ("unexpected field", _post_submission(ok_body(admin=True)), 422, "invalid"),
    ("short idempotency key", _post_submission(submission("k", tag())), 422, "invalid"),
    ("base heading without base pitch", _post_submission(with_tag(base_heading=3)), 422, "invalid"),
    (
        "base above the camera",
        _post_submission(with_tag(base_heading=3, base_pitch=20)),
        422,
        "invalid",
    ),
    ("malformed JSON", _post_submission(b'{"idempotency_key": ', raw=True), 422, "invalid"),
    (
        "oversized body",
        _post_submission(json.dumps(ok_body(pad="x" * 2_000_000)).encode(), raw=True),
        413,
        "payload_too_large",
    ),
    ("another user's lease", _post_submission(ok_body(), who="bob"), 403, "not_your_lease"),
    ("expired lease", _post_submission(ok_body(), lease="expired"), 409, "lease_expired"),
    ("used lease, new key", _post_submission(ok_body(), lease="used"), 409, "lease_used"),
    (
        "replayed key, other body",
        _post_submission(submission("used-key-0001", tag(99)), lease="used"),
        409,
        "idempotency_conflict",
    ),
    ("no token", _post_submission(ok_body(), who="nobody"), 401, "not_authenticated"),
    # Without any credentials the login is refused before the body is checked (README: the body
    # comes before a token's check on the decoding loop, not before having none).
    ("no token, invalid body", _post_submission({}, who="nobody"), 401, "not_authenticated"),
    (
        "skip without a token",
        lambda c, w: c.post(f"/api/v1/assignments/{w.live}/skip"),
        401,
        "not_authenticated",
    ),
    (
        "forged token, invalid body",
        lambda c, w: c.post(
            f"/api/v1/assignments/{w.live}/submission",
            json={},
            headers={"Authorization": "Bearer forged"},
        ),
        422,
        "invalid",
    ),
    (
        "forged token",
        lambda c, w: c.post(
            f"/api/v1/assignments/{w.live}/submission",
            json=ok_body(),
            headers={"Authorization": "Bearer forged"},
        ),
        401,
        "invalid_token",
    ),
    ("unknown lease", _post_submission(ok_body(), lease="999999999"), 404, "assignment_not_found"),
    ("lease id not a number", _post_submission(ok_body(), lease="abc"), 422, "invalid"),
    (
        "bad bearer token",
        lambda c, w: c.post(
            f"/api/v1/campaigns/{w.slug}/assignments", headers={"Authorization": "Bearer forged"}
        ),
        401,
        "invalid_token",
    ),
    (
        "lease on unknown campaign",
        lambda c, w: c.post("/api/v1/campaigns/nope/assignments", headers=w.alice),
        404,
        "campaign_not_found",
    ),
    (
        "skip another user's lease",
        lambda c, w: c.post(f"/api/v1/assignments/{w.live}/skip", headers=w.bob),
        403,
        "not_your_lease",
    ),
    (
        "decoder creates a campaign",
        lambda c, w: c.post("/api/v1/campaigns", json={"slug": "x", "name": "X"}, headers=w.alice),
        403,
        "insufficient_role",
    ),
    (
        "empty flag",
        lambda c, w: c.post(f"/api/v1/tasks/{w.task}/flags", json={"body": ""}, headers=w.alice),
        422,
        "invalid",
    ),
    (
        "flag of 2001 characters",
        lambda c, w: c.post(
            f"/api/v1/tasks/{w.task}/flags", json={"body": "y" * 2001}, headers=w.alice
        ),
        422,
        "invalid",
    ),
    (
        "anonymous flag",
        lambda c, w: c.post(f"/api/v1/tasks/{w.task}/flags", json={"body": "hi"}),
        401,
        "not_authenticated",
    ),
    (
        "register with half credentials",
        lambda c, w: c.post("/api/v1/auth/register", json={"email": "a@b.org"}),
        422,
        "email_and_password_together",
    ),
]


@pytest.mark.parametrize(("name", "call", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_hostile_request_is_refused_and_changes_nothing(
    client: TestClient,
    session: Session,
    world: World,
    name: str,
    call: Call,
    status: int,
    code: str,
) -> None:
    before = snapshot(session)
    response = call(client, world)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert snapshot(session) == before


def test_the_table_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_idempotency_key_reused_on_another_lease_is_a_conflict(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    make_task(session, campaign)
    make_task(session, campaign)
    headers = bearer(session, make_user(session))
    path = f"/api/v1/campaigns/{campaign.slug}/assignments"
    first = client.post(path, headers=headers).json()
    body = submission("reused-key-01")
    assert (
        client.post(
            f"/api/v1/assignments/{first['id']}/submission", json=body, headers=headers
        ).status_code
        == 201
    )
    second = client.post(path, headers=headers).json()
    response = client.post(
        f"/api/v1/assignments/{second['id']}/submission", json=body, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/campaigns/a%00b", None),
        ("get", "/api/v1/campaigns/x/cameras?area=a%00b", None),
        ("get", "/tiles/a%00b/cameras/0/0/0.mvt", None),
        (
            "post",
            "/api/v1/auth/register",
            b'{"email":"n@x.org","password":"12345678","display_name":"a\\u0000b"}',
        ),
    ],
)
def test_nul_characters_are_a_422_not_a_500(
    client: TestClient, method: str, path: str, body: bytes | None
) -> None:
    headers = {"content-type": "application/json"}
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
