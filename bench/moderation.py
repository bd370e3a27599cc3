"""Suspending the decoders the moderation ranking flags, measured (issue 10.5).

    .venv/bin/python -m bench.moderation --seed 1 --columns 12 --rows 10 --decoders 60

runs the simulated campaign of bench/simulate.py (real leases and submissions, the queue
drained task by task, then the campaign-wide run) with 5 % spammers, scores it against the
truth, then suspends every decoder the ranking (app.services.quality.ranking) flags, lets new
honest volunteers cast the replacement votes the reopened tasks need, reconciles again and
scores again. It prints confirmed-camera precision and recall, the count error of the
published median and of the confirmed cameras, and who was flagged.
"""

from __future__ import annotations

import argparse
import os
import random
from dataclasses import replace
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.models import Campaign
from app.services import quality
from app.services.reconciliation import DrainResult, reconcile_campaign, run_one_job
from bench import simulate
from bench.sim_score import score
from bench.sim_world import SimConfig, Truth, build_world


def _drain(session: Session) -> None:
    result = DrainResult()
    while run_one_job(session, result=result):
        pass


def _figures(m: dict[str, Any]) -> dict[str, float]:
    return {
        "precision": m["precision"],
        "recall": m["recall"],
        "confirmed": m["confirmed"],
        "median_mae": m["counts"]["median_of_n_mae"],
        "cameras_mae": m["counts"]["cameras_mae"],
    }


def run(session: Session, config: SimConfig) -> dict[str, Any]:
    """Simulate, score, suspend the flagged decoders, re-vote, reconcile, score again."""
    truth = Truth(world=build_world(config))
    campaign, spots = simulate.setup(session, truth, config, f"mod-{config.seed}")
    simulate.decode(session, campaign, spots, truth, config)
    _drain(session)
    reconcile_campaign(session, campaign=campaign)
    before = _figures(score(session, campaign=campaign, spots=spots, truth=truth))
    ranked = quality.ranking(session, campaign=campaign)
    flagged = [r for r in ranked if r.flagged]
    by_public = {u.public_id: uid for uid, u in _users(session, truth).items()}
    table = [
        (truth.profiles[by_public[r.decoder]].kind, r) for r in ranked if r.decoder in by_public
    ]
    kinds = [truth.profiles[by_public[r.decoder]].kind for r in flagged]
    reopened = 0
    for row in flagged:
        reopened += quality.suspend(
            session, public_id=row.decoder, by=None, reason="bench"
        ).reopened_tasks
    # Replacement votes from new, honest volunteers (the suspended ones get no task).
    honest = replace(
        config, seed=config.seed + 100, spammers=0, decoders=max(8, config.decoders // 4)
    )
    simulate.decode(session, session.get_one(Campaign, campaign.id), spots, truth, honest)
    _drain(session)
    reconcile_campaign(session, campaign=campaign)
    after = _figures(score(session, campaign=campaign, spots=spots, truth=truth))
    spammers = sum(p.kind == "spammer" for p in truth.profiles.values())
    return {
        "decoders": len(truth.profiles),
        "spammers": spammers,
        "flagged": len(flagged),
        "flagged_spammers": kinds.count("spammer"),
        "flagged_kinds": {k: kinds.count(k) for k in sorted(set(kinds))},
        "reopened_tasks": reopened,
        "before": before,
        "after": after,
        "table": table,
    }


def _users(session: Session, truth: Truth) -> dict[int, Any]:
    from app.models import User

    return {u.id: u for u in session.query(User).filter(User.id.in_(list(truth.profiles)))}


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--columns", type=int, default=12)
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--decoders", type=int, default=60)
    parser.add_argument("--spammer-share", type=float, default=0.05)
    parser.add_argument(
        "--table", action="store_true", help="Also print every decoder's kind and figures."
    )
    args = parser.parse_args()
    random.seed(args.seed)
    config = SimConfig(
        seed=args.seed,
        columns=args.columns,
        rows=args.rows,
        decoders=args.decoders,
        spammers=max(1, round(args.decoders * args.spammer_share)),
    )
    from app import migrate
    from tests import db as testdb

    name = f"decoders_mod_{os.getpid()}"
    url = testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        with Session(engine) as session:
            out = run(session, config)
        engine.dispose()
    finally:
        testdb.drop_database(name)
    print(
        f"{out['decoders']} decoders, {out['spammers']} spammers; flagged {out['flagged']} "
        f"({out['flagged_kinds']}); {out['reopened_tasks']} tasks reopened"
    )
    if args.table:
        print(f"{'kind':<9}{'looks':>6}{'sens':>7}{'fa':>7}{'known':>6}{'k_p':>6}{'k_r':>6}  flags")
        for kind, r in sorted(out["table"], key=lambda t: (t[0], t[1].decoder)):
            print(
                f"{kind:<9}{r.submissions:>6}{_f(r.sensitivity):>7}{_f(r.false_alarm):>7}"
                f"{r.known_tasks:>6}{_f(r.known_precision):>6}{_f(r.known_recall):>6}  "
                + ",".join(r.flag_reasons)
            )
    print(f"{'':<22}{'before':>10}{'after':>10}")
    for key in ("precision", "recall", "confirmed", "median_mae", "cameras_mae"):
        print(f"{key:<22}{out['before'][key]:>10.3f}{out['after'][key]:>10.3f}")


if __name__ == "__main__":
    main()
