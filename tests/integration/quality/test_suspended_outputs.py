"""A suspended decoder's votes are out of every published output (issue 10.3), over HTTP."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign
from app.services.accounts.stats import user_stats
from app.services.reconciliation.run import reconcile_campaign
from tests.factories import bearer, make_campaign, make_submission, make_task, make_user, tag
from tests.integration.quality.helpers import decode, staff


def _published(client: TestClient, campaign: Campaign) -> dict[str, Any]:
    base = f"/api/v1/campaigns/{campaign.slug}"
    page = client.get(f"{base}/tags").json()
    dump = client.get(f"{base}/tags?download=true").text
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}/tags?format=csv").text)))
    seq = [
        json.loads(r) for r in client.get(f"{base}/tags?format=geojsonseq").text.split("\x1e")[1:]
    ]
    counts = client.get(f"{base}/counts").json()["features"]
    cameras = client.get(f"{base}/cameras?status=all").json()["features"]
    return {
        "page": sorted(f["properties"]["decoder"] for f in page["features"]),
        "matched": page["numberMatched"],
        "download": sorted(f["properties"]["decoder"] for f in json.loads(dump)["features"]),
        "csv": sorted(r["decoder"] for r in rows),
        "seq": sorted(f["properties"]["decoder"] for f in seq),
        "median_all": [f["properties"]["median_all"] for f in counts],
        "voters": sorted(f["properties"]["voters"] for f in cameras),
        "submissions": client.get(f"{base}/progress").json()["submissions"],
    }


def test_suspended_decoders_tags_and_votes_leave_every_output_and_come_back(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0, votes_per_task=3)
    make_task(session, campaign)
    spammer, *honest = (make_user(session) for _ in range(4))
    headers: dict[int, dict[str, str]] = {u.id: bearer(session, u) for u in (spammer, *honest)}
    decode(client, campaign, headers[spammer.id], tag(300, 40), tag(100, 30))
    for user in honest[:2]:
        decode(client, campaign, headers[user.id], tag(10, 8))
    reconcile_campaign(session, campaign=campaign)
    pseudonym = {u.id: u.public_id for u in (spammer, *honest)}
    before = _published(client, campaign)
    assert before["page"].count(spammer.public_id) == 2
    assert before["csv"] == before["download"] == before["seq"] == before["page"]
    assert before["submissions"] == 3

    _, coordinator = staff(session, "coordinator")
    done = client.post(
        f"/api/v1/decoders/{spammer.public_id}/suspend", json={}, headers=coordinator
    )
    assert done.status_code == 200, done.text
    # The task went back to the pool for a replacement vote, which completes it again.
    decode(client, campaign, headers[honest[2].id], tag(10.4, 8))
    reconcile_campaign(session, campaign=campaign)
    during = _published(client, campaign)
    expected = sorted(pseudonym[u.id] for u in honest)
    for output in ("page", "download", "csv", "seq"):
        assert during[output] == expected, output
    assert during["matched"] == 3
    assert during["median_all"] == [1.0]
    assert during["voters"] == [3]  # one camera, seen by the three honest decoders only
    assert during["submissions"] == 3

    # The suspended decoder still sees what they did, marked as not counted.
    stats = client.get("/api/v1/me/stats", headers=headers[spammer.id]).json()
    assert (stats["tasks_done"], stats["cameras_tagged"]) == (1, 2)
    assert stats["suspended_at"] is not None and stats["answers_counted"] == 0
    honest_stats = client.get("/api/v1/me/stats", headers=headers[honest[0].id]).json()
    assert (honest_stats["suspended_at"], honest_stats["answers_counted"]) == (None, 1)

    back = client.post(f"/api/v1/decoders/{spammer.public_id}/reinstate", headers=coordinator)
    assert back.status_code == 200
    reconcile_campaign(session, campaign=campaign)
    after = _published(client, campaign)
    for output in ("page", "download", "csv", "seq"):
        assert after[output] == sorted([*expected, spammer.public_id, spammer.public_id]), output
    assert after["submissions"] == 4
    # The earliest three votes count again: the reinstated decoder's among them.
    assert after["median_all"] == [1.0]
    stats = client.get("/api/v1/me/stats", headers=headers[spammer.id]).json()
    assert (stats["suspended_at"], stats["answers_counted"]) == (None, 1)


def test_answers_counted_are_the_votes_that_count(session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=1, known_answer_every=0)
    tutorial = make_task(session, campaign, is_tutorial=True, known_answer=[])
    pool = make_task(session, campaign)
    excluded = make_task(session, campaign, status="excluded")
    user = make_user(session)
    for task in (tutorial, pool, excluded):
        make_submission(session, task, user)
    stats = user_stats(session, user_id=user.id)
    # A tutorial answer and a vote on an excluded task are things done, not votes counted.
    assert (stats.tasks_done, stats.answers_counted) == (3, 1)
