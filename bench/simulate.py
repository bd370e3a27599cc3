"""Simulated campaign with known truth, decoded through the real submission path (issue 4.5).

    .venv/bin/python -m bench.simulate --seed 1 --columns 20 --rows 15

builds a street grid with true cameras (bench/sim_world.py), lets simulated
volunteers (misses, false alarms, click noise, label confusion, duplicate clicks,
base clicks, spammers) ask for tasks with app.services.assignment.next_task_for
and answer with app.services.submissions.submit, drains the reconciliation queue
task by task as the app's worker would, runs the campaign-wide step (cross-task
matching and reliability), and scores the result against the truth
(bench/sim_score.py). It runs in a fresh throwaway database unless --database-url
is given. `run_simulation` is what tests/integration/test_reconciliation_sim.py calls.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.domain.sphere import normalize_heading
from app.models import Campaign, Panorama, Task, User
from app.schemas.decoding import SubmissionCreate, TagIn
from app.services.accounts import new_public_id
from app.services.decoding import next_task_for, submit
from app.services.reconciliation import DrainResult, reconcile_campaign, run_one_job
from bench.sim_score import score
from bench.sim_world import (
    ATTACHMENTS,
    EYE_HEIGHT_M,
    DecoderProfile,
    SimConfig,
    Spot,
    Truth,
    _poisson,
    build_world,
    make_profiles,
)

TYPES = ("dome_ptz", "bullet", "unknown")


@dataclass
class SimResult:
    metrics: dict[str, Any]
    submissions: int
    decoders: int
    incremental_ms: list[float]
    seconds: dict[str, float]


def _tag(
    rng: random.Random, profile: DecoderProfile, heading: float, pitch: float
) -> dict[str, Any]:
    return {
        "heading": normalize_heading(heading),
        "pitch": max(-89.0, min(89.0, pitch)),
        "zoom": rng.choice((1.0, 2.0, 2.0, 3.0)),
    }


def _label(rng: random.Random, p: DecoderProfile, attachment: str, kind: str) -> dict[str, str]:
    if rng.random() < p.attachment_error:
        attachment = rng.choice([a for a in ATTACHMENTS if a != attachment])
    if rng.random() < p.type_unknown:
        kind = "unknown"
    elif rng.random() < p.type_error:
        kind = "bullet" if kind == "dome_ptz" else "dome_ptz"
    return {"attachment": attachment, "camera_type": kind}


def answer(rng: random.Random, p: DecoderProfile, spot: Spot) -> list[dict[str, Any]]:
    """One decoder's tags on one panorama."""
    tags: list[dict[str, Any]] = []
    for cam, bearing, pitch, distance in spot.visible:
        # Farther cameras are smaller: detection falls to half at the edge of visibility.
        chance = p.sensitivity * (1.0 if distance <= 30 else 1.0 - 0.5 * (distance - 30) / 20)
        if rng.random() >= chance:
            continue
        h, v = bearing + rng.gauss(0, p.noise_deg), pitch + rng.gauss(0, p.noise_deg)
        body = _tag(rng, p, h, v) | _label(rng, p, cam.attachment, cam.camera_type)
        if body["attachment"] != "other" and rng.random() < p.base_click:
            base = -math.degrees(math.atan2(EYE_HEIGHT_M, distance)) + rng.gauss(0, p.noise_deg)
            if base < body["pitch"] - 0.5:
                body["base_heading"] = normalize_heading(h + rng.gauss(0, p.noise_deg))
                body["base_pitch"] = base
        tags.append(body)
        if rng.random() < p.duplicate:  # a second click on the same camera
            tags.append(body | _tag(rng, p, h + rng.uniform(0.3, 1.2), v + rng.uniform(-0.5, 0.5)))
    for _ in range(_poisson(rng, p.false_alarms)):
        body = _tag(rng, p, rng.uniform(0, 360), rng.uniform(-2, 25))
        tags.append(
            body | {"attachment": rng.choice(ATTACHMENTS), "camera_type": rng.choice(TYPES)}
        )
    return tags[:50]


def setup(
    session: Session, truth: Truth, config: SimConfig, slug: str
) -> tuple[Campaign, dict[int, Spot]]:
    """The campaign, one panorama and task per spot (known answers where the spot has one)."""
    campaign = Campaign(
        slug=slug,
        name=f"Simulation {config.seed}",
        status="open",
        votes_per_task=config.votes,
        tutorial_tasks=config.tutorial_tasks,
        known_answer_every=config.known_every,
    )
    session.add(campaign)
    session.flush()
    spots: dict[int, Spot] = {}
    for spot in truth.world.spots:
        pano = Panorama(
            campaign_id=campaign.id,
            provider="equirect",
            image_url=f"/media/sim/{slug}/{spot.index}.jpg",
            geom=f"SRID=4326;POINT({spot.lon!r} {spot.lat!r})",
            captured_at=date(2021, 6, 1),
        )
        session.add(pano)
        session.flush()
        known = (
            [
                {"heading": b, "pitch": v, "attachment": c.attachment, "camera_type": c.camera_type}
                for c, b, v, _ in spot.visible
            ]
            if spot.known
            else None
        )
        task = Task(
            campaign_id=campaign.id,
            panorama_id=pano.id,
            is_tutorial=spot.tutorial,
            known_answer=known,
        )
        session.add(task)
        session.flush()
        spots[task.id] = spot
    return campaign, spots


def _new_decoder(session: Session, truth: Truth, profile: DecoderProfile) -> User:
    user = User(public_id=new_public_id(), role="decoder", is_anonymous=True)
    session.add(user)
    session.flush()
    truth.profiles[user.id] = profile
    return user


def decode(
    session: Session, campaign: Campaign, spots: dict[int, Spot], truth: Truth, config: SimConfig
) -> int:
    """Volunteers take turns asking for tasks and answering until every task has its votes."""
    rng = random.Random(config.seed + 1)
    profiles = make_profiles(config, rng)
    active = [(_new_decoder(session, truth, p), p) for p in profiles]
    done: dict[int, int] = {}
    submissions = 0
    grid_tasks = [t for t, s in spots.items() if not s.tutorial]
    while True:
        for user, profile in list(active):
            # The budget is checked before asking: a lease taken and abandoned would hold
            # the task's vote until it expires.
            lease = None
            if done.get(user.id, 0) < profile.budget:
                lease = next_task_for(session, campaign=campaign, user=user)
            if lease is None:
                active.remove((user, profile))
                continue
            tags = answer(rng, profile, spots[lease.task.id])
            payload = SubmissionCreate(
                idempotency_key=uuid.uuid4().hex,
                outcome="cameras" if tags else "no_cameras",
                tags=[TagIn(**t) for t in tags],
            )
            submit(session, assignment_id=lease.assignment.id, user=user, payload=payload)
            done[user.id] = done.get(user.id, 0) + 1
            submissions += 1
        if not active:
            open_left = (
                session.query(Task).filter(Task.id.in_(grid_tasks), Task.status == "open").count()
            )
            if open_left == 0:
                return submissions
            # New volunteers arrive while tasks remain (one in ten a spammer-like profile).
            extra = make_profiles(
                SimConfig(
                    seed=rng.randrange(1 << 30), decoders=4, spammers=int(rng.random() < 0.1)
                ),
                rng,
            )
            active = [(_new_decoder(session, truth, p), p) for p in extra]


def run_simulation(session: Session, config: SimConfig, *, slug: str | None = None) -> SimResult:
    """Build, decode, reconcile (incrementally, then campaign-wide) and score one world."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    truth = Truth(world=build_world(config))
    campaign, spots = setup(
        session, truth, config, slug or f"sim-{config.seed}-{uuid.uuid4().hex[:6]}"
    )
    submissions = decode(session, campaign, spots, truth, config)
    seconds["decode"] = time.perf_counter() - clock
    # The queue, one job at a time, as the worker drains it.
    incremental: list[float] = []
    result = DrainResult()
    while True:
        start = time.perf_counter()
        if not run_one_job(session, result=result):
            break
        incremental.append((time.perf_counter() - start) * 1000)
    clock = time.perf_counter()
    reconcile_campaign(session, campaign=campaign)
    seconds["campaign_run"] = time.perf_counter() - clock
    metrics = score(session, campaign=campaign, spots=spots, truth=truth)
    return SimResult(metrics, submissions, len(truth.profiles), incremental, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--rows", type=int, default=15)
    parser.add_argument("--decoders", type=int, default=60)
    parser.add_argument("--spammers", type=int, default=4)
    parser.add_argument("--database-url", help="use this database instead of a throwaway one")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args()
    config = SimConfig(
        seed=args.seed,
        columns=args.columns,
        rows=args.rows,
        decoders=args.decoders,
        spammers=args.spammers,
    )
    from sqlalchemy import create_engine

    from app import migrate
    from tests import db as testdb

    name = f"decoders_sim_{os.getpid()}"
    url = args.database_url or testdb.create_database(name)
    try:
        if not args.database_url:
            migrate.upgrade(url)
        engine = create_engine(url)
        with Session(engine) as session:
            result = run_simulation(session, config)
            session.commit()
        engine.dispose()
    finally:
        if not args.database_url:
            testdb.drop_database(name)
    if args.json:
        print(
            json.dumps(
                asdict(result) | {"incremental_ms": _percentiles(result.incremental_ms)}, indent=2
            )
        )
    else:
        from bench.sim_score import report

        print(report(result.metrics))
        inc = _percentiles(result.incremental_ms)
        print(
            f"\n{submissions_line(result)}; incremental step p50 {inc['p50']:.1f} ms, "
            f"p99 {inc['p99']:.1f} ms; campaign run {result.seconds['campaign_run']:.2f} s"
        )


def submissions_line(result: SimResult) -> str:
    return f"{result.submissions} submissions by {result.decoders} decoders"


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "n": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "n": len(ordered)}


if __name__ == "__main__":
    main()
