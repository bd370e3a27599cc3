"""The platform beside the plain-majority rule and the published method, on published-format data.

    .venv/bin/python -m bench.amnesty_compare --seeds 1 2 3      # ~2,152 panoramas each

For each seed: bench/sim_amnesty.py writes the four CSVs (no known answers, no base clicks);
they are imported with the same service as `decoders import amnesty` into a campaign of a
throwaway database and reconciled with `reconcile_campaign(full=True)` (what
`decoders reconcile --full` runs); confirmed cameras are scored by bench/sim_baselines.py
beside the two independent baselines computed from the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.sim_amnesty import WorldConfig, write_campaign
from bench.sim_baselines import Campaign as Files
from bench.sim_baselines import Prediction, load, plain_majority, published_method, score

FILES = ("intersections.csv", "panorama_url.csv", "counts.csv", "cameras.csv")


def import_and_reconcile(session: Session, directory: Path, *, slug: str) -> dict[str, Any]:
    """Import the files into a new campaign, run a full reconciliation; the run's summary."""
    from app.models import Campaign
    from app.services.imports import import_amnesty
    from app.services.reconciliation import reconcile_campaign

    campaign = Campaign(slug=slug, name=slug, status="open", votes_per_task=3)
    session.add(campaign)
    session.flush()
    files = {name: (directory / name).read_bytes() for name in FILES}
    import_amnesty(session, campaign=campaign, files=files)
    summary = reconcile_campaign(session, campaign=campaign, full=True)
    return {"campaign_id": campaign.id, "statuses": summary.statuses, "merged": summary.merged}


def confirmed(session: Session, campaign_id: int) -> list[Prediction]:
    """The campaign's published confirmed cameras."""
    rows = session.execute(
        text(
            "SELECT ST_Y(geom) AS lat, ST_X(geom) AS lon, location_method FROM cameras "
            "WHERE campaign_id = :c AND status = 'confirmed'"
        ),
        {"c": campaign_id},
    ).mappings()
    return [Prediction(float(r["lat"]), float(r["lon"]), str(r["location_method"])) for r in rows]


def compare(session: Session, directory: Path, files: Files, *, slug: str) -> dict[str, Any]:
    """Scores of the platform's confirmed cameras and of both baselines on one campaign."""
    clock = time.perf_counter()
    run = import_and_reconcile(session, directory, slug=slug)
    seconds = time.perf_counter() - clock
    return {
        "platform": score(confirmed(session, run["campaign_id"]), files),
        "plain_majority": score(plain_majority(files), files),
        "published_method": score(published_method(files), files),
        "statuses": run["statuses"],
        "seconds": round(seconds, 1),
    }


def _loc(s: dict[str, Any]) -> str:
    return "; ".join(
        f"{m} {v['median_m']:.1f} / {v['p90_m']:.1f} m (n {v['n']})"
        for m, v in s["location"].items()
    )


def table(results: dict[int, dict[str, Any]]) -> str:
    """The comparison as a Markdown table, one row per seed and method."""
    lines = [
        "| seed | method | cameras | precision | recall | location error median / p90 |",
        "|---|---|---|---|---|---|",
    ]
    for seed, r in results.items():
        for name in ("platform", "plain_majority", "published_method"):
            s = r[name]
            lines.append(
                f"| {seed} | {name.replace('_', ' ')} | {s['predictions']} | {s['precision']:.3f} "
                f"| {s['recall']:.3f} | {_loc(s)} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--panoramas", type=int, default=2152)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from app import migrate
    from tests import db as testdb

    name = f"decoders_amnesty_{os.getpid()}"
    url = testdb.create_database(name)
    results: dict[int, dict[str, Any]] = {}
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                directory = Path(tmp)
                truth = write_campaign(directory, WorldConfig(seed=seed, panoramas=args.panoramas))
                files = load(directory, truth)
                with Session(engine) as session:
                    results[seed] = compare(session, directory, files, slug=f"sim-{seed}")
                    session.commit()
            print(
                f"seed {seed}: statuses {results[seed]['statuses']}, {results[seed]['seconds']} s"
            )
        engine.dispose()
    finally:
        testdb.drop_database(name)
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
