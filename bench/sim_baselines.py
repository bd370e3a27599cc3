"""Independent scorers for the published-format simulation (bench/sim_amnesty.py).

Written from the raw CSVs and truth.json alone, with none of app's clustering, so that
comparing the platform with them is honest:

- `plain_majority`: greedy clusters per panorama within 6°, never two tags of one decoder,
  a camera where >= 2 distinct decoders agree, placed along the mean bearing at the distance
  that the mean pitch and a mounting-height prior give (the issue's yardstick);
- `published_method`: Decode Surveillance NYC's median of the earliest 3 counts, that many
  cameras placed at the panorama.

`score` matches predicted positions to true cameras one-to-one within MATCH_M, closest pairs
first. Precision: matched predictions / predictions. Recall: over the *targets*, the true
cameras that >= 2 distinct decoders of a panorama's earliest 3 submissions tagged.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MATCH_M = 20.0
CLUSTER_DEG = 6.0
VOTES = 3
# Mounting height by Attached (m), as the plain rule would guess it; eye at 2.5 m.
MOUNT_M = {"street_light/traffic_signal/road_sign": 4.5, "building": 4.0, "unknown": 3.5}
EARTH_M = 6_371_008.8


@dataclass(frozen=True)
class Prediction:
    lat: float
    lon: float
    method: str


def _xy(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    return (
        math.radians(lon - lon0) * EARTH_M * math.cos(math.radians(lat0)),
        math.radians(lat - lat0) * EARTH_M,
    )


def _ahead(lat: float, lon: float, bearing: float, distance: float) -> tuple[float, float]:
    b = math.radians(bearing)
    dlat = distance * math.cos(b) / EARTH_M
    dlon = distance * math.sin(b) / (EARTH_M * math.cos(math.radians(lat)))
    return lat + math.degrees(dlat), lon + math.degrees(dlon)


def _angle(h1: float, p1: float, h2: float, p2: float) -> float:
    v1 = _vec(h1, p1)
    v2 = _vec(h2, p2)
    dot = max(-1.0, min(1.0, sum(a * b for a, b in zip(v1, v2, strict=True))))
    return math.degrees(math.acos(dot))


def _near(a: tuple[str, float, float, str], b: tuple[str, float, float, str]) -> bool:
    return _angle(a[1], a[2], b[1], b[2]) <= CLUSTER_DEG


def _vec(h: float, p: float) -> tuple[float, float, float]:
    hr, pr = math.radians(h), math.radians(p)
    return (math.cos(pr) * math.sin(hr), math.cos(pr) * math.cos(hr), math.sin(pr))


@dataclass
class Campaign:
    """What the raw files and truth say, grouped by panorama (earliest VOTES submissions)."""

    pano_xy: dict[str, tuple[float, float]]  # GoogleLat, GoogleLong
    looks: dict[str, list[dict[str, Any]]]  # panorama -> earliest submissions (reconciled only)
    tags: dict[str, list[dict[str, Any]]]  # submission -> tags
    truth: dict[str, Any]
    targets: set[int]


def load(directory: Path, truth: dict[str, Any]) -> Campaign:
    """Read the four CSVs, pick each panorama's earliest 3 submissions, find the targets."""
    with (directory / "panorama_url.csv").open(newline="") as f:
        pano_xy = {
            r["PanoramaId"]: (float(r["GoogleLat"]), float(r["GoogleLong"]))
            for r in csv.DictReader(f)
        }
    with (directory / "intersections.csv").open(newline="") as f:
        pano_of = {r["IntersectionId"]: r["PanoramaId"] for r in csv.DictReader(f)}
    subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (directory / "counts.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            subs[pano_of[r["IntersectionId"]]].append(r)
    tags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (directory / "cameras.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            tags[r["SubmissionId"]].append(r)
    looks = {
        p: sorted(rows, key=lambda r: r["StartTime"])[:VOTES]
        for p, rows in subs.items()
        if len(rows) >= VOTES
    }
    targets: set[int] = set()
    for rows in looks.values():
        seen: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            for t in tags[r["SubmissionId"]]:
                cam = truth["tags"][f"{r['SubmissionId']}/{t['Id']}"]
                if cam is not None:
                    seen[cam].add(r["DecoderId"])
        targets |= {c for c, who in seen.items() if len(who) >= 2}
    return Campaign(pano_xy, looks, tags, truth, targets)


def plain_majority(c: Campaign) -> list[Prediction]:
    """Greedy 6° clusters, >= 2 distinct decoders, pitch + mounting-height distance."""
    out = []
    for pano, rows in c.looks.items():
        clicks = [
            (r["DecoderId"], float(t["Pov.heading"]) % 360.0, float(t["Pov.pitch"]), t["Attached"])
            for r in rows
            for t in c.tags[r["SubmissionId"]]
        ]
        free = list(range(len(clicks)))
        while free:
            # Seed: the click with the most other decoders' clicks within reach.
            near = {
                i: sum(
                    1 for j in free if clicks[j][0] != clicks[i][0] and _near(clicks[i], clicks[j])
                )
                for i in free
            }
            seed = max(free, key=lambda i: (near[i], -i))
            members = [seed]
            nearest: dict[str, tuple[float, int]] = {}
            for j in free:
                if clicks[j][0] == clicks[seed][0]:
                    continue
                d = _angle(clicks[seed][1], clicks[seed][2], clicks[j][1], clicks[j][2])
                if d <= CLUSTER_DEG and d < nearest.get(clicks[j][0], (math.inf, -1))[0]:
                    nearest[clicks[j][0]] = (d, j)
            members += [j for _, j in nearest.values()]
            free = [i for i in free if i not in members]
            if len({clicks[i][0] for i in members}) < 2:
                continue
            s = sum(math.sin(math.radians(clicks[i][1])) for i in members)
            co = sum(math.cos(math.radians(clicks[i][1])) for i in members)
            bearing = math.degrees(math.atan2(s, co)) % 360.0
            pitch = sum(clicks[i][2] for i in members) / len(members)
            attached = max(MOUNT_M, key=lambda a: sum(clicks[i][3] == a for i in members))
            height = MOUNT_M[attached] - 2.5
            distance = (
                15.0
                if pitch <= 1.0
                else min(40.0, max(3.0, height / math.tan(math.radians(pitch))))
            )
            lat, lon = _ahead(*c.pano_xy[pano], bearing, distance)
            out.append(Prediction(lat, lon, "pitch_prior"))
    return out


def published_method(c: Campaign) -> list[Prediction]:
    """The median of the earliest 3 counts per panorama, that many cameras at the panorama."""
    out = []
    for pano, rows in c.looks.items():
        medians = [
            sorted(int(r[k]) for r in rows)[1]
            for k in ("attached_street", "attached_building", "attached_unknown")
        ]
        lat, lon = c.pano_xy[pano]
        out += [Prediction(lat, lon, "panorama")] * sum(medians)
    return out


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def score(predictions: list[Prediction], c: Campaign) -> dict[str, Any]:
    """Precision, recall over the targets, and location error per method (one-to-one, 20 m)."""
    lat0, lon0 = c.truth["origin"]
    cams = {int(cam["id"]): _xy(lat0, lon0, cam["lat"], cam["lon"]) for cam in c.truth["cameras"]}
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for cid, (x, y) in cams.items():
        grid[(int(x // MATCH_M), int(y // MATCH_M))].append(cid)
    pairs = []
    for k, p in enumerate(predictions):
        x, y = _xy(lat0, lon0, p.lat, p.lon)
        gx, gy = int(x // MATCH_M), int(y // MATCH_M)
        for cx in (gx - 1, gx, gx + 1):
            for cy in (gy - 1, gy, gy + 1):
                for cid in grid.get((cx, cy), ()):
                    d = math.hypot(x - cams[cid][0], y - cams[cid][1])
                    if d <= MATCH_M:
                        pairs.append((d, k, cid))
    pairs.sort()
    used_p: set[int] = set()
    used_c: set[int] = set()
    errors: dict[str, list[float]] = defaultdict(list)
    for d, k, cid in pairs:
        if k in used_p or cid in used_c:
            continue
        used_p.add(k)
        used_c.add(cid)
        errors[predictions[k].method].append(d)
    n = len(predictions)
    return {
        "predictions": n,
        "targets": len(c.targets),
        "precision": len(used_p) / n if n else float("nan"),
        "recall": len(used_c & c.targets) / len(c.targets) if c.targets else float("nan"),
        "location": {
            m: {"n": len(e), "median_m": _quantile(e, 0.5), "p90_m": _quantile(e, 0.9)}
            for m, e in sorted(errors.items())
        },
    }
