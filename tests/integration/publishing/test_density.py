"""Density for the public map: hexagons in metres and per-area statistics."""

from __future__ import annotations

import math

from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from tests.factories import make_campaign, make_task
from tests.geojson_checks import assert_collection
from tests.publishing_factories import make_area, make_camera, make_count, make_location

LAT = 40.7
M_PER_DEG_LON = 111_320 * math.cos(math.radians(LAT))


def _east(lon: float, metres: float) -> float:
    return lon + metres / M_PER_DEG_LON


def test_hexagons_count_each_camera_once_by_attachment_and_type(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, slug="dens-hex")
    for i in range(40):
        make_camera(session, campaign, lon=-74.0 + i * 0.0007, lat=LAT + (i % 7) * 0.0009)
    for i in range(10):
        make_camera(
            session, campaign, lon=-73.99 + i * 0.001, lat=LAT, attachment="building",
            camera_type="bullet",
        )  # fmt: skip
    make_camera(session, campaign, lon=-74.0, lat=LAT, status="candidate")
    response = client.get("/api/v1/campaigns/dens-hex/density/hexagons?cell=500")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["cache-control"] == "public, max-age=300"
    body = response.json()
    assert_collection(body)  # closed, counterclockwise rings; 7 decimals
    props = [f["properties"] for f in body["features"]]
    assert sum(p["cameras"] for p in props) == 50
    assert sum(p["street_furniture"] for p in props) == 40
    assert sum(p["building"] for p in props) == sum(p["bullet"] for p in props) == 10
    assert sum(p["dome_ptz"] for p in props) == 40 and sum(p["unknown_type"] for p in props) == 0
    for p in props:
        # A hexagon of edge a has area 3√3/2·a²: 0.6495 km² for a = 500 m.
        assert math.isclose(p["per_km2"], p["cameras"] / 0.6495, rel_tol=0.02)
    everything = client.get("/api/v1/campaigns/dens-hex/density/hexagons?status=all").json()
    assert sum(f["properties"]["cameras"] for f in everything["features"]) == 51


def test_a_hexagon_holds_its_camera(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="dens-one")
    make_camera(session, campaign, lon=-73.9855, lat=40.758)
    bbox = "-74.0,40.75,-73.97,40.77"
    body = client.get(f"/api/v1/campaigns/dens-one/density/hexagons?bbox={bbox}&cell=200").json()
    (feature,) = body["features"]
    hexagon = shape(feature["geometry"])
    assert hexagon.contains(Point(-73.9855, 40.758))
    width_m = (hexagon.bounds[2] - hexagon.bounds[0]) * 111_320 * math.cos(math.radians(40.758))
    assert math.isclose(width_m, 400, rel_tol=0.01)  # a flat-topped hexagon is two edges wide


def test_bad_cell_bbox_and_oversized_grids_are_422(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="dens-422")
    session.commit()  # keeps the campaign through the failed requests' rollbacks
    for query in ("cell=49", "cell=5001", "cell=big", "bbox=1,2,3", "status=nope"):
        response = client.get(f"/api/v1/campaigns/dens-422/density/hexagons?{query}")
        assert response.status_code == 422, query
        assert response.json()["error"]["code"] == "invalid"
    response = client.get(
        "/api/v1/campaigns/dens-422/density/hexagons?bbox=-180,-80,180,80&cell=50"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_cells"


def test_no_cameras_gives_an_empty_collection(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="dens-empty")
    body = client.get("/api/v1/campaigns/dens-empty/density/hexagons").json()
    assert body["features"] == []


def test_area_statistics(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="dens-areas")
    make_area(session, campaign, name="Here", bounds=(-74.1, 40.6, -73.9, 40.8))
    make_area(session, campaign, name="Elsewhere", bounds=(-73.5, 40.6, -73.4, 40.8))
    make_area(session, campaign, name="Block", kind="tract", bounds=(-74.1, 40.6, -74.0, 40.65))
    lon = -74.05
    spots = {"near": 40.70, "far": 40.71, "wall": 40.72, "unsurveyed": 40.73}
    for name, lat in spots.items():
        task = make_task(session, campaign, lon=lon, lat=lat)
        make_location(session, campaign, task=task, lon=lon, lat=lat)
        if name != "unsurveyed":
            make_count(session, task, median_all=0.0 if name == "far" else 1.0)
    make_camera(session, campaign, lon=_east(lon, 100), lat=spots["near"])  # within 120 m
    make_camera(session, campaign, lon=_east(lon, 150), lat=spots["far"])  # beyond 120 m
    make_camera(session, campaign, lon=_east(lon, 10), lat=spots["wall"], attachment="building")
    make_camera(session, campaign, lon=lon, lat=spots["unsurveyed"], status="candidate")

    body = client.get("/api/v1/campaigns/dens-areas/density/areas?kind=borough").json()
    assert_collection(body)
    here, elsewhere = (f["properties"] for f in body["features"])
    assert here["name"] == "Here" and here["kind"] == "borough"
    assert here["cameras"] == 3
    assert here["locations"] == 3
    assert here["per_location"] == 1.0
    assert here["share_with_camera"] == round(2 / 3, 4)
    assert here["coverage"] == round(1 / 3, 4)
    assert math.isclose(
        here["area_km2"], 0.2 * 0.2 * 111.32 * 111.0 * math.cos(math.radians(40.7)), rel_tol=0.01
    )
    assert math.isclose(here["per_km2"], 3 / here["area_km2"], abs_tol=1e-4)
    assert elsewhere["cameras"] == 0 and elsewhere["locations"] == 0
    assert elsewhere["coverage"] is None and elsewhere["per_location"] is None
    every = client.get("/api/v1/campaigns/dens-areas/density/areas").json()
    assert {f["properties"]["kind"] for f in every["features"]} == {"borough", "tract"}
