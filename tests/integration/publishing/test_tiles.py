"""Vector tiles: decoded and checked feature by feature."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import make_campaign
from tests.publishing_factories import make_camera

MVT = "application/vnd.mapbox-vector-tile"
LON, LAT = -73.9855, 40.758


def _tile_position(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile coordinates (XYZ scheme)."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def _decode(data: bytes) -> dict[str, dict]:  # type: ignore[type-arg]
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})  # type: ignore[no-any-return]


def test_a_camera_lands_in_its_tile_with_its_properties(
    client: TestClient, session: Session
) -> None:
    campaign = make_campaign(session, slug="tile-one")
    camera = make_camera(session, campaign, lon=LON, lat=LAT, bearing=123.4, confidence=0.875)
    make_camera(session, campaign, lon=LON + 0.0001, lat=LAT, status="rejected")
    fx, fy = _tile_position(LON, LAT, 16)
    x, y = int(fx), int(fy)
    response = client.get(f"/tiles/tile-one/cameras/16/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT
    assert response.headers["cache-control"] == "public, max-age=300"
    layer = _decode(response.content)["cameras"]
    assert layer["extent"] == 4096
    (feature,) = layer["features"]  # the rejected camera stays out by default
    assert feature["id"] == camera.id
    assert feature["properties"] == {
        "id": camera.id,
        "attachment": "street_furniture",
        "camera_type": "dome_ptz",
        "status": "confirmed",
        "confidence": 0.875,
        "bearing": 123.4,
    }
    px, py = feature["geometry"]["coordinates"]
    assert abs(px - (fx - x) * 4096) <= 1 and abs(py - (fy - y) * 4096) <= 1
    both = _decode(client.get(f"/tiles/tile-one/cameras/16/{x}/{y}.mvt?status=all").content)
    assert len(both["cameras"]["features"]) == 2


def test_an_empty_tile_is_204(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-empty")
    make_camera(session, campaign, lon=LON, lat=LAT)
    for layer in ("cameras", "hexagons"):
        response = client.get(f"/tiles/tile-empty/{layer}/10/0/0.mvt")
        assert response.status_code == 204
        assert response.content == b""


def test_etag_revalidation_answers_304(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-etag")
    make_camera(session, campaign, lon=LON, lat=LAT)
    x, y = (int(v) for v in _tile_position(LON, LAT, 12))
    url = f"/tiles/tile-etag/cameras/12/{x}/{y}.mvt"
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    make_camera(session, campaign, lon=LON + 0.001, lat=LAT)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_hexagon_tiles_count_every_camera(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-hex")
    for i in range(30):
        make_camera(session, campaign, lon=LON + (i % 6) * 0.002, lat=LAT + (i // 6) * 0.002,
                    camera_type="bullet" if i % 3 else "dome_ptz")  # fmt: skip
    x, y = (int(v) for v in _tile_position(LON + 0.005, LAT + 0.004, 11))
    response = client.get(f"/tiles/tile-hex/hexagons/11/{x}/{y}.mvt")
    assert response.status_code == 200
    features = _decode(response.content)["hexagons"]["features"]
    assert sum(f["properties"]["cameras"] for f in features) == 30
    assert sum(f["properties"]["dome_ptz"] for f in features) == 10
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in features)
    assert all(f["properties"]["per_km2"] > 0 for f in features)


def test_bad_tiles_are_rejected(client: TestClient, session: Session) -> None:
    make_campaign(session, slug="tile-bad")
    session.commit()  # keeps the campaign through the failed requests' rollbacks
    for path, status, code in (
        ("/tiles/tile-bad/roads/1/0/0.mvt", 404, "layer_not_found"),
        ("/tiles/no-such/cameras/1/0/0.mvt", 404, "campaign_not_found"),
        ("/tiles/tile-bad/cameras/23/0/0.mvt", 422, "invalid_tile"),
        ("/tiles/tile-bad/cameras/2/4/0.mvt", 422, "invalid_tile"),
        ("/tiles/tile-bad/cameras/2/0/-1.mvt", 422, "invalid_tile"),
        ("/tiles/tile-bad/cameras/a/0/0.mvt", 422, "invalid"),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.json()["error"]["code"] == code, path


def _statements(session: Session) -> list[str]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        # The test harness wraps each request in a savepoint; a real request has none.
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", record)
    return seen


def test_a_cached_tile_costs_one_read_and_no_write(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-cached")
    make_camera(session, campaign, lon=LON, lat=LAT)
    x, y = (int(v) for v in _tile_position(LON, LAT, 14))
    url = f"/tiles/tile-cached/cameras/14/{x}/{y}.mvt"
    first = client.get(url)
    seen = _statements(session)
    again = client.get(url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    # The campaign with its result version, nothing else: no tile query, no rate-limit write.
    assert len(seen) == 1 and "result_versions" in seen[0], seen
    assert not [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_new_results_make_new_tiles_and_etags(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-version")
    make_camera(session, campaign, lon=LON, lat=LAT)
    x, y = (int(v) for v in _tile_position(LON, LAT, 15))
    for layer in ("cameras", "hexagons"):
        url = f"/tiles/tile-version/{layer}/15/{x}/{y}.mvt"
        before = client.get(url)
        make_camera(session, campaign, lon=LON + 0.0002, lat=LAT)
        after = client.get(url)
        assert after.headers["etag"] != before.headers["etag"]

        def cameras(tile: bytes, layer: str = layer) -> int:
            features = _decode(tile)[layer]["features"]
            if layer == "cameras":
                return len(features)
            return sum(f["properties"]["cameras"] for f in features)

        assert cameras(after.content) == cameras(before.content) + 1


def test_tilejson_describes_each_layer(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, slug="tile-json", name="Tile JSON")
    make_camera(session, campaign, lon=LON, lat=LAT)
    make_camera(session, campaign, lon=LON + 0.01, lat=LAT + 0.01)
    for layer in ("cameras", "hexagons"):
        doc = client.get(f"/tiles/tile-json/{layer}.json").json()
        assert doc["tilejson"] == "3.0.0"
        assert doc["tiles"] == [f"http://testserver/tiles/tile-json/{layer}/{{z}}/{{x}}/{{y}}.mvt"]
        assert doc["vector_layers"][0]["id"] == layer
        west, _, _, north = doc["bounds"]
        assert west == pytest.approx(LON) and north == pytest.approx(LAT + 0.01)
    assert client.get("/tiles/tile-json/roads.json").status_code == 404
