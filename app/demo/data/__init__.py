"""Offline demo data: real NYC street intersections and the five borough outlines."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent

DEMO_LOCATIONS_CSV: Path = _HERE / "nyc_demo_locations.csv"
# A verbatim copy of the NYC borough boundaries, legacy `crs` member included: the area
# import must accept that member, and the demo exercises it.
BOROUGHS_GEOJSON: Path = _HERE / "nyc-boroughs.geojson"


@dataclass(frozen=True)
class DemoLocation:
    """One street intersection to survey in the demo campaign."""

    name: str
    borough: str
    lat: float
    lon: float


def load_demo_locations() -> list[DemoLocation]:
    """Return the demo's intersections in file order."""
    with DEMO_LOCATIONS_CSV.open(newline="", encoding="utf-8") as f:
        return [
            DemoLocation(row["name"], row["borough"], float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(f)
        ]
