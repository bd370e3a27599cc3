from fastapi.testclient import TestClient


def test_health_reports_database_postgis_and_migration(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["migration"] is not None


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/health" in spec["paths"]


def test_public_config_exposes_browser_keys_only(client: TestClient) -> None:
    body = client.get("/api/v1/config").json()
    assert set(body) == {"google_maps_key", "mapillary_token", "basemap_style_url", "licence"}
    assert "secret" not in str(body).lower()
