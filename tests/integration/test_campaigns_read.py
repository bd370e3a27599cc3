from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_campaign


def test_campaign_list_shows_open_campaigns_not_drafts(
    client: TestClient, session: Session
) -> None:
    make_campaign(session, slug="visible", status="open")
    make_campaign(session, slug="hidden", status="draft")
    slugs = [c["slug"] for c in client.get("/api/v1/campaigns").json()["campaigns"]]
    assert "visible" in slugs
    assert "hidden" not in slugs


def test_unknown_campaign_is_a_404_envelope(client: TestClient) -> None:
    response = client.get("/api/v1/campaigns/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "campaign_not_found"
