"""Area imports through HTTP: the NYC boroughs file with its legacy `crs`, ring repair, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Area, Campaign
from tests.factories import bearer, make_campaign, make_user

_CANDIDATES = (
    Path(__file__).resolve().parents[3] / "app" / "demo" / "data" / "nyc-boroughs.geojson",
    Path("/work/shared/data/nyc-boroughs.geojson"),
)
BOROUGHS = next((p for p in _CANDIDATES if p.is_file()), _CANDIDATES[0])


@pytest.fixture
def campaign(session: Session) -> Campaign:
    return make_campaign(session)


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    return bearer(session, make_user(session, role="coordinator"))


def upload(
    client: TestClient, slug: str, content: str | bytes, headers: dict[str, str], **params: Any
) -> Any:
    return client.post(
        f"/api/v1/campaigns/{slug}/imports/areas",
        files={"file": ("areas.geojson", content)},
        params=params,
        headers=headers,
    )


def polygon(name: str, ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_the_nyc_boroughs_file_with_its_legacy_crs_imports(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    assert "crs" in json.loads(BOROUGHS.read_text())
    response = upload(
        client, campaign.slug, BOROUGHS.read_bytes(), staff, name_field="BoroName", kind="borough"
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 5
    names = session.scalars(
        select(Area.name).where(Area.campaign_id == campaign.id, Area.kind == "borough")
    ).all()
    assert sorted(names) == ["Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"]
    again = upload(
        client, campaign.slug, BOROUGHS.read_bytes(), staff, name_field="BoroName", kind="borough"
    )
    assert (again.json()["created"], again.json()["updated"]) == (0, 5)


def test_a_self_intersecting_ring_is_repaired(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    bowtie = [[-74.0, 40.7], [-73.9, 40.8], [-73.9, 40.7], [-74.0, 40.8], [-74.0, 40.7]]
    doc = {"type": "FeatureCollection", "features": [polygon("bowtie", bowtie)]}
    response = upload(client, campaign.slug, json.dumps(doc), staff)
    assert response.status_code == 200, response.text
    valid, kind, area = session.execute(
        select(
            func.ST_IsValid(Area.geom), func.GeometryType(Area.geom), func.ST_Area(Area.geom)
        ).where(Area.campaign_id == campaign.id)
    ).one()
    assert valid is True
    assert kind == "MULTIPOLYGON"
    assert area == pytest.approx(0.005)  # both triangles of the bow tie are kept


def test_bad_area_features_are_rejected_with_their_numbers(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    square = [[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.0, 40.8], [-74.0, 40.7]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            polygon("ok", square),
            {"type": "Feature", "properties": {}, "geometry": polygon("x", square)["geometry"]},
            {
                "type": "Feature",
                "properties": {"name": "pt"},
                "geometry": {"type": "Point", "coordinates": [0, 0]},
            },
            polygon("far", [[500, 0], [501, 0], [501, 1], [500, 0]]),
        ],
    }
    response = upload(client, campaign.slug, json.dumps(doc), staff)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [d["row"] for d in details] == [2, 3, 4]
    assert session.scalar(select(func.count(Area.id)).where(Area.campaign_id == campaign.id)) == 0


def test_a_foreign_crs_is_refused(
    client: TestClient, campaign: Campaign, staff: dict[str, str]
) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:2263"}},
        "features": [],
    }
    response = upload(client, campaign.slug, json.dumps(doc), staff)
    assert response.status_code == 422
    assert "EPSG:2263" in response.json()["error"]["message"]


def test_area_import_needs_a_coordinator(
    client: TestClient, session: Session, campaign: Campaign
) -> None:
    assert upload(client, campaign.slug, BOROUGHS.read_bytes(), {}).status_code == 401
    decoder = bearer(session, make_user(session))
    assert upload(client, campaign.slug, BOROUGHS.read_bytes(), decoder).status_code == 403
