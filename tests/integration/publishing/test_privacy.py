"""No personal data leaves through a researcher, public-map or OGC endpoint."""

from __future__ import annotations

import math

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_campaign, make_task, make_user
from tests.publishing_factories import (
    make_area,
    make_camera,
    make_count,
    make_location,
    make_tagged_submission,
)

SECRETS = [
    "zelda.quartermaine@private-mail.example",
    "Zelda Quartermaine",
    "xavier.bloggsworth@private-mail.example",
    "Xavier Bloggsworth",
    "coordinator.hidden@private-mail.example",
    "Hidden Coordinator",
    "private-mail",
]
LON, LAT = -73.9855, 40.758


def _tile(z: int) -> str:
    n = 2**z
    x = int((LON + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def test_no_endpoint_leaks_e_mails_or_names(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="privacy", description="Public description")
    make_area(session, campaign, name="Midtown", bounds=(-74.0, 40.74, -73.97, 40.77))
    task = make_task(session, campaign, lon=LON, lat=LAT, status="complete")
    make_location(session, campaign, task=task, lon=LON, lat=LAT)
    make_count(session, task)
    make_camera(session, campaign, lon=LON + 0.0002, lat=LAT, task_id=task.id)
    for email, name in (SECRETS[0:2], SECRETS[2:4]):
        make_tagged_submission(session, task, make_user(session, email=email, display_name=name))
    make_user(session, email=SECRETS[4], display_name=SECRETS[5], role="coordinator")
    session.commit()

    base = "/api/v1/campaigns/privacy"
    paths = [f"{base}/{layer}{query}" for layer in ("cameras", "counts", "tags")
             for query in ("", "?format=csv", "?format=geojsonseq", "?download=true")]  # fmt: skip
    paths += [f"{base}/density/hexagons", f"{base}/density/areas", "/api/v1/campaigns/privacy"]
    paths += [f"/tiles/privacy/{layer}/{_tile(z)}.mvt" for layer in ("cameras", "hexagons")
              for z in (10, 16)]  # fmt: skip
    paths += ["/ogc", "/ogc/api", "/ogc/conformance", "/ogc/collections"]
    for kind in ("cameras", "counts", "areas"):
        collection = f"/ogc/collections/privacy-{kind}"
        paths += [collection, f"{collection}/items"]
        first = client.get(f"{collection}/items").json()["features"][0]["id"]
        paths.append(f"{collection}/items/{first}")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode("utf-8", errors="replace").lower()
        for secret in SECRETS:
            assert secret.lower() not in body, (path, secret)
    tags = client.get(f"{base}/tags").json()["features"]
    assert len(tags) == 2 and all(t["properties"]["decoder"].startswith("d-") for t in tags)
