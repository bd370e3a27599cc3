"""Why the platform misses or wrongly confirms cameras on the published-format simulation.

    .venv/bin/python -m bench.amnesty_diagnose --seed 1 [--panoramas 2152] [--show 5]

Imports and reconciles one simulated campaign as bench/amnesty_compare.py does, then traces
every confirmed camera and every target back to the tags (truth.json says which true camera
each tag was aimed at) and sorts the errors by cause: a false positive is a duplicate (its
tags' camera is published elsewhere too), off (the right camera, placed > 20 m away), or
false (most of its tags were aimed at nothing / at several cameras); a missed target is off,
split (its tags are spread over clusters of which none is confirmed), weak (one cluster, not
confirmed), merged-away (its sighting joined a triangulated camera placed elsewhere) or taken
(a confirmed camera is near it but the one-to-one match gave it to another camera).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.amnesty_compare import confirmed, import_and_reconcile
from bench.sim_amnesty import WorldConfig, write_campaign
from bench.sim_baselines import MATCH_M, Campaign, _xy, load, score

_CAMERAS = """
SELECT c.id, c.task_id, c.status, c.merged_into_id, c.support, c.voters, c.location_method,
       c.n_panoramas, ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon, c.attachment, c.pitch
FROM cameras c WHERE c.campaign_id = :c
"""
_TAGS = """
SELECT ct.camera_id, s.external_ref AS sub, g.external_ref AS ordinal, g.user_id
FROM camera_tags ct JOIN tags g ON g.id = ct.tag_id JOIN submissions s ON s.id = g.submission_id
JOIN cameras c ON c.id = ct.camera_id WHERE c.campaign_id = :c
"""


def diagnose(session: Session, campaign_id: int, files: Campaign) -> dict[str, Any]:
    """Error counts by cause, and a few examples of each."""
    lat0, lon0 = files.truth["origin"]
    truth_xy = {int(c["id"]): _xy(lat0, lon0, c["lat"], c["lon"]) for c in files.truth["cameras"]}
    cams = {int(r["id"]): dict(r) for r in session.execute(text(_CAMERAS), {"c": campaign_id})
            .mappings()}  # fmt: skip
    aimed: dict[int, list[int | None]] = defaultdict(list)
    for r in session.execute(text(_TAGS), {"c": campaign_id}).mappings():
        aimed[int(r["camera_id"])].append(files.truth["tags"].get(f"{r['sub']}/{r['ordinal']}"))
    for c in cams.values():
        c["xy"] = _xy(lat0, lon0, c["lat"], c["lon"])
        votes = Counter(aimed.get(c["id"], []))
        c["aim"], c["aim_n"] = votes.most_common(1)[0] if votes else (None, 0)
        c["tags"] = sum(votes.values())
    published = [c for c in cams.values() if c["status"] == "confirmed"]
    # One-to-one matching, as the scorer does.
    pairs = []
    for c in published:
        for tid, (x, y) in truth_xy.items():
            d = math.hypot(x - c["xy"][0], y - c["xy"][1])
            if d <= MATCH_M:
                pairs.append((d, c["id"], tid))
    pairs.sort()
    match: dict[int, int] = {}
    taken: set[int] = set()
    for _, cid, tid in pairs:
        if cid not in match and tid not in taken:
            match[cid] = tid
            taken.add(tid)
    by_aim: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in published:
        if c["aim"] is not None:
            by_aim[c["aim"]].append(c)
    fp: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)

    def note(kind: str, counter: Counter[str], what: str) -> None:
        counter[kind] += 1
        examples[kind].append(what)

    for c in published:
        if c["id"] in match:
            continue
        desc = (
            f"cam {c['id']} task {c['task_id']} {c['location_method']} {c['support']}/"
            f"{c['voters']} aim {c['aim']} ({c['aim_n']}/{c['tags']}) {c['attachment']} "
            f"pitch {c['pitch']:.1f}"
        )
        if c["aim"] is None or 2 * c["aim_n"] <= c["tags"]:
            note("fp: false or mixed tags", fp, desc)
        elif c["aim"] in taken and any(o["id"] in match for o in by_aim[c["aim"]] if o is not c):
            note("fp: duplicate of a published camera", fp, desc)
        else:
            tx, ty = truth_xy[c["aim"]]
            off = math.hypot(tx - c["xy"][0], ty - c["xy"][1])
            note("fp: right camera, placed off", fp, f"{desc} off {off:.0f} m")
    miss: Counter[str] = Counter()
    holders: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in cams.values():
        for tid in set(aimed.get(c["id"], [])):
            if tid is not None and c["n_panoramas"] == 1:
                holders[tid].append(c)
    ranges: dict[int, float] = {}
    seen_from: dict[int, set[str]] = defaultdict(set)
    for pano, rows in files.looks.items():
        px, py = _xy(lat0, lon0, *files.truth["panoramas"][pano])
        who: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            for t in files.tags[r["SubmissionId"]]:
                cam = files.truth["tags"][f"{r['SubmissionId']}/{t['Id']}"]
                if cam is not None:
                    who[cam].add(r["DecoderId"])
        for cam, ds in who.items():
            seen_from[cam].add(pano)
            if len(ds) >= 2:
                ranges[cam] = math.dist(truth_xy[cam], (px, py))
    for tid in sorted(files.targets - taken):
        held = holders.get(tid, [])
        statuses = Counter(c["status"] for c in held)
        tx, ty = truth_xy[tid]
        near = [c for c in published if math.hypot(tx - c["xy"][0], ty - c["xy"][1]) <= MATCH_M]
        desc = f"target {tid} held by {dict(statuses)}"
        mine = [c for c in published if c["aim"] == tid]
        merged_parents = {c["merged_into_id"] for c in held if c["status"] == "merged"}
        desc += f" at {ranges.get(tid, math.nan):.0f} m, seen from {len(seen_from[tid])} panoramas"
        if mine:
            m = min(mine, key=lambda c: math.hypot(tx - c["xy"][0], ty - c["xy"][1]))
            off = math.hypot(tx - m["xy"][0], ty - m["xy"][1])
            where = f"{desc} off {off:.0f} m {m['location_method']} pitch {m['pitch']:.1f}"
            if off > MATCH_M:
                note("miss: published, placed > 20 m off", miss, where)
            else:
                other = match.get(m["id"])
                gap = math.dist(truth_xy[other], (tx, ty)) if other is not None else math.nan
                note("miss: published near it, matched to another", miss,
                     f"{where}; matched camera {other} {gap:.1f} m away")  # fmt: skip
        elif merged_parents and any(cams[p]["status"] == "confirmed" for p in merged_parents):
            note("miss: merged into a camera aimed elsewhere", miss, desc)
        elif near:
            note("miss: a confirmed camera is near, matched to another", miss, desc)
        elif len([c for c in held if c["status"] != "merged"]) > 1:
            note("miss: split over clusters, none confirmed", miss, desc)
        else:
            note("miss: not confirmed", miss, desc)
    bins: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for tid in files.targets:
        low = int(ranges.get(tid, 0) // 10) * 10
        label = f"{low:>2d}-{low + 10} m"
        bins[label][0] += 1
        bins[label][1] += tid not in taken
    return {"fp": dict(fp), "miss": dict(miss), "examples": examples, "bins": dict(bins)}


_PLACES = """
SELECT c.id, c.status, c.n_panoramas, c.pitch, c.attachment, c.support, c.voters,
       c.location_method, ST_Distance(p.geom::geography, c.geom::geography) AS used_m,
       ST_Distance(p.geom::geography, m.geom::geography) AS parent_m,
       ST_Y(p.geom) AS plat, ST_X(p.geom) AS plon
FROM cameras c JOIN tasks t ON t.id = c.task_id JOIN panoramas p ON p.id = t.panorama_id
LEFT JOIN cameras m ON m.id = c.merged_into_id
WHERE c.campaign_id = :c AND c.n_panoramas = 1
"""


def places(session: Session, campaign_id: int, files: Campaign) -> list[dict[str, Any]]:
    """Per single-panorama camera: pitch, attachment, range used, true range of its camera."""
    lat0, lon0 = files.truth["origin"]
    truth_xy = {int(c["id"]): _xy(lat0, lon0, c["lat"], c["lon"]) for c in files.truth["cameras"]}
    aimed: dict[int, list[int | None]] = defaultdict(list)
    for r in session.execute(text(_TAGS), {"c": campaign_id}).mappings():
        aimed[int(r["camera_id"])].append(files.truth["tags"].get(f"{r['sub']}/{r['ordinal']}"))
    out = []
    for r in session.execute(text(_PLACES), {"c": campaign_id}).mappings():
        votes = Counter(aimed.get(int(r["id"]), []))
        aim = votes.most_common(1)[0][0] if votes else None
        px, py = _xy(lat0, lon0, r["plat"], r["plon"])
        true_m = math.dist(truth_xy[aim], (px, py)) if aim is not None else None
        kept = {k: v for k, v in r.items() if k not in ("plat", "plon")}
        out.append({**kept, "aim": aim, "true_m": true_m})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--panoramas", type=int, default=2152)
    parser.add_argument("--show", type=int, default=5)
    parser.add_argument("--dump", type=Path, help="write per-camera ranges as JSON here")
    args = parser.parse_args()
    from app import migrate
    from tests import db as testdb

    name = f"decoders_diagnose_{os.getpid()}"
    url = testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            truth = write_campaign(directory, WorldConfig(seed=args.seed, panoramas=args.panoramas))
            files = load(directory, truth)
            with Session(engine) as session:
                run = import_and_reconcile(session, directory, slug="diag")
                s = score(confirmed(session, run["campaign_id"]), files)
                print(
                    f"precision {s['precision']:.3f} recall {s['recall']:.3f} "
                    f"({s['predictions']} confirmed, {s['targets']} targets) {s['location']}"
                )
                report = diagnose(session, run["campaign_id"], files)
                if args.dump:
                    rows = places(session, run["campaign_id"], files)
                    args.dump.write_text(json.dumps(rows, default=float))
        engine.dispose()
    finally:
        testdb.drop_database(name)
    for label, (n, missed) in sorted(report["bins"].items()):
        print(f"targets at {label}: {n:5d}, missed {missed:4d}")
    for group in ("fp", "miss"):
        for kind, n in sorted(report[group].items(), key=lambda kv: -kv[1]):
            print(f"{n:5d}  {kind}")
            for line in report["examples"][kind][: args.show]:
                print(f"         {line}")


if __name__ == "__main__":
    main()
