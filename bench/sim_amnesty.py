"""A simulated campaign written as the published Decode Surveillance NYC files (DESIGN §8).

    .venv/bin/python -m bench.sim_amnesty --seed 1 --out /tmp/sim-1   # four CSVs + truth.json

The outside world's data, not ours: no known answers, no base clicks, Pov.heading / pitch /
zoom only, Attached as `street_light/traffic_signal/road_sign` / `building` / `unknown`, Type
empty off street furniture, GoogleLat/GoogleLong as the imagery's position (a few metres off
the requested intersection), several intersections sharing a PanoramaId, some panoramas with
fewer than 3 submissions. The world: intersections on a street grid 80-120 m apart; cameras on
street furniture and buildings near corners and mid-block; a camera is visible from every
panorama within VISIBLE_M. Decoders: a heavy-tailed number of tasks each; click noise per
decoder uniform in 0.5-2.5° per axis; they miss many cameras (building cameras 24-46 %, street
furniture 45-75 %, the NYC crowd's 24-46 % for building cameras), fewer far away; a few false
tags; a few double clicks; some wrong attachments and types. The numbers are assumptions about
volunteers, chosen from the issue's description of the published set, not fitted to our code.

`truth.json` holds the true cameras, the panoramas' true positions and, for every tag
(SubmissionId, Id), the true camera it was aimed at (null for a false tag): the scorers
(bench/sim_baselines.py) need it; the importer never sees it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain.triangulation import from_local
from tests.amnesty_data import HEADERS  # the published column order, one copy

LAT0, LON0 = 40.70, -73.95
EYE_HEIGHT_M = 2.5  # Street View's camera (DESIGN §5.3)
VISIBLE_M = 60.0
STREET = "street_light/traffic_signal/road_sign"
ATTACHED = {"street_furniture": STREET, "building": "building", "other": "unknown"}
HEIGHT_M = {"street_furniture": (3.5, 6.5), "building": (2.8, 9.0), "other": (2.5, 4.5)}
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_START = datetime(2021, 5, 3, tzinfo=UTC)


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 1
    panoramas: int = 2152
    decoders: int = 350
    corner_cameras: float = 0.4  # Poisson mean per corner (4 corners per intersection)
    mid_block: float = 0.35  # chance that a block face has a camera seen from both ends
    shared_panorama: float = 0.03  # extra intersections that share a neighbour's panorama
    short: float = 0.04  # panoramas with 1-2 submissions
    extra: float = 0.03  # panoramas with a fourth submission


@dataclass(frozen=True)
class Camera:
    camera_id: int
    x: float
    y: float
    height: float
    attachment: str
    camera_type: str  # dome or bullet


@dataclass(frozen=True)
class Decoder:
    ref: str
    generic: str
    noise_deg: float
    sensitivity: dict[str, float]
    false_tags: float  # mean false tags per panorama
    double_click: float
    label_error: float


@dataclass
class Pano:
    ref: str
    x: float  # imagery position (GoogleLat/GoogleLong)
    y: float
    intersections: list[tuple[str, float, float]] = field(default_factory=list)


def _fid(rng: random.Random, length: int = 20, prefix: str = "") -> str:
    return prefix + "".join(rng.choice(_ALPHABET) for _ in range(length - len(prefix)))


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _grid(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """Intersections: streets 80-120 m apart in both directions, a few metres of jitter."""
    side = math.ceil(math.sqrt(n))
    xs = [0.0]
    ys = [0.0]
    for _ in range(side):
        xs.append(xs[-1] + rng.uniform(80, 120))
        ys.append(ys[-1] + rng.uniform(80, 100))
    points = [
        (xs[i] + rng.uniform(-3, 3), ys[j] + rng.uniform(-3, 3))
        for j in range(side)
        for i in range(side)
    ]
    return points[:n]


def _cameras(
    rng: random.Random, points: list[tuple[float, float]], config: WorldConfig
) -> list[Camera]:
    cams: list[Camera] = []

    def add(x: float, y: float, attachment: str) -> None:
        low, high = HEIGHT_M[attachment]
        kind = "dome" if rng.random() < 0.45 else "bullet"
        cams.append(Camera(len(cams), x, y, rng.uniform(low, high), attachment, kind))

    by_xy = set(range(len(points)))
    side = math.ceil(math.sqrt(config.panoramas))
    for x, y in points:
        for corner in range(4):
            for _ in range(_poisson(rng, config.corner_cameras)):
                attachment = rng.choices(
                    ("street_furniture", "building", "other"), (0.5, 0.42, 0.08)
                )[0]
                angle = math.radians(45 + 90 * corner + rng.uniform(-30, 30))
                r = rng.uniform(5, 14) if attachment == "street_furniture" else rng.uniform(9, 30)
                add(x + r * math.sin(angle), y + r * math.cos(angle), attachment)
                if attachment == "street_furniture" and rng.random() < 0.08:
                    # A second camera on the same pole, ~0.6 m apart.
                    last = cams[-1]
                    add(
                        last.x + rng.uniform(-0.6, 0.6), last.y + rng.uniform(-0.6, 0.6), attachment
                    )
    for k in by_xy:
        i, j = k % side, k // side
        for di, dj in ((1, 0), (0, 1)):
            other = (j + dj) * side + i + di
            if i + di >= side or other >= len(points) or rng.random() >= config.mid_block:
                continue
            (ax, ay), (bx, by) = points[k], points[other]
            t = rng.uniform(0.35, 0.65)
            offset = rng.choice((-1, 1)) * rng.uniform(7, 12)
            cx = ax + t * (bx - ax) + offset * dj
            cy = ay + t * (by - ay) + offset * di
            add(cx, cy, rng.choices(("street_furniture", "building"), (0.5, 0.5))[0])
    return cams


def _decoders(rng: random.Random, n: int) -> list[Decoder]:
    out = []
    for _ in range(n):
        out.append(
            Decoder(
                ref=_fid(rng, 28),
                generic=f"{rng.randint(1, 40000)}.0",
                noise_deg=rng.uniform(0.5, 2.5),
                sensitivity={
                    "building": rng.uniform(0.24, 0.46),
                    "street_furniture": rng.uniform(0.45, 0.75),
                    "other": rng.uniform(0.2, 0.4),
                },
                false_tags=rng.uniform(0.02, 0.2),
                double_click=rng.uniform(0.0, 0.06),
                label_error=rng.uniform(0.03, 0.15),
            )
        )
    return out


def _view(pano: Pano, cam: Camera) -> tuple[float, float, float]:
    dx, dy = cam.x - pano.x, cam.y - pano.y
    rng = math.hypot(dx, dy)
    return (
        math.degrees(math.atan2(dx, dy)) % 360.0,
        math.degrees(math.atan2(cam.height - EYE_HEIGHT_M, rng)),
        rng,
    )


def _iso(moment: datetime, millis: bool = True) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond // 1000:03d}Z" if millis else "Z")


class _Writer:
    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.rows: dict[str, list[list[str]]] = {name: [] for name in HEADERS}
        self.tag_truth: dict[str, int | None] = {}
        self.submissions: list[dict[str, Any]] = []

    def build(self) -> dict[str, Any]:
        rng, config = self.rng, self.config
        points = _grid(rng, config.panoramas)
        cams = _cameras(rng, points, config)
        panos: list[Pano] = []
        for x, y in points:
            # The imagery sits a few metres from the requested intersection.
            px, py = x + rng.uniform(-6, 6), y + rng.uniform(-6, 6)
            pano = Pano(_fid(rng, 22), px, py, [(_fid(rng, 20, "AX"), x, y)])
            if rng.random() < config.shared_panorama:
                pano.intersections.append(
                    (_fid(rng, 20, "AX"), x + rng.uniform(-25, 25), y + rng.uniform(-25, 25))
                )
            panos.append(pano)
        decoders = _decoders(rng, config.decoders)
        weights = [1 / (k + 1) ** 0.8 for k in range(len(decoders))]
        cells: dict[tuple[int, int], list[Camera]] = {}
        for c in cams:
            cells.setdefault((int(c.x // VISIBLE_M), int(c.y // VISIBLE_M)), []).append(c)
        for index, pano in enumerate(panos):
            visible = self._visible(pano, cells)
            self._intersection_rows(index, pano)
            n = 3
            r = rng.random()
            if r < config.short:
                n = rng.choice((1, 2))
            elif r < config.short + config.extra:
                n = 4
            per_intersection = [n] + [rng.choice((1, 2, 3)) for _ in pano.intersections[1:]]
            chosen: set[int] = set()
            for (ref, _, _), k in zip(pano.intersections, per_intersection, strict=True):
                for _ in range(k):
                    while True:
                        who = rng.choices(range(len(decoders)), weights)[0]
                        if who not in chosen:
                            break
                    chosen.add(who)
                    self._submission(ref, pano, decoders[who], visible)
        return {
            "origin": [LAT0, LON0],
            "cameras": [self._camera_json(c) for c in cams],
            "panoramas": {p.ref: list(from_local(LAT0, LON0, p.x, p.y)) for p in panos},
            "tags": self.tag_truth,
            "submissions": self.submissions,
        }

    def _visible(
        self, pano: Pano, cells: dict[tuple[int, int], list[Camera]]
    ) -> list[tuple[Camera, float, float, float]]:
        cx, cy = int(pano.x // VISIBLE_M), int(pano.y // VISIBLE_M)
        out = []
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for cam in cells.get((gx, gy), ()):
                    h, p, d = _view(pano, cam)
                    if 3.0 <= d <= VISIBLE_M:
                        out.append((cam, h, p, d))
        return out

    def _camera_json(self, c: Camera) -> dict[str, Any]:
        lat, lon = from_local(LAT0, LON0, c.x, c.y)
        return {
            "id": c.camera_id,
            "lat": lat,
            "lon": lon,
            "attachment": c.attachment,
            "type": c.camera_type,
        }

    def _intersection_rows(self, index: int, pano: Pano) -> None:
        rng = self.rng
        glat, glon = from_local(LAT0, LON0, pano.x, pano.y)
        for ref, x, y in pano.intersections:
            lat, lon = from_local(LAT0, LON0, x, y)
            self.rows["intersections.csv"].append([
                ref, str(1000 + index), "Brooklyn", rng.choice(("TrafficLight", "")),
                f"{lat:.6f}", f"{lon:.6f}", pano.ref,
                f"{rng.randint(2015, 2021)}-{rng.randint(1, 12):02d}",
            ])  # fmt: skip
        lat, lon = from_local(LAT0, LON0, *pano.intersections[0][1:])
        self.rows["panorama_url.csv"].append(
            [pano.ref, f"{lat:.6f}", f"{lon:.6f}", f"{glat:.7f}", f"{glon:.7f}"]
        )

    def _submission(
        self, inter: str, pano: Pano, d: Decoder, visible: list[tuple[Camera, float, float, float]]
    ) -> None:
        rng = self.rng
        sub = "camera_mappingHIVEcamera_mapping-camera_mapping-" + _fid(rng, 24)
        start = _START + timedelta(seconds=rng.uniform(0, 40 * 86400))
        end = start + timedelta(seconds=rng.uniform(20, 400))
        clicks: list[tuple[int | None, float, float, str, str]] = []
        for cam, h, p, dist in visible:
            falloff = 1.0 if dist <= 25 else 1.0 - 0.6 * (dist - 25) / (VISIBLE_M - 25)
            if rng.random() >= d.sensitivity[cam.attachment] * falloff:
                continue
            attachment = cam.attachment
            if rng.random() < d.label_error:
                attachment = rng.choice([a for a in ATTACHED if a != attachment])
            kind = ""
            if attachment == "street_furniture":
                kind = cam.camera_type if cam.attachment == "street_furniture" else "unknown"
                if rng.random() < 0.2:
                    kind = "unknown"
                elif rng.random() < 0.1:
                    kind = "bullet" if kind == "dome" else "dome"
            th, tp = h + rng.gauss(0, d.noise_deg), p + rng.gauss(0, d.noise_deg)
            clicks.append((cam.camera_id, th, tp, attachment, kind))
            if rng.random() < d.double_click:
                clicks.append(
                    (
                        cam.camera_id,
                        th + rng.uniform(-1.5, 1.5),
                        tp + rng.uniform(-1, 1),
                        attachment,
                        kind,
                    )
                )
        for _ in range(_poisson(rng, d.false_tags)):
            attachment = rng.choices(list(ATTACHED), (0.4, 0.4, 0.2))[0]
            kind = (
                rng.choice(("dome", "bullet", "unknown"))
                if attachment == "street_furniture"
                else ""
            )
            clicks.append((None, rng.uniform(0, 360), rng.uniform(-3, 20), attachment, kind))
        rng.shuffle(clicks)
        counts = {
            "street_furniture": 0,
            "building": 0,
            "other": 0,
            "dome": 0,
            "bullet": 0,
            "unknown": 0,
        }
        for ordinal, (cam_id, h, p, attachment, kind) in enumerate(clicks, start=1):
            counts[attachment] += 1
            if kind:
                counts[kind] += 1
            created = _iso(start + (end - start) * rng.random())
            # Street View reports headings outside [0, 360) after a turn past north.
            heading = h % 360.0 + (360.0 if rng.random() < 0.1 else 0.0)
            zoom = rng.choice((0, 1, 1, 1, 2, 2, 3))
            self.rows["cameras.csv"].append([
                d.ref, inter, sub, kind, ATTACHED[attachment], created, str(ordinal),
                "Camera", f"{heading:.6f}", f"{max(-89.0, min(89.0, p)):.6f}", str(zoom), created,
                d.generic,
            ])  # fmt: skip
            self.tag_truth[f"{sub}/{ordinal}"] = cam_id
        self.rows["counts.csv"].append([
            sub, d.ref, d.generic, inter, _iso(start), _iso(end, False), str(len(clicks)),
            str(counts["street_furniture"]), str(counts["building"]), str(counts["other"]),
            str(counts["dome"]), str(counts["bullet"]), str(counts["unknown"]),
        ])  # fmt: skip
        self.submissions.append(
            {
                "id": sub,
                "panorama": pano.ref,
                "decoder": d.ref,
                "start": _iso(start),
                "n": len(clicks),
            }
        )

    def write(self, directory: Path, truth: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, header in HEADERS.items():
            with (directory / name).open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(header)
                writer.writerows(self.rows[name])
        (directory / "truth.json").write_text(json.dumps(truth))


def write_campaign(directory: Path, config: WorldConfig) -> dict[str, Any]:
    """Write the four published files and truth.json into `directory`; return the truth."""
    writer = _Writer(config)
    truth = writer.build()
    writer.write(directory, truth)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--panoramas", type=int, default=2152)
    parser.add_argument("--decoders", type=int, default=350)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    truth = write_campaign(
        args.out, WorldConfig(seed=args.seed, panoramas=args.panoramas, decoders=args.decoders)
    )
    sizes = {k: len(truth[k]) for k in ("panoramas", "cameras", "submissions", "tags")}
    print(f"{sizes} -> {args.out}")


if __name__ == "__main__":
    main()
