"""The coordinator page's find: a step per request until nothing remains, and the status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from app.models import Location
from tests.factories import bearer, make_campaign, make_user
from tests.fake_imagery import FakeImagery
from tests.integration.imagery.test_find import LOCATIONS


def test_find_steps_until_done_and_reports_locations_without_imagery(
    client: TestClient, session: Session, fake: FakeImagery
) -> None:
    campaign = make_campaign(session)
    for external_id, (lat, lon) in LOCATIONS.items():
        geom = from_shape(Point(lon, lat), srid=4326)
        session.add(Location(campaign_id=campaign.id, external_id=external_id, geom=geom))
    session.flush()
    headers = bearer(session, make_user(session, role="coordinator"))
    url = f"/api/v1/campaigns/{campaign.slug}/imagery"
    steps = []
    for _ in range(5):
        body = {"provider": "mapillary", "max_tiles": 1, "since": "2019-01"}
        response = client.post(f"{url}/find", json=body, headers=headers)
        assert response.status_code == 200, response.text
        steps.append(response.json())
        if steps[-1]["tiles_remaining"] == 0:
            break
    assert [s["tiles_remaining"] for s in steps] == [2, 1, 0]
    assert sum(s["tasks_created"] for s in steps) == 2
    assert steps[-1]["status"]["without_imagery"] == ["L3"]
    status = client.get(url, params={"provider": "mapillary"}, headers=headers).json()
    assert (status["searched"], status["with_imagery"], status["remaining"]) == (4, 3, 0)


def test_find_needs_a_coordinator_and_a_known_provider(
    client: TestClient, session: Session, fake: FakeImagery
) -> None:
    campaign = make_campaign(session)
    url = f"/api/v1/campaigns/{campaign.slug}/imagery/find"
    decoder = bearer(session, make_user(session))
    assert client.post(url, json={"provider": "mapillary"}, headers=decoder).status_code == 403
    coordinator = bearer(session, make_user(session, role="coordinator"))
    response = client.post(url, json={"provider": "google"}, headers=coordinator)
    assert response.status_code == 422
    bad_date = client.post(
        url, json={"provider": "panoramax", "since": "soon"}, headers=coordinator
    )
    assert bad_date.json()["error"]["code"] == "invalid_date"
