"""Realistic Decode Surveillance NYC raw files (DESIGN §8) of any size, for tests and benchmarks.

The four CSVs carry the published headers and the published shapes: Firebase-like ids, 22-character
pano ids, a few intersections sharing a PanoramaId (one decoder sometimes saw both), 3 submissions
per intersection with some panoramas short of 3 and some with more, mostly zero counts,
one row per tag with headings outside [0, 360) as Street View reports them, titles with commas
(so quoted fields), float DecoderGenericIds. `messy=True` adds a BOM, an exact duplicate row in
counts.csv and cameras.csv and a PanoramaId missing from panorama_url.csv.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADERS = {
    "intersections.csv": [
        "IntersectionId", "Url", "Borough", "TrafficSignal", "Lat", "Long", "PanoramaId",
        "ImageDate",
    ],
    "panorama_url.csv": ["PanoramaId", "Lat", "Long", "GoogleLat", "GoogleLong"],
    "counts.csv": [
        "SubmissionId", "DecoderId", "DecoderGenericId", "IntersectionId", "StartTime", "EndTime",
        "n_cameras", "attached_street", "attached_building", "attached_unknown", "type_dome",
        "type_bullet", "type_unknown",
    ],
    "cameras.csv": [
        "DecoderId", "IntersectionId", "SubmissionId", "Type", "Attached", "Createdtime", "Id",
        "Title", "Pov.heading", "Pov.pitch", "Pov.zoom", "Updatedtime", "DecoderGenericId",
    ],
}  # fmt: skip
BOROUGHS = ("Manhattan", "Brooklyn", "Queens", "The Bronx", "Staten Island")
STREET = "street_light/traffic_signal/road_sign"
TITLES = {
    ("street", "dome"): "Dome or PTZ camera on traffic signal, streetlight or pole",
    ("street", "bullet"): "Bullet camera on traffic signal, streetlight or pole",
    ("street", "unknown"): "Camera of unknown type on traffic signal, streetlight or pole",
    ("building", ""): "Camera on building",
    ("unknown", ""): "Camera, unsure what it is attached to",
}
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_START = datetime(2021, 4, 15, tzinfo=UTC)


@dataclass
class Generated:
    """What was written: totals the importer must reproduce."""

    intersections: int = 0
    panoramas: int = 0
    shared_panorama_intersections: int = 0
    submissions: int = 0
    tags: int = 0
    decoders: int = 0
    short_panoramas: int = 0  # panoramas with fewer than 3 submissions
    missing_panoramas: list[str] = field(default_factory=list)
    same_decoder_twice: list[tuple[str, str]] = field(default_factory=list)  # (decoder, pano)
    duplicate_rows: dict[str, int] = field(default_factory=dict)


def _fid(rng: random.Random, prefix: str = "AX", length: int = 20) -> str:
    return prefix + "".join(rng.choice(_ALPHABET) for _ in range(length - len(prefix)))


def _iso(moment: datetime, millis: bool) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond // 1000:03d}Z" if millis else "Z")


def _offset(lat: float, lon: float, rng: random.Random, metres: float) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    d = rng.uniform(0, metres)
    return (
        lat + d * math.cos(bearing) / 111_320,
        lon + d * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))),
    )


def _votes_per_intersection(rng: random.Random, n: int, total: int) -> list[int]:
    votes = [3] * n
    for i in rng.sample(range(n), max(1, n // 25)):  # ~4 % short of 3
        votes[i] = rng.choice((1, 2))
    diff = total - sum(votes)
    while diff != 0:
        i = rng.randrange(n)
        if diff > 0 and votes[i] >= 3:
            votes[i] += 1
            diff -= 1
        elif diff < 0 and votes[i] > 3:
            votes[i] -= 1
            diff += 1
        elif diff < 0 and all(v <= 3 for v in votes):
            votes[i] = max(1, votes[i] - 1)
            diff += 1
    return votes


def _camera_count(rng: random.Random, mean: float) -> int:
    # Most panoramas show no camera; the rest a geometric number (Amnesty's distribution shape).
    zero = max(0.3, 1 - mean / 1.8)
    if rng.random() < zero:
        return 0
    positive_mean = mean / (1 - zero)
    q = 1 / positive_mean
    n = 1
    while rng.random() > q and n < 30:
        n += 1
    return n


class _Writer:
    def __init__(self, directory: Path, seed: int, messy: bool) -> None:
        self.rng = random.Random(seed)
        self.dir = directory
        self.messy = messy
        self.rows: dict[str, list[list[str]]] = {name: [] for name in HEADERS}
        self.out = Generated()

    def intersections(self, n: int) -> list[tuple[str, str, float, float]]:
        rng, made = self.rng, []
        for index in range(n):
            ref = _fid(rng)
            if made and rng.random() < 0.03:  # shares the panorama of a neighbour (Amnesty: ~3 %)
                _, pano, lat0, lon0 = made[-1]
                lat, lon = _offset(lat0, lon0, rng, 30)
                self.out.shared_panorama_intersections += 1
            else:
                pano = _fid(rng, prefix="", length=22)
                lat, lon = rng.uniform(40.55, 40.9), rng.uniform(-74.2, -73.72)
            made.append((ref, pano, lat, lon))
            self.rows["intersections.csv"].append([
                ref, str(1000 + index), rng.choice(BOROUGHS),
                rng.choice(("TrafficLight", "", "")), f"{lat:.6f}", f"{lon:.6f}", pano,
                f"{rng.randint(2009, 2021)}-{rng.randint(1, 12):02d}",
            ])  # fmt: skip
        self._panorama_urls(made)
        self.out.intersections = n
        return made

    def _panorama_urls(self, made: list[tuple[str, str, float, float]]) -> None:
        seen: set[str] = set()
        for _, pano, lat, lon in made:
            if pano in seen:
                continue
            seen.add(pano)
            glat, glon = _offset(lat, lon, self.rng, 12)
            row = [pano, f"{lat:.6f}", f"{lon:.6f}", f"{glat:.7f}", f"{glon:.7f}"]
            self.rows["panorama_url.csv"].append(row)
        self.out.panoramas = len(seen)
        if self.messy and len(seen) > 3:
            dropped = self.rows["panorama_url.csv"].pop(len(seen) // 2)
            self.out.missing_panoramas.append(dropped[0])

    def submissions(self, made: list[tuple[str, str, float, float]], total: int, tags: int) -> None:
        rng = self.rng
        decoders = [(_fid(rng), f"{rng.randint(1, 40000)}.0") for _ in range(max(4, total // 18))]
        weights = [1 / (k + 1) ** 0.8 for k in range(len(decoders))]
        votes = _votes_per_intersection(rng, len(made), total)
        per_pano: dict[str, int] = {}
        previous: tuple[str, list[int]] | None = None
        used: set[int] = set()
        for (ref, pano, _, _), n in zip(made, votes, strict=True):
            chosen: list[int] = []
            if previous is not None and previous[0] == pano and not self.out.same_decoder_twice:
                chosen.append(previous[1][0])  # one decoder decodes both corners of a panorama
                self.out.same_decoder_twice.append((decoders[chosen[0]][0], pano))
            while len(chosen) < min(n, len(decoders)):
                pick = rng.choices(range(len(decoders)), weights)[0]
                if pick not in chosen:
                    chosen.append(pick)
            previous = (pano, chosen)
            per_pano[pano] = per_pano.get(pano, 0) + len(chosen)
            for who in chosen:
                used.add(who)
                self._submission(ref, decoders[who], _camera_count(rng, tags / total))
        self.out.short_panoramas = sum(1 for v in per_pano.values() if v < 3)
        self.out.decoders = len(used)

    def _submission(self, inter: str, decoder: tuple[str, str], cameras: int) -> None:
        rng = self.rng
        ref = f"camera_mappingHIVEcamera_mapping-camera_mapping-{_fid(rng, prefix='', length=24)}"
        start = _START + timedelta(seconds=rng.uniform(0, 30 * 86400))
        end = start + timedelta(seconds=rng.uniform(5, 400))
        street = {"dome": 0, "bullet": 0, "unknown": 0}
        attached = {"street": 0, "building": 0, "unknown": 0}
        for ordinal in range(cameras):
            where = rng.choices(("street", "building", "unknown"), (0.5, 0.35, 0.15))[0]
            kind = rng.choice(("dome", "bullet", "unknown")) if where == "street" else ""
            attached[where] += 1
            if kind:
                street[kind] += 1
            created = start + (end - start) * rng.random()
            self.rows["cameras.csv"].append([
                decoder[0], inter, ref, kind, STREET if where == "street" else where,
                _iso(created, True), str(ordinal + 1), TITLES[(where, kind)],
                f"{rng.uniform(-180, 540):.6f}", f"{rng.uniform(-8, 45):.6f}",
                f"{rng.choice((0, 1, 1, 2, 2.5, 3, 4)):g}", _iso(created, True), decoder[1],
            ])  # fmt: skip
        self.rows["counts.csv"].append([
            ref, decoder[0], decoder[1], inter, _iso(start, True), _iso(end, False), str(cameras),
            str(attached["street"]), str(attached["building"]), str(attached["unknown"]),
            str(street["dome"]), str(street["bullet"]), str(street["unknown"]),
        ])  # fmt: skip
        self.out.submissions += 1
        self.out.tags += cameras

    def write(self) -> Generated:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.messy:
            for name in ("counts.csv", "cameras.csv"):
                rows = self.rows[name]
                if rows:
                    rows.insert(len(rows) // 3, list(rows[len(rows) // 4]))
                    self.out.duplicate_rows[name] = 1
        for name, header in HEADERS.items():
            bom = self.messy and name in ("intersections.csv", "counts.csv")
            quoting = csv.QUOTE_ALL if name == "panorama_url.csv" else csv.QUOTE_MINIMAL
            with (self.dir / name).open(
                "w", newline="", encoding="utf-8-sig" if bom else "utf-8"
            ) as f:
                writer = csv.writer(f, quoting=quoting)
                writer.writerow(header)
                writer.writerows(self.rows[name])
        return self.out


def write_amnesty_files(
    directory: Path,
    *,
    intersections: int = 200,
    submissions: int = 600,
    tags: int = 400,
    seed: int = 1,
    messy: bool = True,
) -> Generated:
    """Write intersections.csv, panorama_url.csv, counts.csv and cameras.csv into `directory`."""
    writer = _Writer(directory, seed, messy)
    made = writer.intersections(intersections)
    writer.submissions(made, submissions, tags)
    return writer.write()


def append_rows(path: Path, *rows: list[str]) -> list[int]:
    """Append raw rows to one of the files; their spreadsheet row numbers (header = 1)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        count = sum(1 for _ in csv.reader(f))
    with path.open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return list(range(count + 1, count + 1 + len(rows)))
