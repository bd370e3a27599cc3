"""Every layer says the same thing in each format: a page, GeoJSONSeq, a GeoJSON file, CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import CameraTag, Panorama, Tag
from app.services.publishing.features import OSM_KEYS
from tests.factories import make_campaign, make_task, make_user
from tests.publishing_factories import make_area, make_camera, make_count, make_tagged_submission

SLUG = "pub-formats"


def _seed(session: Session) -> None:
    campaign = make_campaign(session, slug=SLUG)
    make_area(session, campaign, name='Zeta, "quoted"', bounds=(-74.1, 40.6, -73.9, 40.9))
    make_area(session, campaign, name="Alpha", bounds=(-74.1, 40.6, -73.95, 40.9))
    make_area(session, campaign, name="Midtown", kind="neighbourhood", bounds=(-74, 40.7, -73, 41))
    tasks = []
    for i, (licence, credit) in enumerate(
        [("CC-BY-SA-4.0", "© ana; Mapillary"), (None, None), ("etalab-2.0", "Ville\nde Paris")]
    ):
        task = make_task(session, campaign, lon=-74.02 + i * 0.03, lat=40.75, status="complete")
        panorama = session.get_one(Panorama, task.panorama_id)
        panorama.licence, panorama.attribution = licence, credit
        panorama.osm_compatible = licence is not None
        tasks.append(task)
    session.flush()
    for i, task in enumerate(tasks):
        make_count(session, task, median_all=float(i), median_building=0.5 * i, total=2.0 + i)
        make_camera(session, campaign, lon=-74.02 + i * 0.03 + 1e-5, lat=40.7501234567,
                    task_id=task.id, confidence=1.0, bearing=None if i == 1 else 12.25 * i,
                    attachment=("street_furniture", "building", "other")[i])  # fmt: skip
    both = make_camera(session, campaign, lon=-73.99, lat=40.76, task_id=tasks[0].id,
                       n_panoramas=2, location_method="triangulated")  # fmt: skip
    user = make_user(session)
    for task in tasks:
        make_tagged_submission(session, task, user, tags=2)
    tag = session.query(Tag).filter(Tag.task_id == tasks[2].id).first()
    assert tag is not None
    session.add(CameraTag(camera_id=both.id, tag_id=tag.id))
    session.flush()


def _cell(value: Any) -> str:
    """How the CSV writes a JSON property value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


@pytest.mark.parametrize("layer", ["cameras", "counts", "tags"])
def test_json_csv_and_geojsonseq_agree_feature_by_feature(
    client: TestClient, session: Session, layer: str
) -> None:
    _seed(session)
    url = f"/api/v1/campaigns/{SLUG}/{layer}?status=all" if layer == "cameras" else (
        f"/api/v1/campaigns/{SLUG}/{layer}?"
    )  # fmt: skip
    page = client.get(f"{url}&limit=10000").json()["features"]
    small = client.get(f"{url}&limit=100").json()["features"]
    seq = [json.loads(r) for r in client.get(f"{url}&format=geojsonseq").text.split("\x1e")[1:]]
    whole = client.get(f"{url}&download=true").json()["features"]
    text = client.get(f"{url}&format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(page) >= 3
    assert page == small == seq == whole
    assert len(rows) == len(page)
    for feature, row in zip(page, rows, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert float(row.pop("lon")) == lon and float(row.pop("lat")) == lat
        props = dict(feature["properties"])
        osm = props.pop("osm", None)
        if layer == "cameras":
            assert osm is not None
            assert {k: row.pop(f"osm:{k}") for k in OSM_KEYS} == {
                k: _cell(osm.get(k)) for k in OSM_KEYS
            }
        assert row == {name: _cell(value) for name, value in props.items()}, feature["id"]
        # Reals stay reals in both: GDAL types a column by the values it sees.
        for name, value in props.items():
            if isinstance(value, float):
                assert "." in row[name] or "e" in row[name], (name, row[name])


def test_a_triangulated_camera_lists_every_panorama_s_licence(
    client: TestClient, session: Session
) -> None:
    _seed(session)
    features = client.get(f"/api/v1/campaigns/{SLUG}/cameras").json()["features"]
    triangulated = next(f for f in features if f["properties"]["n_panoramas"] == 2)
    props = triangulated["properties"]
    assert props["imagery_licences"] == ["CC-BY-SA-4.0", "etalab-2.0"]
    assert props["osm_compatible"] is True
    counts = client.get(f"/api/v1/campaigns/{SLUG}/counts").json()["features"]
    assert counts[0]["properties"]["area_borough"] == 'Alpha; Zeta, "quoted"'
    assert counts[1]["properties"]["imagery_licences"] == []
