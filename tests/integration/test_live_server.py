import httpx


def test_live_server_answers_health(live_url: str) -> None:
    response = httpx.get(f"{live_url}/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
