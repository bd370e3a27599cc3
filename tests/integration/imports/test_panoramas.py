"""Panorama imports through HTTP: tasks from panoramas, shared panoramas, the 5 m merge."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Location, Panorama, Task
from tests.factories import bearer, make_campaign, make_user

LAT, LON = 40.758000, -73.985700
LAT_3M = LAT + 3 / 111_320
LAT_40M = LAT + 40 / 111_320


@pytest.fixture
def campaign(session: Session) -> Campaign:
    return make_campaign(session)


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    return bearer(session, make_user(session, role="coordinator"))


def post(
    client: TestClient, slug: str, kind: str, content: str, headers: dict[str, str], **params: Any
) -> Any:
    return client.post(
        f"/api/v1/campaigns/{slug}/imports/{kind}",
        files={"file": (f"{kind}.csv", content)},
        params=params,
        headers=headers,
    )


def tasks(session: Session, campaign: Campaign) -> list[Task]:
    return list(
        session.scalars(select(Task).where(Task.campaign_id == campaign.id).order_by(Task.id))
    )


def location_tasks(session: Session, campaign: Campaign) -> dict[str, int | None]:
    rows = session.execute(
        select(Location.external_id, Location.task_id).where(Location.campaign_id == campaign.id)
    )
    return {external_id: task_id for external_id, task_id in rows}


LOCATIONS = f"id,lat,lon\nA,{LAT},{LON}\nB,{LAT_40M},{LON}\nC,40.70,-73.90\n"


def test_panoramas_by_location_id_become_tasks(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = (
        "location_id,provider,pano_id,image_url,pano_lat,pano_lon,captured_at,heading\n"
        f"A,google,PANO_A,,{LAT + 0.00001},{LON},2019-11,-90\n"
        "B,equirect,,https://img.example.org/b.jpg,,,2020-03-15,\n"
    )
    response = post(client, campaign.slug, "panoramas", csv, staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["merged"]) == (2, 0, 0)
    assert body["counts"] == {"locations_created": 0, "locations_linked": 2}
    panos = {
        p.provider: p
        for p in session.scalars(select(Panorama).where(Panorama.campaign_id == campaign.id))
    }
    assert panos["google"].provider_id == "PANO_A"
    assert panos["google"].captured_at == date(2019, 11, 1)
    assert panos["google"].heading == 270.0
    assert panos["equirect"].image_url == "https://img.example.org/b.jpg"
    assert panos["equirect"].captured_at == date(2020, 3, 15)
    y = session.scalar(select(func.ST_Y(Panorama.geom)).where(Panorama.id == panos["google"].id))
    assert y == pytest.approx(LAT + 0.00001)
    linked = location_tasks(session, campaign)
    assert linked["A"] is not None and linked["B"] is not None and linked["C"] is None
    assert len(tasks(session, campaign)) == 2


def test_locations_sharing_a_panorama_become_one_task(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = "location_id,provider,pano_id\nA,google,SHARED\nC,google,SHARED\n"
    body = post(client, campaign.slug, "panoramas", csv, staff).json()
    assert (body["created"], body["counts"]["locations_linked"]) == (1, 2)
    linked = location_tasks(session, campaign)
    assert linked["A"] == linked["C"] is not None
    assert len(tasks(session, campaign)) == 1


def test_rows_with_lat_lon_match_or_create_locations(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = f"lat,lon,pano_id\n{LAT_3M},{LON},P1\n40.6,-74.0,P2\n"
    body = post(client, campaign.slug, "panoramas", csv, staff, provider="mapillary").json()
    assert body["counts"] == {"locations_created": 1, "locations_linked": 2}
    linked = location_tasks(session, campaign)
    assert linked["A"] is not None  # matched by position (3 m away)
    assert linked["40.6000000,-74.0000000"] is not None


def test_a_new_panorama_within_5_m_of_a_task_merges_into_it(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    locations = f"id,lat,lon\nA,{LAT},{LON}\nA2,{LAT_3M},{LON + 0.0000001}\n"
    post(client, campaign.slug, "locations", locations, staff)
    csv = "location_id,provider,pano_id\nA,google,FIRST\nA2,google,SECOND\n"
    body = post(client, campaign.slug, "panoramas", csv, staff).json()
    assert (body["created"], body["merged"]) == (1, 1)
    linked = location_tasks(session, campaign)
    assert linked["A"] == linked["A2"]
    assert len(tasks(session, campaign)) == 1


def test_the_5_m_boundary_matches_postgis(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    inside, outside = LAT + 4.95 / 111_320, LAT - 5.05 / 111_320
    locations = f"id,lat,lon\nA,{LAT},{LON}\nIN,{inside},{LON}\nOUT,{outside},{LON}\n"
    post(client, campaign.slug, "locations", locations, staff)
    csv = "location_id,provider,pano_id\nA,google,P0\nIN,google,P1\nOUT,google,P2\n"
    body = post(client, campaign.slug, "panoramas", csv, staff).json()
    assert (body["created"], body["merged"]) == (2, 1)
    linked = location_tasks(session, campaign)
    assert linked["IN"] == linked["A"] != linked["OUT"]
    distances = session.execute(
        select(
            Location.external_id,
            func.ST_Distance(
                func.Geography(Location.geom),
                func.Geography(func.ST_SetSRID(func.ST_MakePoint(LON, LAT), 4326)),
            ),
        ).where(Location.campaign_id == campaign.id)
    ).all()
    by_id = dict(distances)
    assert by_id["IN"] < 5 < by_id["OUT"]  # PostGIS (the task_near rule) agrees


def test_reimporting_panoramas_updates_without_new_tasks(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = "location_id,provider,pano_id,captured_at\nA,google,P,2019-01\nB,google,Q,2019-02\n"
    post(client, campaign.slug, "panoramas", csv, staff)
    again = csv.replace("2019-01", "2021-05")
    body = post(client, campaign.slug, "panoramas", again, staff).json()
    assert (body["created"], body["updated"], body["merged"]) == (0, 2, 0)
    assert len(tasks(session, campaign)) == 2
    dates = session.scalars(
        select(Panorama.captured_at).where(Panorama.campaign_id == campaign.id)
    ).all()
    assert sorted(dates) == [date(2019, 2, 1), date(2021, 5, 1)]


def test_bad_panorama_rows_are_reported_by_row_and_nothing_is_written(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = (
        "location_id,provider,pano_id,image_url,captured_at\n"
        "A,google,OK,,2019-11\n"
        "B,flickr,X,,\n"  # row 3: unknown provider
        "C,equirect,,,\n"  # row 4: equirect without URL
        "ZZ,google,Y,,\n"  # row 5: unknown location
        "A,google,Z,,Nov 2019\n"  # row 6: bad date
        "C,google,OK,,2020-01\n"  # row 7: same panorama as row 2, other date
    )
    response = post(client, campaign.slug, "panoramas", csv, staff)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [d["row"] for d in details] == [3, 4, 5, 6, 7]
    assert "provider 'flickr'" in details[0]["error"]
    assert "image URL" in details[1]["error"]
    assert "unknown location id 'ZZ'" in details[2]["error"]
    assert "capture date" in details[3]["error"]
    assert "panorama of row 2 differently" in details[4]["error"]
    assert tasks(session, campaign) == []
    assert (
        session.scalar(select(func.count(Panorama.id)).where(Panorama.campaign_id == campaign.id))
        == 0
    )


def test_conflicting_rows_for_one_panorama_are_rejected(
    client: TestClient, session: Session, campaign: Campaign, staff: dict[str, str]
) -> None:
    post(client, campaign.slug, "locations", LOCATIONS, staff)
    csv = "location_id,provider,pano_id,captured_at\nA,google,P,2019-01\nC,google,P,2020-01\n"
    details = post(client, campaign.slug, "panoramas", csv, staff).json()["error"]["details"]
    assert details == [{"row": 3, "error": "describes the panorama of row 2 differently"}]


def test_panorama_import_needs_a_coordinator(
    client: TestClient, session: Session, campaign: Campaign
) -> None:
    csv = "lat,lon,provider,pano_id\n40.7,-73.9,google,P\n"
    assert post(client, campaign.slug, "panoramas", csv, {}).status_code == 401
    decoder = bearer(session, make_user(session))
    assert post(client, campaign.slug, "panoramas", csv, decoder).status_code == 403
    assert tasks(session, campaign) == []
