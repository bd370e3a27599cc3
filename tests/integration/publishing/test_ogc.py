"""OGC API – Features at /ogc, through the app and through GDAL's OAPIF driver."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_campaign, make_task
from tests.geojson_checks import assert_collection, assert_feature
from tests.publishing_factories import make_area, make_camera, make_count

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _rels(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {link["rel"]: link for link in doc["links"]}


def test_landing_page_links_and_conformance(client: TestClient) -> None:
    response = client.get("/ogc")
    assert response.headers["content-type"] == "application/json"
    rels = _rels(response.json())
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"] == "http://testserver/ogc/collections"
    api = client.get(rels["service-desc"]["href"])
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert api.json()["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in api.json()["paths"]
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert CORE in classes and any(c.endswith("/geojson") for c in classes)
    assert any(c.endswith("/oas30") for c in classes)


def test_collections_per_public_campaign_with_extent(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="ogc-list", name="NYC test")
    make_campaign(session, slug="ogc-draft", status="draft")
    make_camera(session, campaign, lon=-74.0, lat=40.7)
    make_camera(session, campaign, lon=-73.9, lat=40.8)
    ids = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert {"ogc-list-cameras", "ogc-list-counts", "ogc-list-areas"} <= set(ids)
    assert not any(i.startswith("ogc-draft") for i in ids)
    one = client.get("/ogc/collections/ogc-list-cameras").json()
    assert one["extent"]["spatial"]["bbox"] == [[-74.0, 40.7, -73.9, 40.8]]
    assert one["extent"]["spatial"]["crs"].endswith("/CRS84")
    assert len(one["extent"]["temporal"]["interval"][0]) == 2
    items = _rels(one)["items"]
    assert items["type"] == "application/geo+json"
    assert client.get("/ogc/collections/ogc-list-nothing").status_code == 404
    assert client.get("/ogc/collections/ogc-draft-cameras").status_code == 404


def test_items_page_with_next_links(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="ogc-page")
    for i in range(25):
        make_camera(session, campaign, lon=-74.0 + i * 0.001, lat=40.7)
    make_camera(session, campaign, lon=-74.0, lat=40.7, status="candidate")
    url: str | None = "/ogc/collections/ogc-page-cameras/items"
    seen: list[int] = []
    while url:
        response = client.get(url)
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        assert_collection(body)
        assert body["numberMatched"] == 25 and body["numberReturned"] <= 10
        assert "timeStamp" in body
        seen += [f["id"] for f in body["features"]]
        url = _rels(body).get("next", {}).get("href")
    assert len(seen) == len(set(seen)) == 25
    huge = client.get("/ogc/collections/ogc-page-cameras/items?limit=50000").json()
    assert huge["numberReturned"] == 25  # read as the maximum, not refused
    box = client.get("/ogc/collections/ogc-page-cameras/items?bbox=-74.0005,40.69,-73.9985,40.71")
    assert box.json()["numberMatched"] == 2


def test_single_item_and_its_absence(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="ogc-item")
    camera = make_camera(session, campaign, lon=-74.0, lat=40.7)
    area = make_area(session, campaign, name="Box", bounds=(-74.1, 40.6, -73.9, 40.8))
    task = make_task(session, campaign)
    make_count(session, task)
    session.commit()
    feature = client.get(f"/ogc/collections/ogc-item-cameras/items/{camera.id}").json()
    assert_feature(feature)
    assert feature["id"] == camera.id and _rels(feature)["collection"]
    area_feature = client.get(f"/ogc/collections/ogc-item-areas/items/{area.id}").json()
    assert area_feature["properties"]["cameras"] == 1
    assert area_feature["geometry"]["type"] == "MultiPolygon"
    count = client.get(f"/ogc/collections/ogc-item-counts/items/{task.id}").json()
    assert count["properties"]["task_id"] == task.id
    for missing in ("999999999", "abc", "99999999999999999999999"):
        response = client.get(f"/ogc/collections/ogc-item-cameras/items/{missing}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "feature_not_found"


def test_datetime_filters_counts_by_capture_date(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="ogc-time")
    old, new = make_task(session, campaign), make_task(session, campaign)
    new_panorama = new.panorama_id
    make_count(session, old)
    make_count(session, new)
    from app.models import Panorama

    session.get(Panorama, new_panorama).captured_at = date(2022, 3, 1)  # type: ignore[union-attr]
    session.flush()

    def matched(value: str) -> int:
        url = f"/ogc/collections/ogc-time-counts/items?datetime={value}"
        return int(client.get(url).json()["numberMatched"])

    assert matched("2021-06-01") == 1
    assert matched("2022-01-01/..") == 1
    assert matched("../2021-12-31") == 1
    assert matched("2021-01-01T00:00:00Z/2022-12-31T00:00:00Z") == 2
    assert (
        client.get("/ogc/collections/ogc-time-cameras/items?datetime=2000-01-01/..").json()[
            "numberMatched"
        ]
        == 0
    )


def test_bad_parameters_are_400_and_html_is_406(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="ogc-bad")
    session.commit()
    items = "/ogc/collections/ogc-bad-cameras/items"
    for query in ("limit=0", "limit=x", "offset=-1", "bbox=1,2", "datetime=yesterday",
                  "colour=red", "f=html", "bbox-crs=EPSG:3857"):  # fmt: skip
        response = client.get(f"{items}?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "invalid_parameter"
    assert client.get("/ogc", headers={"Accept": "text/html"}).status_code == 406
    assert client.get("/ogc", headers={"Accept": "text/html,*/*;q=0.8"}).status_code == 200
