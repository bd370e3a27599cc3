"""Benchmark of the publishing endpoints against the same SQL run straight through psycopg2.

    .venv/bin/python bench/publishing.py [--cameras 25000] [--repeat 5] [--database-url URL]

Seeds a campaign (cameras spread over New York City, tasks with counts, locations, the five
boroughs) into a throwaway database on the local cluster (or into --database-url, which must be
an empty database you can spare), serves it with a real uvicorn worker (tests/live.py) and
times each request over HTTP beside the query it runs, executed and fetched by psycopg2 alone
(the ceiling). Prints medians in milliseconds and the app/SQL ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from geoalchemy2.shape import from_shape  # noqa: E402
from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.models import Area, Campaign  # noqa: E402
from app.schemas.publishing import Filters  # noqa: E402
from app.services import publishing  # noqa: E402
from app.services.imports import polygonal  # noqa: E402
from app.services.publishing import density, tiles  # noqa: E402
from app.sql import load  # noqa: E402
from tests import db as testdb  # noqa: E402
from tests.live import live_server  # noqa: E402

SLUG = "bench-nyc"
NYC = (-74.25, 40.50, -73.70, 40.92)
MIDTOWN = (-73.9855, 40.7580)
BOROUGHS = Path("/work/shared/data/nyc-boroughs.geojson")
COUNT_COLUMNS = ", ".join(
    f"median_{c}, agreement_{c}"
    for c in ("all", "street_furniture", "building", "other", "dome_ptz", "bullet", "unknown_type")
)
SEED = [
    "SELECT setseed(0.42)",
    """INSERT INTO panoramas (campaign_id, provider, provider_id, geom, captured_at, heading)
       SELECT :cid, 'google', 'pano-' || g,
              ST_SetSRID(ST_MakePoint(-74.25 + random() * 0.55, 40.50 + random() * 0.42), 4326),
              date '2019-01-01' + (random() * 900)::int, 0
       FROM generate_series(1, :tasks) AS g""",
    """INSERT INTO tasks (campaign_id, panorama_id, status, valid_submissions)
       SELECT campaign_id, id, 'complete', 3 FROM panoramas WHERE campaign_id = :cid""",
    """INSERT INTO locations (campaign_id, external_id, geom, panorama_id, task_id)
       SELECT t.campaign_id, 'loc-' || t.id, p.geom, p.id, t.id
       FROM tasks AS t JOIN panoramas AS p ON p.id = t.panorama_id WHERE t.campaign_id = :cid""",
    f"""INSERT INTO task_counts (task_id, campaign_id, n, submission_ids, {COUNT_COLUMNS},
                                 total, method_version)
       SELECT t.id, t.campaign_id, 3, '{{}}', m, 'Unanimous', m, '2 vs 1', 0, 'Unanimous', 0,
              'Unanimous', m, 'Unanimous', 0, 'Unanimous', 0, 'Unanimous', m, 'bench'
       FROM tasks AS t, LATERAL (SELECT floor(random() * 3)::float8 + (t.id * 0) AS m) AS r
       WHERE t.campaign_id = :cid""",
    """INSERT INTO cameras (campaign_id, task_id, status, confidence, attachment, camera_type,
                            bearing, pitch, geom, location_method, uncertainty_m, support,
                            voters, n_panoramas, method_version)
       SELECT t.campaign_id, t.id, 'confirmed', 0.5 + random() / 2,
              (ARRAY['street_furniture', 'street_furniture', 'street_furniture', 'building',
                     'building', 'other'])[1 + floor(random() * 6)::int],
              (ARRAY['dome_ptz', 'bullet', 'unknown'])[1 + floor(random() * 3)::int],
              floor(random() * 360), 15,
              ST_Translate(p.geom, (random() - 0.5) * 0.0008, (random() - 0.5) * 0.0006),
              'pitch_prior', 25, 3, 3, 1, 'bench'
       FROM generate_series(1, :cameras) AS g
       JOIN tasks AS t ON t.campaign_id = :cid AND t.id = :first_task + (g % :tasks)
       JOIN panoramas AS p ON p.id = t.panorama_id""",
    """INSERT INTO reconcile_runs (campaign_id, kind, method_version, started_at, finished_at,
                                   tasks, cameras)
       VALUES (:cid, 'full', 'bench', now(), now(), :tasks, :cameras)""",
    "ANALYZE",
]


def seed(engine: Engine, *, cameras: int) -> None:
    """The benchmark campaign: cameras over NYC, 0.8 per task, counts, locations, boroughs."""
    tasks = max(1, int(cameras * 0.8))
    with Session(engine) as session:
        campaign = Campaign(slug=SLUG, name="Benchmark NYC", status="open")
        session.add(campaign)
        session.flush()
        for feature in json.loads(BOROUGHS.read_text())["features"]:
            geom = from_shape(polygonal(feature["geometry"]), srid=4326)
            name = feature["properties"]["BoroName"]
            session.add(Area(campaign_id=campaign.id, name=name, kind="borough", geom=geom))
        session.commit()
        cid = campaign.id
    with engine.begin() as conn:
        params = {"cid": cid, "tasks": tasks, "cameras": cameras}
        for statement in SEED[:2]:
            conn.execute(text(statement), params)
        conn.execute(text(SEED[2]), params)
        first = conn.execute(text("SELECT min(id) FROM tasks WHERE campaign_id = :cid"), params)
        params["first_task"] = first.scalar_one()
        for statement in SEED[3:-1]:
            conn.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(SEED[-1]))


def timed(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median milliseconds of `action` after one warm-up run, and what it returned."""
    size = action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), size


def tile_xy(z: int, lon: float, lat: float) -> tuple[int, int]:
    """The XYZ tile holding a point."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


class Ceiling:
    """The app's queries, compiled once and run by psycopg2 with a plain cursor."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()
        cursor = self.raw.cursor()
        cursor.execute("SET jit = off")  # as the app does (app.db.make_engine)
        cursor.close()
        self.raw.commit()

    def run(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        """Execute and fetch everything; the number of rows (or bytes of a tile)."""
        compiled = statement.compile(
            dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        values = {**compiled.params, **(params or {})}
        cursor = self.raw.cursor()
        cursor.execute(str(compiled), values)
        rows = cursor.fetchall()
        cursor.close()
        self.raw.rollback()
        if len(rows) == 1 and isinstance(rows[0][0], memoryview | bytes):
            return len(rows[0][0])
        return len(rows)


Case = tuple[str, Callable[[], int], Callable[[], int]]
BOX = ("minlon", "minlat", "maxlon", "maxlat")


class Cases:
    """(name, HTTP action, SQL action) for every measurement."""

    def __init__(self, engine: Engine, base: str, http: httpx.Client) -> None:
        self.sql, self.base, self.http = Ceiling(engine), base, http
        self.api = f"{base}/api/v1/campaigns/{SLUG}"
        with Session(engine) as session:
            campaign = publishing.published_campaign(session, slug=SLUG)
            self.layer = publishing.layer(
                session, campaign=campaign, name="cameras", filters=Filters()
            )
            self.latitude = density.reference_latitude(session, campaign=campaign)
            self.campaign_id = campaign.id

    def get(self, url: str) -> Callable[[], int]:
        """GET through the app; the body's size."""

        def action() -> int:
            response = self.http.get(url)
            response.raise_for_status()
            return len(response.content)

        return action

    def query(self, statement: Any, params: dict[str, Any] | None = None) -> Callable[[], int]:
        """The same SQL through psycopg2."""
        return lambda: self.sql.run(statement, params)

    def exports_and_pages(self) -> list[Case]:
        """Whole-layer dumps and item pages."""
        out: list[Case] = []
        statement = self.layer.statement
        for fmt, query in (("GeoJSON", "download=true"), ("CSV", "format=csv"),
                           ("GeoJSONSeq", "format=geojsonseq")):  # fmt: skip
            url = f"{self.api}/cameras?{query}"
            out.append((f"export cameras {fmt}", self.get(url), self.query(statement)))
        for limit, offset in ((100, 0), (1000, 0), (1000, 20000)):
            url = f"{self.api}/cameras?limit={limit}&offset={offset}"
            page = self.query(statement.limit(limit).offset(offset))
            out.append((f"cameras page limit={limit} offset={offset}", self.get(url), page))
        ogc = f"{self.base}/ogc/collections/{SLUG}-cameras/items?limit=1000"
        out.append(("OGC items limit=1000", self.get(ogc), self.query(statement.limit(1000))))
        return out

    def density(self) -> list[Case]:
        """Hexagons over NYC and the borough statistics."""
        size = density.hexagon_size(500, self.latitude)
        common = {"campaign_id": self.campaign_id, "statuses": ["confirmed"]}
        hexagons = {**common, "size": size, **dict(zip(BOX, NYC, strict=True))}
        url = f"{self.api}/density/hexagons?bbox={','.join(map(str, NYC))}&cell=500"
        areas = {**common, "kind": None, "area_id": None, "bbox": None, "limit": None}
        areas.update(offset=0, tolerance=density.WEB_TOLERANCE, reach_m=density.REACH_M)
        return [
            ("hexagons NYC cell=500", self.get(url),
             self.query(load("density_hexagons"), hexagons)),
            ("density areas (boroughs)", self.get(f"{self.api}/density/areas"),
             self.query(load("density_areas"), areas)),
        ]  # fmt: skip

    def tiles(self) -> list[Case]:
        """Both layers at z10–z16 over Midtown."""
        out: list[Case] = []
        for z in range(10, 17):
            x, y = tile_xy(z, *MIDTOWN)
            for name in tiles.LAYERS:
                params: dict[str, Any] = {
                    "campaign_id": self.campaign_id,
                    "statuses": ["confirmed"],
                }
                params.update(z=z, x=x, y=y, extent=tiles.EXTENT, buffer=tiles.BUFFER)
                if name == "cameras":
                    box = tiles.tile_bounds(z, x, y, margin=tiles.BUFFER / tiles.EXTENT)
                    params.update(zip(BOX, box, strict=True))
                else:
                    cell = tiles.cell_for_zoom(z, self.latitude)
                    params["size"] = density.hexagon_size(cell, self.latitude)
                url = f"{self.base}/tiles/{SLUG}/{name}/{z}/{x}/{y}.mvt"
                out.append((f"tile {name} z{z}", self.get(url),
                            self.query(load(f"tile_{name}"), params)))  # fmt: skip
        return out


def main() -> None:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database to use instead of a new one")
    args = parser.parse_args()
    name = "decoders_bench_publishing"
    url = args.database_url or testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        start = time.perf_counter()
        seed(engine, cameras=args.cameras)
        print(f"seeded {args.cameras} cameras in {time.perf_counter() - start:.1f} s")
        env = {"DECODERS_ANONYMOUS_READS_PER_MINUTE": "1000000",
               "DECODERS_ANONYMOUS_MAP_PER_MINUTE": "1000000"}  # fmt: skip
        with (
            tempfile.TemporaryDirectory() as media,
            live_server(url, media_dir=Path(media), env=env) as base,
            httpx.Client(timeout=120) as http,
        ):
            cases = Cases(engine, base, http)
            report([*cases.exports_and_pages(), *cases.density(), *cases.tiles()], args.repeat)
        engine.dispose()
    finally:
        if not args.database_url:
            testdb.drop_database(name)


def report(measurements: list[Case], repeat: int) -> None:
    """Time each case and print the table."""
    print(f"\nmedian of {repeat} runs after a warm-up; app = HTTP through uvicorn (1 worker)")
    print(f"{'case':<36} {'app ms':>9} {'SQL ms':>9} {'app/SQL':>8} {'bytes':>11} {'rows':>7}")
    for label, app_action, sql_action in measurements:
        app_ms, size = timed(app_action, repeat)
        sql_ms, rows = timed(sql_action, repeat)
        ratio = app_ms / sql_ms if sql_ms else float("nan")
        print(f"{label:<36} {app_ms:>9.1f} {sql_ms:>9.1f} {ratio:>8.2f} {size:>11} {rows:>7}")


if __name__ == "__main__":
    main()
