"""Property (issue 9.5): a cluster that all N decoders of a task tagged is always confirmed.

Whatever else is in the campaign (spammers clicking everywhere, decoders who tag nothing,
known answers elsewhere, a neighbour that sees the same camera, N from 3 to 5), a full
reconciliation confirms the camera that every look at one panorama tagged, or the
triangulated camera it became part of.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.triangulation import from_local
from app.models import Campaign, Task, User
from app.services.reconciliation.run import reconcile_campaign
from tests.factories import make_campaign, make_submission, make_task, make_user, tag

LAT0, LON0 = 40.7580, -73.9857
T0 = datetime(2021, 5, 1, 12, tzinfo=UTC)
_HOLDER = """
SELECT coalesce(m.status, c.status) AS status
FROM camera_tags ct JOIN cameras c ON c.id = ct.camera_id
LEFT JOIN cameras m ON m.id = c.merged_into_id
WHERE ct.tag_id = ANY(:tags) AND c.n_panoramas = 1
"""


def _task(session: Session, campaign: Campaign, rng: random.Random, **kw: Any) -> Task:
    lat, lon = from_local(LAT0, LON0, rng.uniform(-150, 150), rng.uniform(-150, 150))
    return make_task(session, campaign, lat=lat, lon=lon, **kw)


def _noise(rng: random.Random, spammer: bool, avoid: float | None) -> list[dict[str, Any]]:
    """Random clicks; a spammer's are many. Kept 20° away from `avoid` (the unanimous one)."""
    out = []
    for _ in range(rng.randint(4, 12) if spammer else rng.choice((0, 0, 1, 2))):
        heading = rng.uniform(0, 360)
        if avoid is not None and abs((heading - avoid + 180) % 360 - 180) < 20:
            continue
        attachment = rng.choice(("street_furniture", "building", "other"))
        out.append(
            tag(heading, rng.uniform(-5, 30), attachment=attachment, zoom=rng.choice((1, 2)))
        )
    return out


def _answer(
    session: Session, task: Task, users: list[User], rng: random.Random, spammers: set[int],
    unanimous: tuple[float, float] | None = None,
) -> list[int]:  # fmt: skip
    """Each user answers the task; with `unanimous`, each also tags that direction once."""
    tag_ids = []
    for k, user in enumerate(users):
        tags = _noise(rng, user.id in spammers, unanimous[0] if unanimous else None)
        if unanimous is not None:
            h, p = unanimous
            tags.append(tag((h + rng.gauss(0, 0.4)) % 360, p + rng.gauss(0, 0.4), zoom=2.0))
        stored = make_submission(session, task, user, *tags, started_at=T0 + timedelta(minutes=k))
        if unanimous is not None:
            tag_ids.append(
                int(
                    session.scalar(
                        text("SELECT max(id) FROM tags WHERE submission_id = :s"), {"s": stored.id}
                    )
                )
            )
    return tag_ids


@pytest.mark.parametrize("seed", range(6))
def test_a_cluster_every_decoder_tagged_is_confirmed_whatever_else_is_in_the_campaign(
    session: Session, seed: int
) -> None:
    rng = random.Random(seed)
    votes = rng.choice((3, 4, 5))
    campaign = make_campaign(session, votes_per_task=votes)
    crowd = [make_user(session) for _ in range(votes + rng.randint(1, 5))]
    spammers = {u.id for u in rng.sample(crowd, rng.randint(0, 2))}
    for _ in range(rng.randint(2, 10)):
        known = None
        if rng.random() < 0.3:
            known = [{"heading": rng.uniform(0, 360), "pitch": rng.uniform(0, 20)}]
        task = _task(session, campaign, rng, known_answer=known)
        _answer(session, task, rng.sample(crowd, votes), rng, spammers)
    direction = (rng.uniform(0, 360), rng.uniform(-2, 25))
    target = _task(session, campaign, rng)
    tag_ids = _answer(session, target, rng.sample(crowd, votes), rng, spammers, direction)
    if rng.random() < 0.5:
        # A neighbour 30 m away sees roughly the same direction: matching may merge them.
        lat, lon = session.execute(
            text("SELECT ST_Y(geom), ST_X(geom) FROM panoramas WHERE id = :p"),
            {"p": target.panorama_id},
        ).one()
        near = make_task(session, campaign, lat=lat + 30 / 111_320, lon=lon)
        heading = (direction[0] + rng.uniform(-30, 30)) % 360
        _answer(session, near, rng.sample(crowd, votes), rng, spammers, (heading, direction[1]))
    reconcile_campaign(session, campaign=campaign, full=True)
    statuses = {r for (r,) in session.execute(text(_HOLDER), {"tags": tag_ids})}
    assert statuses == {"confirmed"}
