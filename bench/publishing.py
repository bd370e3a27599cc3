"""Benchmark of the publishing endpoints beside tipg and the SQL ceiling, in one run.

    .venv/bin/python bench/publishing.py [--cameras 25000] [--clients 16] [--workers 2]
        [--seconds 8] [--repeat 3] [--latency] [--database-url URL]

Seeds a campaign (cameras spread over New York City, tasks with counts, locations, the five
boroughs) into a throwaway database on the local cluster (or into --database-url, which must be
an empty database you can spare). Then, side by side in one run (bench/side_by_side.py): our
uvicorn workers, tipg (from PyPI, in a virtual environment of its own) with as many workers on
the same `cameras` table, and pgbench running the very SQL our endpoint runs; `--clients`
keep-alive clients for `--seconds` each. Prints requests per second and the ratios us/tipg and
us/ceiling; full exports in seconds beside the same COPY. `--latency` adds the older table of
single-request medians beside the query alone.
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
from app.services.publishing import density, exports, layers, tiles  # noqa: E402
from app.sql import load  # noqa: E402
from bench import side_by_side as sbs  # noqa: E402
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--latency", action="store_true", help="also the single-request table")
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
        env = {"DECODERS_ANONYMOUS_READS_PER_MINUTE": "100000000",
               "DECODERS_ANONYMOUS_MAP_PER_MINUTE": "100000000"}  # fmt: skip
        with tempfile.TemporaryDirectory() as media:
            side_by_side(engine, url, Path(media), env, args)
            if args.latency:
                with (
                    live_server(url, media_dir=Path(media), env=env) as base,
                    httpx.Client(timeout=120) as http,
                ):
                    cases = Cases(engine, base, http)
                    measured = [*cases.exports_and_pages(), *cases.density(), *cases.tiles()]
                    report(measured, args.repeat)
        engine.dispose()
    finally:
        if not args.database_url:
            testdb.drop_database(name)


def ceilings(engine: Engine) -> dict[str, str]:
    """The SQL behind each measured endpoint, parameters inlined (pgbench and COPY run it).

    A page is `layers.page_statement` alone: the campaign's row our endpoint reads beside it
    (layers.plan) is left to us, so the ceiling is not lowered by it.
    """
    with Session(engine) as session:
        campaign = publishing.published_campaign(session, slug=SLUG)
        layer = publishing.layer(session, campaign=campaign, name="cameras", filters=Filters())
        conn = session.connection()
        sql = {f"page {n}": exports.inline(conn, layers.page_statement(layer, limit=n, offset=0))
               for n in (1000, 10_000)}  # fmt: skip
        for fmt in ("geojsonseq", "csv"):
            statement, options = exports.copy_statement(layer, fmt)
            sql[f"copy {fmt}"] = (
                f"COPY ({exports.inline(conn, statement)}) TO STDOUT WITH ({options})"
            )
        for z in (14, 11):
            x, y = tile_xy(z, *MIDTOWN)
            key = tiles.tile_key(session, campaign=campaign, layer="cameras", z=z, x=x, y=y,
                                 status="confirmed")  # fmt: skip
            box = tiles.tile_bounds(z, x, y, margin=tiles.BUFFER / tiles.EXTENT)
            params = {"campaign_id": key.campaign_id, "statuses": ["confirmed"], "z": z, "x": x,
                      "y": y, "extent": tiles.EXTENT, "buffer": tiles.BUFFER,
                      **dict(zip(BOX, box, strict=True))}  # fmt: skip
            sql[f"tile {z}"] = exports.inline(conn, load("tile_cameras").bindparams(**params))
            sql[f"tile {z} path"] = f"{z}/{x}/{y}"
    return sql


def side_by_side(
    engine: Engine, url: str, media: Path, env: dict[str, str], args: argparse.Namespace
) -> None:
    """The table of issue 15: us, tipg and the ceiling, in requests per second."""
    sql = ceilings(engine)
    n, seconds = args.clients, args.seconds
    z14, z11 = sql["tile 14 path"], sql["tile 11 path"]
    ours = {
        "OGC items limit 1000": f"/ogc/collections/{SLUG}-cameras/items?limit=1000",
        "/cameras limit 1000": f"/api/v1/campaigns/{SLUG}/cameras?limit=1000",
        "OGC items limit 10000": f"/ogc/collections/{SLUG}-cameras/items?limit=10000",
        "MVT z14": f"/tiles/{SLUG}/cameras/{z14}.mvt",
        "MVT z11": f"/tiles/{SLUG}/cameras/{z11}.mvt",
    }
    items = "/collections/public.cameras/items"
    theirs = {
        "OGC items limit 1000": f"{items}?limit=1000",
        "/cameras limit 1000": f"{items}?limit=1000",
        "OGC items limit 10000": f"{items}?limit=10000",
        "MVT z14": f"/collections/public.cameras/tiles/WebMercatorQuad/{z14}",
        "MVT z11": f"/collections/public.cameras/tiles/WebMercatorQuad/{z11}",
    }
    ceiling = {"OGC items limit 1000": "page 1000", "/cameras limit 1000": "page 1000",
               "OGC items limit 10000": "page 10000", "MVT z14": "tile 14",
               "MVT z11": "tile 11"}  # fmt: skip
    rates: dict[str, dict[str, float]] = {case: {} for case in ours}
    print(f"\nload before: {sbs.load_average()}")
    uncached = {**env, "DECODERS_TILE_CACHE_MIB": "0"}
    with live_server(url, media_dir=media, workers=args.workers, env=env) as base:
        for case, path in ours.items():
            rates[case]["us"] = sbs.load(base + path, clients=n, seconds=seconds)
        exports_s = {fmt: sbs.download_seconds(f"{base}/api/v1/campaigns/{SLUG}/cameras?"
                                               f"format={fmt}", repeat=args.repeat)
                     for fmt in ("geojsonseq", "csv")}  # fmt: skip
    with live_server(url, media_dir=media, workers=args.workers, env=uncached) as base:
        for case in ("MVT z14", "MVT z11"):
            rates[case]["us, rendered"] = sbs.load(base + ours[case], clients=n, seconds=seconds)
    with sbs.tipg_server(url, workers=args.workers) as base:
        for case, path in theirs.items():
            rates[case]["tipg"] = sbs.load(base + path, clients=n, seconds=seconds)
    for case, name in ceiling.items():
        rates[case]["ceiling"] = sbs.pgbench(url, sql[name], clients=n, seconds=seconds)
    copies = {fmt: sbs.copy_seconds(engine, sql[f"copy {fmt}"], repeat=args.repeat)
              for fmt in ("geojsonseq", "csv")}  # fmt: skip
    print(f"load after:  {sbs.load_average()}")
    print(f"\n{args.cameras} cameras; {args.workers} uvicorn workers each; {n} clients; "
          f"{seconds:.0f} s per cell; ceiling = the same SQL under pgbench")  # fmt: skip
    print(f"{'case':<24} {'us':>8} {'tipg':>8} {'ceiling':>8} {'us/tipg':>8} {'us/ceil':>8}"
          f" {'rendered':>9}")  # fmt: skip
    for case, r in rates.items():
        rendered = f"{r['us, rendered']:>9.1f}" if "us, rendered" in r else f"{'':>9}"
        us, tipg, top = r["us"], r["tipg"], r["ceiling"]
        print(f"{case:<24} {us:>8.1f} {tipg:>8.1f} {top:>8.1f}"
              f" {us / tipg:>8.2f} {us / top:>8.2f} {rendered}")  # fmt: skip
    for fmt, label in (("geojsonseq", "GeoJSONSeq"), ("csv", "CSV")):
        ours_s, copy_s = exports_s[fmt], copies[fmt]
        print(f"full export {label:<12} {ours_s:>7.2f} s vs COPY {copy_s:.2f} s"
              f" (COPY/us {copy_s / ours_s:.2f})")  # fmt: skip


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
