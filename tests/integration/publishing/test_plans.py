"""Pages of a known layer cost one statement, and that statement notices when its plan is stale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.models import Campaign
from tests.factories import make_campaign, make_task
from tests.publishing_factories import make_camera

# The test app runs each request in a savepoint of the test's transaction (tests/conftest.py).
_HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL run on `engine` inside the block, but for the harness's savepoints."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.lstrip().upper().startswith(_HARNESS):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _seed(session: Session, slug: str, n: int = 3) -> Campaign:
    campaign = make_campaign(session, slug=slug, name="Plans")
    for i in range(n):
        make_camera(session, campaign, lon=-73.99 + i * 0.001, lat=40.75)
    return campaign


def test_a_known_page_is_one_statement(
    client: TestClient, session: Session, engine: Engine
) -> None:
    _seed(session, "plan-one")
    urls = (
        "/api/v1/campaigns/plan-one/cameras?limit=2",
        "/ogc/collections/plan-one-cameras/items?limit=2",
        "/api/v1/campaigns/plan-one/counts?limit=2",
    )
    for url in urls:
        first = client.get(url)
        with statements(engine) as seen:
            again = client.get(url)
        assert again.status_code == first.status_code == 200
        # The page, its campaign and its result version, together; the count is kept.
        assert len(seen) == 1, (url, seen)
        assert "campaigns.slug" in seen[0] and "result_versions" in seen[0]
        assert again.json()["numberMatched"] == first.json()["numberMatched"]


def test_a_kept_plan_follows_the_campaign(client: TestClient, session: Session) -> None:
    campaign = _seed(session, "plan-follow")
    url = "/api/v1/campaigns/plan-follow/cameras?limit=2"
    ogc = "/ogc/collections/plan-follow-cameras/items?limit=2"
    assert client.get(url).json()["numberMatched"] == 3
    assert client.get(ogc).json()["numberMatched"] == 3
    # New results (a new result version): the count is taken again.
    make_camera(session, campaign, lon=-73.98, lat=40.76)
    assert client.get(url).json()["numberMatched"] == 4
    assert client.get(ogc).json()["numberMatched"] == 4
    # A new name is not a new result, and is read with every page.
    campaign.name = "Plans, renamed"
    session.flush()
    assert client.get(url).json()["name"] == "Plans, renamed"
    # Withdrawn: gone at once, though its plan is kept.
    campaign.status = "draft"
    session.flush()
    assert client.get(url).status_code == 404
    assert client.get(ogc).status_code == 404
    campaign.status = "open"
    campaign.slug = "plan-moved"
    session.flush()
    assert client.get(url).status_code == 404
    assert client.get(ogc).status_code == 404
    moved = client.get("/api/v1/campaigns/plan-moved/cameras?limit=2").json()
    assert moved["campaign"] == "plan-moved" and moved["numberMatched"] == 4


def test_a_slug_taken_over_by_another_campaign_serves_the_new_one(
    client: TestClient, session: Session
) -> None:
    old = _seed(session, "plan-reuse", n=2)
    url = "/api/v1/campaigns/plan-reuse/cameras"
    assert client.get(url).json()["numberReturned"] == 2
    old.slug = "plan-reuse-old"
    session.flush()
    _seed(session, "plan-reuse", n=1)
    assert client.get(url).json()["numberReturned"] == 1


def test_a_task_made_a_tutorial_leaves_the_imagery_counted(
    client: TestClient, session: Session
) -> None:
    # The metadata is kept per result version; a tutorial's panorama is not the campaign's
    # data, so making a task one is a new version (migration 0010), without a reconciliation.
    campaign = _seed(session, "plan-tutorial", n=1)
    tasks = [make_task(session, campaign, lon=-73.99 + i * 0.001, lat=40.75) for i in range(2)]
    url = "/api/v1/campaigns/plan-tutorial/cameras"

    def panoramas() -> int:
        return sum(row["panoramas"] for row in client.get(url).json()["imagery_licences"])

    assert panoramas() == 2
    tasks[0].is_tutorial = True
    session.flush()
    assert panoramas() == 1
    # A vote's changes to a task (its status, its counters) are not results: no new version.
    version = client.get("/tiles/plan-tutorial/cameras/3/1/1.mvt").headers["etag"]
    tasks[1].status, tasks[1].valid_submissions = "complete", 3
    session.flush()
    assert client.get("/tiles/plan-tutorial/cameras/3/1/1.mvt").headers["etag"] == version
