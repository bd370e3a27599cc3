"""Licences flow into outputs: features, metadata, OGC collections, and the OsmChange export."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.models import Camera, CameraTag, Campaign, Panorama, Tag, Task
from app.services.publishing import osm
from tests.factories import make_campaign, make_task, make_user
from tests.publishing_factories import make_camera, make_count, make_tagged_submission

MAPILLARY = {
    "provider": "mapillary",
    "provider_id": "m1",
    "image_url": None,
    "licence": "CC-BY-SA-4.0",
    "attribution": "© ana, Mapillary, CC BY-SA 4.0",
    "osm_compatible": True,
}
PANORAMAX = {
    "provider": "panoramax",
    "provider_id": "p1",
    "licence": "etalab-2.0",
    "attribution": "© Ville, Panoramax (x), Licence Ouverte 2.0 (etalab)",
    "osm_compatible": True,
}
GOOGLE = {
    "provider": "google",
    "provider_id": "g1",
    "image_url": None,
    "licence": "LicenseRef-Google-Maps-Terms",
    "attribution": "Google Street View",
    "osm_compatible": False,
}


def _task(session: Session, campaign: Campaign, imagery: dict[str, object], lon: float) -> Task:
    # Complete: /tags publishes tags of complete tasks only (issue 9.4).
    task = make_task(session, campaign, lon=lon, lat=40.75, status="complete")
    panorama = session.get_one(Panorama, task.panorama_id)
    for key, value in imagery.items():
        setattr(panorama, key, value)
    session.flush()
    return task


def _seed(session: Session, slug: str) -> tuple[Campaign, dict[str, Camera]]:
    campaign = make_campaign(session, slug=slug)
    mly = _task(session, campaign, MAPILLARY, -73.99)
    pmx = _task(session, campaign, PANORAMAX, -73.98)
    goo = _task(session, campaign, GOOGLE, -73.97)
    cams = {
        "mapillary": make_camera(session, campaign, lon=-73.99, lat=40.7501, task_id=mly.id),
        "panoramax": make_camera(
            session, campaign, lon=-73.98, lat=40.7501, task_id=pmx.id, camera_type="bullet",
            attachment="building",
        ),
        "google": make_camera(session, campaign, lon=-73.97, lat=40.7501, task_id=goo.id),
        # Seen from a Mapillary and a Google panorama: Google's terms taint it.
        "both": make_camera(
            session, campaign, lon=-73.975, lat=40.7502, task_id=pmx.id, n_panoramas=2,
            location_method="triangulated",
        ),
        "candidate": make_camera(
            session, campaign, lon=-73.99, lat=40.7502, task_id=mly.id, status="candidate"
        ),
    }  # fmt: skip
    submission = make_tagged_submission(session, goo, make_user(session))
    tag = session.query(Tag).filter(Tag.submission_id == submission.id).one()
    session.add(CameraTag(camera_id=cams["both"].id, tag_id=tag.id))
    make_count(session, mly)
    session.flush()
    return campaign, cams


def test_camera_features_say_what_imagery_they_rest_on(
    client: TestClient, session: Session
) -> None:
    campaign, cams = _seed(session, "lic-cams")
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/cameras").json()
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    assert by_id[cams["mapillary"].id]["imagery_licences"] == ["CC-BY-SA-4.0"]
    assert by_id[cams["mapillary"].id]["imagery_attributions"] == ["© ana, Mapillary, CC BY-SA 4.0"]
    assert by_id[cams["mapillary"].id]["osm_compatible"] is True
    assert by_id[cams["panoramax"].id]["osm_compatible"] is True
    assert by_id[cams["google"].id]["osm_compatible"] is False
    both = by_id[cams["both"].id]
    assert both["imagery_licences"] == ["LicenseRef-Google-Maps-Terms", "etalab-2.0"]
    assert both["osm_compatible"] is False
    assert [row["licence"] for row in body["imagery_licences"]] == [
        "CC-BY-SA-4.0", "LicenseRef-Google-Maps-Terms", "etalab-2.0",
    ]  # fmt: skip
    assert body["imagery_licences"][0]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert "Google Street View" in body["imagery_attributions"]


def test_a_triangulated_camera_rests_on_its_own_tags_only(
    client: TestClient, session: Session
) -> None:
    # Two triangulated cameras, each tagged from another panorama: neither may take on the
    # other's imagery (the tags' subquery once read every camera's tags, not its own).
    campaign, cams = _seed(session, "lic-own-tags")
    mly = session.get_one(Task, cams["mapillary"].task_id)
    other = make_camera(
        session, campaign, lon=-73.985, lat=40.7502, task_id=cams["panoramax"].task_id,
        n_panoramas=2, location_method="triangulated",
    )  # fmt: skip
    submission = make_tagged_submission(session, mly, make_user(session))
    tag = session.query(Tag).filter(Tag.submission_id == submission.id).one()
    session.add(CameraTag(camera_id=other.id, tag_id=tag.id))
    session.flush()
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/cameras").json()
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    assert by_id[other.id]["imagery_licences"] == ["CC-BY-SA-4.0", "etalab-2.0"]
    assert by_id[other.id]["osm_compatible"] is True
    assert by_id[cams["both"].id]["imagery_licences"] == [
        "LicenseRef-Google-Maps-Terms", "etalab-2.0",
    ]  # fmt: skip


def test_counts_tags_and_csv_carry_the_licence(client: TestClient, session: Session) -> None:
    campaign, _ = _seed(session, "lic-counts")
    counts = client.get(f"/api/v1/campaigns/{campaign.slug}/counts").json()
    assert counts["features"][0]["properties"]["imagery_licences"] == ["CC-BY-SA-4.0"]
    tags = client.get(f"/api/v1/campaigns/{campaign.slug}/tags").json()
    assert tags["features"][0]["properties"]["imagery_attributions"] == ["Google Street View"]
    csv = client.get(f"/api/v1/campaigns/{campaign.slug}/cameras?format=csv").text
    header, *rows = csv.splitlines()
    assert "imagery_licences" in header.split(",") and "osm_compatible" in header.split(",")
    assert any("LicenseRef-Google-Maps-Terms; etalab-2.0" in row for row in rows)


def test_ogc_collections_list_the_imagery_licences(client: TestClient, session: Session) -> None:
    campaign, _ = _seed(session, "lic-ogc")
    campaign.status = "open"
    session.flush()
    body = client.get(f"/ogc/collections/{campaign.slug}-cameras").json()
    assert {r["licence"] for r in body["imagery_licences"]} == {
        "CC-BY-SA-4.0", "LicenseRef-Google-Maps-Terms", "etalab-2.0",
    }  # fmt: skip
    assert "© ana, Mapillary, CC BY-SA 4.0" in body["imagery_attributions"]


def test_the_osm_change_holds_confirmed_cameras_from_osm_compatible_imagery_only(
    session: Session,
) -> None:
    campaign, _ = _seed(session, "lic-osm")
    tally = osm.OsmTally()
    document = b"".join(osm.osm_change(session, campaign=campaign, tally=tally))
    root = ET.fromstring(document)
    assert root.tag == "osmChange" and root.get("version") == "0.6"
    nodes = root.findall("./create/node")
    assert [int(n.get("id", "0")) for n in nodes] == [-1, -2]
    assert (tally.written, tally.not_compatible) == (2, 2)  # google and both; not the candidate
    positions = {(float(n.get("lat", 0)), float(n.get("lon", 0))) for n in nodes}
    assert positions == {(40.7501, -73.99), (40.7501, -73.98)}
    tags = [{t.get("k"): t.get("v") for t in n.findall("tag")} for n in nodes]
    assert tags[0] == {
        "man_made": "surveillance",
        "surveillance": "public",
        "surveillance:type": "camera",
        "camera:type": "dome",
        "camera:mount": "pole",
    }
    assert tags[1]["camera:mount"] == "wall" and "surveillance" not in tags[1]


def test_decoders_export_osm_writes_the_file(
    cli_runner: CliRunner, live_database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(live_database_url)
    with Session(engine) as session:
        campaign, _ = _seed(session, f"lic-osm-cli-{tmp_path.name[-6:].lower().replace('_', '-')}")
        slug = campaign.slug
        session.commit()
    engine.dispose()
    out = tmp_path / "cameras.osc"
    result = cli_runner.invoke(cli, ["export", "osm", "--campaign", slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 confirmed cameras" in result.output
    assert "left out 2" in result.output
    assert len(ET.parse(out).getroot().findall("./create/node")) == 2
