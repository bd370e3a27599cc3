"""Location imports through HTTP: CSV and GeoJSON, validation, idempotency and the 5 m merge."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Location
from tests.factories import bearer, make_campaign, make_task, make_user

# Times Square and a point about 3 m north of it, and one about 40 m away.
LAT, LON = 40.758000, -73.985700
LAT_3M = LAT + 3 / 111_320
LAT_40M = LAT + 40 / 111_320


@pytest.fixture
def campaign(session: Session) -> Campaign:
    return make_campaign(session)


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    return bearer(session, make_user(session, role="coordinator"))


def upload(
    client: TestClient,
    slug: str,
    content: str | bytes,
    headers: dict[str, str],
    name: str = "locations.csv",
    **params: Any,
) -> Any:
    return client.post(
        f"/api/v1/campaigns/{slug}/imports/locations",
        files={"file": (name, content)},
        params=params,
        headers=headers,
    )


def locations(session: Session, campaign: Campaign) -> dict[str, Location]:
    rows = session.scalars(select(Location).where(Location.campaign_id == campaign.id))
    return {loc.external_id: loc for loc in rows}


def feature(fid: Any, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    return (
        {**body, "id": fid, "properties": props}
        if fid is not None
        else {**body, "properties": props}
    )


def test_csv_creates_locations_with_names_and_properties(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    csv = "id,lat,lon,name,borough\nA,40.75,-73.98,Corner A,Manhattan\nB,40.76,-73.97,,Queens\n"
    response = upload(client, campaign.slug, csv, staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["merged"]) == (2, 0, 0)
    assert body["counts"]["without_task"] == 2
    stored = locations(session, campaign)
    assert stored["A"].name == "Corner A"
    assert stored["A"].properties == {"borough": "Manhattan"}
    assert stored["B"].name is None
    assert (
        session.scalar(select(func.ST_Y(Location.geom)).where(Location.id == stored["A"].id))
        == 40.75
    )


def test_csv_column_names_are_options(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    csv = "\ufeffIntersectionId;Latitude;Longitude;Label\nX1;40.7;-73.9;first\n"
    response = upload(
        client,
        campaign.slug,
        csv.encode(),
        staff,
        id_field="IntersectionId",
        lat_field="Latitude",
        lon_field="Longitude",
        name_field="Label",
    )
    assert response.status_code == 200, response.text
    assert locations(session, campaign)["X1"].name == "first"


def test_geojson_ids_come_from_the_feature_or_a_property(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            feature("f-1", -73.98, 40.75, name="one"),
            feature(None, -73.97, 40.76, code="P-2"),
        ],
    }
    response = upload(
        client, campaign.slug, json.dumps(doc), staff, name="l.geojson", id_field="code"
    )
    assert response.status_code == 200, response.text
    stored = locations(session, campaign)
    assert set(stored) == {"f-1", "P-2"}
    assert stored["f-1"].name == "one"


def test_three_bad_rows_reject_the_file_with_three_row_numbered_errors(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    csv = (
        "id,lat,lon\n"
        "ok-1,40.7,-73.9\n"
        "bad-1,north,-73.9\n"  # row 3: not a number
        "bad-2,95,-73.9\n"  # row 4: out of range
        "ok-1,40.8,-73.8\n"  # row 5: duplicate id
        "ok-2,40.71,-73.91\n"
    )
    response = upload(client, campaign.slug, csv, staff)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_failed"
    assert [d["row"] for d in error["details"]] == [3, 4, 5]
    assert "not a number" in error["details"][0]["error"]
    assert "outside" in error["details"][1]["error"]
    assert "duplicate id 'ok-1' (first at row 2)" in error["details"][2]["error"]
    assert locations(session, campaign) == {}


def test_geojson_rejects_missing_coordinates_and_wrong_geometry_types(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("a", -73.9, 40.7),
            {"type": "Feature", "id": "b", "geometry": polygon, "properties": {}},
            {"type": "Feature", "id": "c", "geometry": {"type": "Point"}, "properties": {}},
            feature(None, -73.9, 40.7),
        ],
    }
    response = upload(client, campaign.slug, json.dumps(doc), staff, name="x.json")
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [(d["row"], d["error"].split(" ")[0]) for d in details] == [
        (2, "expected"),
        (3, "a"),
        (4, "missing"),
    ]
    assert locations(session, campaign) == {}


def test_a_missing_column_is_named(
    client: TestClient, campaign: Campaign, staff: dict[str, str]
) -> None:
    response = upload(client, campaign.slug, "id,latitude,lon\na,1,2\n", staff)
    assert response.status_code == 422
    assert "no column 'lat'" in response.json()["error"]["message"]


def test_reimporting_the_same_ids_updates_them(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    upload(client, campaign.slug, "id,lat,lon,name\nA,40.75,-73.98,old\n", staff)
    response = upload(client, campaign.slug, "id,lat,lon,name\nA,40.76,-73.97,new\n", staff)
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    stored = locations(session, campaign)
    assert len(stored) == 1
    session.refresh(stored["A"])
    assert stored["A"].name == "new"


def test_a_location_within_5_m_of_a_task_joins_it(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    task = make_task(session, campaign, lon=LON, lat=LAT)
    session.add(
        Location(
            campaign_id=campaign.id,
            external_id="existing",
            geom=from_shape(Point(LON, LAT), srid=4326),
            properties={},
            task_id=task.id,
            panorama_id=task.panorama_id,
        )
    )
    session.flush()
    csv = f"id,lat,lon\nnear,{LAT_3M},{LON}\nfar,{LAT_40M},{LON}\n"
    response = upload(client, campaign.slug, csv, staff)
    body = response.json()
    assert (body["created"], body["merged"], body["counts"]["without_task"]) == (2, 1, 1)
    stored = locations(session, campaign)
    assert stored["near"].task_id == task.id
    assert stored["near"].panorama_id == task.panorama_id
    assert stored["far"].task_id is None


def test_merges_chain_through_locations_of_the_same_file(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    task = make_task(session, campaign, lon=LON, lat=LAT)
    session.add(
        Location(
            campaign_id=campaign.id,
            external_id="anchor",
            geom=from_shape(Point(LON, LAT), srid=4326),
            properties={},
            task_id=task.id,
        )
    )
    session.flush()
    lat_7m = LAT + 7 / 111_320  # 7 m from the anchor, 4 m from `step`
    csv = f"id,lat,lon\nstep,{LAT_3M},{LON}\nend,{lat_7m},{LON}\n"
    assert upload(client, campaign.slug, csv, staff).json()["merged"] == 2
    assert locations(session, campaign)["end"].task_id == task.id


def test_import_needs_a_coordinator(
    client: TestClient, session: Session, campaign: Campaign
) -> None:
    csv = "id,lat,lon\nA,40.7,-73.9\n"
    assert upload(client, campaign.slug, csv, {}).status_code == 401
    decoder = bearer(session, make_user(session))
    response = upload(client, campaign.slug, csv, decoder)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_role"
    assert locations(session, campaign) == {}


def test_unknown_campaign_is_404(client: TestClient, staff: dict[str, str]) -> None:
    assert upload(client, "no-such-campaign", "id,lat,lon\n", staff).status_code == 404


def test_an_empty_file_is_rejected(
    client: TestClient, campaign: Campaign, staff: dict[str, str]
) -> None:
    response = upload(client, campaign.slug, "id,lat,lon\n", staff)
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"row": 0, "error": "the file has no locations"}]
