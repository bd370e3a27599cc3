"""One live server on a database of its own, seeded with the objects contract tests pin paths to.

Its own database, because the fuzzer commits whatever it manages to create (campaigns, users,
imports, flags); the suite's shared live database stays as other tests expect it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func
from sqlalchemy.orm import Session

from app import migrate
from app.models import Campaign, ReconcileRun, User
from app.services import accounts, decoding
from tests import db as testdb
from tests.factories import make_campaign, make_task, make_user
from tests.fake_imagery import TOKEN, fake_imagery
from tests.live import live_server
from tests.publishing_factories import (
    make_area,
    make_camera,
    make_count,
    make_location,
    make_tagged_submission,
)

SLUG = "contract"
# Status changes and settings go to a campaign of their own, so the fuzzer closing it (for good)
# does not stop the leases and submissions it tries on the main one.
VICTIM_SLUG = "contract-victim"


@dataclass(frozen=True)
class ContractWorld:
    """The live server and the ids of what it was seeded with."""

    base_url: str
    database_url: str
    decoder_token: str
    coordinator_token: str
    api_key: str
    task_id: int  # a task with a flag, counts and tags
    victim_task_id: int  # reopened and excluded by the fuzzer
    assignment_id: int  # the decoder's live lease
    victim_key_id: int  # revoked by the fuzzer
    camera_id: int

    def fresh_token(self, role: str) -> str:
        """A new login for a new user of `role` (for logout, which revokes the one it is given)."""
        engine = create_engine(self.database_url)
        try:
            with Session(engine) as session:
                user = make_user(session, email=None, password=None, role=role)
                token = accounts.issue_session(session, user=user, days=1).token
                session.commit()
        finally:
            engine.dispose()
        return token


def _seed(session: Session) -> dict[str, object]:
    coordinator = make_user(session, email="coordinator@contract.test", role="coordinator")
    decoder: User = make_user(session, email=None, password=None)
    tagger = make_user(session, email=None, password=None)
    campaign: Campaign = make_campaign(
        session, slug=SLUG, name="Contract", tutorial_tasks=0, known_answer_every=0
    )
    # A draft, so OGC API – Features lists only the main campaign's collections until the
    # fuzzer opens it (test_ogc_conformance runs first: its module sorts before the fuzzer's).
    make_campaign(session, slug=VICTIM_SLUG, name="Contract victim", status="draft")
    make_area(session, campaign, name="Lower", bounds=(-74.1, 40.6, -73.9, 40.8))
    tasks = [make_task(session, campaign, lon=-74.0 + i * 0.002, lat=40.7) for i in range(8)]
    for task in tasks[:4]:
        make_location(session, campaign, task=task, lon=-74.0, lat=40.7)
        make_count(session, task)
    make_tagged_submission(session, tasks[0], tagger, tags=2)
    # Each camera seen from a task, as reconciliation leaves them (it re-rates them when run).
    cameras = [
        make_camera(session, campaign, lon=-74.0 + i * 0.001, lat=40.7, task_id=tasks[i].id)
        for i in range(5)
    ]
    make_camera(session, campaign, lon=-74.0, lat=40.71, status="candidate", task_id=tasks[0].id)
    session.add(ReconcileRun(campaign_id=campaign.id, kind="full", method_version="test-1",
                             finished_at=func.now()))  # fmt: skip
    decoding.add_flag(session, task_id=tasks[0].id, user=decoder, body="Is this a camera?")
    lease = decoding.next_task_for(session, campaign=campaign, user=decoder)
    assert lease is not None
    _, api_key = accounts.create_key(
        session, name="contract", rate_per_minute=1_000_000, created_by=coordinator
    )
    victim_key, _ = accounts.create_key(
        session, name="victim", rate_per_minute=10, created_by=coordinator
    )
    seeded = {
        "decoder_token": accounts.issue_session(session, user=decoder, days=1).token,
        "coordinator_token": accounts.issue_session(session, user=coordinator, days=1).token,
        "api_key": api_key,
        "task_id": tasks[0].id,
        "victim_task_id": tasks[-1].id,
        "assignment_id": lease.assignment.id,
        "victim_key_id": victim_key.id,
        "camera_id": cameras[0].id,
    }
    session.commit()
    return seeded


@pytest.fixture(scope="session")
def contract_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractWorld]:
    """A migrated, seeded database and a uvicorn worker on it (imagery from a local fake)."""
    name = f"decoders_test_{os.getpid()}_contract"
    url = testdb.create_database(name)
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        seeded = _seed(session)
    engine.dispose()
    media: Path = tmp_path_factory.mktemp("contract-media")
    with fake_imagery() as fake:
        env = {
            "DECODERS_ANONYMOUS_READS_PER_MINUTE": "1000000",
            "DECODERS_LOGIN_PER_ADDRESS": "1000000",
            "DECODERS_LOGIN_PER_ACCOUNT": "1000000",
            "DECODERS_MAPILLARY_TOKEN": TOKEN,
            "DECODERS_MAPILLARY_API_URL": fake.mapillary_url,
            "DECODERS_PANORAMAX_URL": fake.panoramax_url,
            "DECODERS_IMAGERY_RETRIES": "0",
        }
        with live_server(url, media_dir=media, env=env) as base:
            yield ContractWorld(base_url=base, database_url=url, **seeded)  # type: ignore[arg-type]
    testdb.drop_database(name)
