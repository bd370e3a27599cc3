"""Researcher endpoints: cameras, counts and tags as GeoJSON, paged and streamed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign, ReconcileRun
from tests.factories import make_campaign, make_task, make_user
from tests.geojson_checks import assert_collection, assert_feature
from tests.publishing_factories import (
    make_area,
    make_camera,
    make_count,
    make_tagged_submission,
)

TIMES_SQUARE = (-73.9855, 40.758)


def _grid(session: Session, campaign: Campaign, n: int) -> None:
    for i in range(n):
        make_camera(session, campaign, lon=-74.0 + (i % 20) * 0.001, lat=40.7 + (i // 20) * 0.001)


def _walk(client: TestClient, url: str) -> tuple[list[Any], int]:
    ids: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        body = client.get(next_url).json()
        pages += 1
        ids += [f["id"] for f in body["features"]]
        assert body["numberReturned"] == len(body["features"])
        next_url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return ids, pages


def test_cameras_are_rfc7946_points_in_lon_lat_order(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-order", licence="CC-BY-4.0")
    make_camera(session, campaign, lon=-73.98551234567, lat=40.75801234567)
    body = client.get("/api/v1/campaigns/pub-order/cameras").json()
    assert_collection(body)
    assert body["features"][0]["geometry"]["coordinates"] == [-73.9855123, 40.7580123]


def test_collections_state_campaign_method_time_and_licence(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, slug="pub-meta", licence="CC-BY-4.0")
    task = make_task(session, campaign)
    make_camera(session, campaign, lon=-73.9, lat=40.7, method_version="v7")
    make_count(session, task, method_version="v7")
    for layer in ("cameras", "counts", "tags"):
        body = client.get(f"/api/v1/campaigns/pub-meta/{layer}").json()
        assert body["campaign"] == "pub-meta"
        assert body["licence"] == "CC-BY-4.0"
        assert body["method_version"] == "v7"
        assert body["computed_at"] is not None


def test_the_latest_finished_run_dates_the_data(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-run")
    make_camera(session, campaign, lon=-73.9, lat=40.7, method_version="v1")
    finished = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    session.add(ReconcileRun(campaign_id=campaign.id, kind="full", method_version="v2",
                             finished_at=finished))  # fmt: skip
    session.add(ReconcileRun(campaign_id=campaign.id, kind="full", method_version="v3"))
    session.flush()
    body = client.get("/api/v1/campaigns/pub-run/cameras").json()
    assert body["method_version"] == "v2"
    assert body["computed_at"] == "2030-01-02T03:04:05+00:00"


def test_merged_sightings_are_never_published(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-merged")
    camera = make_camera(session, campaign, lon=-73.9, lat=40.7, location_method="triangulated")
    make_camera(session, campaign, lon=-73.9, lat=40.7, status="merged", merged_into_id=camera.id)
    body = client.get("/api/v1/campaigns/pub-merged/cameras?status=all").json()
    assert [f["id"] for f in body["features"]] == [camera.id]
    hexagons = client.get("/api/v1/campaigns/pub-merged/density/hexagons?status=all").json()
    assert sum(f["properties"]["cameras"] for f in hexagons["features"]) == 1


def test_camera_properties_carry_osm_tags(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-osm")
    task = make_task(session, campaign)
    make_camera(session, campaign, lon=-73.9, lat=40.7, task_id=task.id)
    make_camera(session, campaign, lon=-73.8, lat=40.7, attachment="building", camera_type="bullet")
    make_camera(session, campaign, lon=-73.7, lat=40.7, attachment="other", camera_type="unknown")
    features = client.get("/api/v1/campaigns/pub-osm/cameras").json()["features"]
    pole, wall, other = (f["properties"] for f in features)
    assert pole["task_id"] == task.id and pole["support"] == 3 and pole["bearing"] == 45.0
    assert pole["osm"] == {
        "man_made": "surveillance",
        "surveillance": "public",
        "surveillance:type": "camera",
        "camera:type": "dome",
        "camera:mount": "pole",
    }
    assert wall["osm"] == {
        "man_made": "surveillance",
        "surveillance:type": "camera",
        "camera:type": "fixed",
        "camera:mount": "wall",
    }
    assert other["osm"] == {"man_made": "surveillance", "surveillance:type": "camera"}


def test_camera_filters(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-filter")
    west = make_area(session, campaign, name="West", bounds=(-74.1, 40.6, -73.95, 40.9))
    keep = make_camera(session, campaign, lon=-74.0, lat=40.7, confidence=0.95)
    make_camera(session, campaign, lon=-73.9, lat=40.7, confidence=0.95)  # outside West
    make_camera(session, campaign, lon=-74.0, lat=40.71, confidence=0.5)
    make_camera(session, campaign, lon=-74.0, lat=40.72, status="candidate", confidence=0.95)
    make_camera(session, campaign, lon=-74.0, lat=40.73, attachment="building", confidence=0.95)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/campaigns/pub-filter/cameras?{query}")
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["features"]]

    assert ids("area=West&min_confidence=0.9&attachment=street_furniture") == [keep.id]
    assert ids("bbox=-74.01,40.69,-73.99,40.705") == [keep.id]
    assert len(ids("status=all")) == 5
    assert len(ids("status=candidate")) == 1
    assert len(ids("camera_type=bullet")) == 0
    assert len(ids("location_method=base_click")) == 4
    assert len(ids(f"area={west.id}")) == 3


def test_unknown_area_and_campaign_are_404(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="pub-404")
    response = client.get("/api/v1/campaigns/pub-404/cameras?area=Atlantis")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "area_not_found"
    response = client.get("/api/v1/campaigns/nope/cameras")
    assert response.json()["error"]["code"] == "campaign_not_found"
    make_campaign(session, slug="pub-draft", status="draft")
    assert client.get("/api/v1/campaigns/pub-draft/cameras").status_code == 404


def test_bad_bbox_limit_and_confidence_are_422_envelopes(
    client: TestClient, session: Session
) -> None:
    make_campaign(session, slug="pub-422")
    for query in (
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=-200,0,0,10",
        "bbox=0,50,10,40",
        "limit=0",
        "limit=10001",
        "offset=-1",
        "min_confidence=1.5",
        "status=maybe",
        "format=xml",
    ):
        response = client.get(f"/api/v1/campaigns/pub-422/cameras?{query}")
        assert response.status_code == 422, query
        assert response.json()["error"]["code"] == "invalid"


def test_paging_walks_every_camera_exactly_once(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-paging")
    _grid(session, campaign, 257)
    ids, pages = _walk(client, "/api/v1/campaigns/pub-paging/cameras?limit=50")
    assert pages == 6
    assert len(ids) == len(set(ids)) == 257
    first = client.get("/api/v1/campaigns/pub-paging/cameras?limit=50&offset=50").json()
    assert first["numberMatched"] == 257
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert rels["prev"].startswith("http://testserver/") and "offset=0" in rels["prev"]
    assert "offset=100" in rels["next"]


def test_csv_and_geojsonseq_stream_every_row(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-stream")
    _grid(session, campaign, 257)
    response = client.get("/api/v1/campaigns/pub-stream/cameras?format=csv&limit=5")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 257 and rows[0]["osm:camera:mount"] == "pole"
    assert float(rows[0]["lon"]) == -74.0 and float(rows[0]["lat"]) == 40.7

    response = client.get("/api/v1/campaigns/pub-stream/cameras?format=geojsonseq&limit=5")
    assert response.headers["content-type"] == "application/geo+json-seq"
    records = response.text.split("\x1e")
    assert records[0] == "" and len(records) == 258
    for record in records[1:]:
        assert record.endswith("\n")
        assert_feature(json.loads(record))

    response = client.get("/api/v1/campaigns/pub-stream/cameras?download=true&limit=5")
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert_collection(body)
    assert len(body["features"]) == 257 and body["campaign"] == "pub-stream"


def test_counts_carry_medians_agreement_date_and_areas(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, slug="pub-counts")
    make_area(session, campaign, name="Manhattan", bounds=(-74.1, 40.6, -73.9, 40.9))
    make_area(
        session, campaign, name="Midtown", kind="neighbourhood", bounds=(-74, 40.75, -73.9, 40.8)
    )
    task = make_task(session, campaign, lon=TIMES_SQUARE[0], lat=TIMES_SQUARE[1])
    make_count(
        session, task, median_all=2.0, median_building=2.0, agreement_all="2 vs 1", total=2.0
    )
    outside = make_task(session, campaign, lon=-73.5, lat=40.7)
    make_count(session, outside)
    make_task(session, campaign, lon=-73.6, lat=40.7)  # no counts yet: not published
    body = client.get("/api/v1/campaigns/pub-counts/counts").json()
    assert_collection(body)
    assert body["numberMatched"] == 2
    first, second = (f["properties"] for f in body["features"])
    assert body["features"][0]["geometry"]["coordinates"] == list(TIMES_SQUARE)
    assert first["median_all"] == 2.0 and first["agreement_all"] == "2 vs 1"
    assert first["median_building"] == 2.0 and first["total"] == 2.0
    assert {k for k in first if k.startswith("agreement_")} == {
        f"agreement_{c}"
        for c in (
            "all",
            "street_furniture",
            "building",
            "other",
            "dome_ptz",
            "bullet",
            "unknown_type",
        )
    }
    assert first["image_date"] == "2021-06"
    assert first["area_borough"] == "Manhattan" and first["area_neighbourhood"] == "Midtown"
    assert second["area_borough"] is None
    # Large pages look areas up set-wise rather than row by row: same answer.
    large = client.get("/api/v1/campaigns/pub-counts/counts?limit=5000").json()
    assert large["features"] == body["features"]
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/campaigns/pub-counts/counts?format=csv").text)
        )
    )
    assert rows[0]["area_borough"] == "Manhattan" and rows[0]["median_all"] == "2.0"


def test_tags_are_anonymised(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="pub-tags")
    task = make_task(session, campaign, status="complete")
    user = make_user(session, email="tagger@example.org", display_name="Tag Person")
    make_tagged_submission(session, task, user, tags=2)
    # An open task's tags stay private until it completes (issue 9.4).
    make_tagged_submission(session, make_task(session, campaign), user, tags=3)
    tutorial = make_task(session, campaign, is_tutorial=True)
    make_tagged_submission(session, tutorial, user, tags=1)
    body = client.get("/api/v1/campaigns/pub-tags/tags").json()
    assert_collection(body)
    assert body["numberMatched"] == 2  # tutorial answers are practice, not data
    props = body["features"][0]["properties"]
    assert props["decoder"] == user.public_id
    assert props["submitted"] == "2021-06-03"
    assert set(props) == {
        "id", "task_id", "decoder", "heading", "pitch", "zoom", "attachment", "camera_type",
        "base_heading", "base_pitch", "submitted", "imagery_licences", "imagery_attributions",
    }  # fmt: skip
