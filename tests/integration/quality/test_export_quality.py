"""The quality report in the metadata of the published layers and exports (issue 10.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.schemas.quality import KnownCameraIn
from app.services import quality
from app.services.quality.labels import save_label
from tests.factories import make_campaign, make_user
from tests.integration.quality.helpers import complete_tasks, staff

TRUTH = [
    {"heading": 10.0, "pitch": 8.0, "attachment": "street_furniture", "camera_type": "dome_ptz"}
]


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "computed_at"}


def test_layers_and_exports_carry_the_quality_report(client: TestClient, session: Session) -> None:
    campaign = make_campaign(session, tutorial_tasks=0, known_answer_every=0)
    complete_tasks(session, campaign, 4)
    base = f"/api/v1/campaigns/{campaign.slug}"

    none = client.get(f"{base}/cameras").json()
    assert none["quality"] is None
    assert "No QA sample has been drawn" in none["quality_unavailable"]

    _, coordinator = staff(session, "coordinator")
    drawn = client.post(f"{base}/qa-samples", json={"per_stratum": 10}, headers=coordinator)
    assert drawn.status_code == 201
    unreviewed = client.get(f"{base}/counts").json()
    assert unreviewed["quality"] is None
    assert unreviewed["quality_unavailable"] == (
        f"No task of QA sample {drawn.json()['id']} (4 drawn) has been reviewed yet."
    )

    _, expert = staff(session, "expert")
    for reviewed in range(1, 5):
        item = client.post(f"{base}/review-queue/next", headers=expert).json()
        saved = client.put(
            f"/api/v1/tasks/{item['task_id']}/known-answer",
            json={"cameras": TRUTH},
            headers=expert,
        )
        assert saved.status_code == 200, saved.text
        # Every saved label is in the published block at once.
        assert client.get(f"{base}/tags").json()["quality"]["reviewed_tasks"] == reviewed

    report = client.get(f"{base}/quality", headers=coordinator).json()
    page = client.get(f"{base}/cameras").json()
    download = json.loads(client.get(f"{base}/cameras?download=true").text)
    ogc = client.get(f"/ogc/collections/{campaign.slug}-cameras").json()
    for published in (page, download, ogc):
        block = published["quality"]
        assert published["quality_unavailable"] is None
        assert _figures(block) == _figures(report)
        assert block["computed_at"] is not None
        assert (block["sample_id"], block["sampled_tasks"], block["reviewed_tasks"]) == (
            drawn.json()["id"],
            4,
            4,
        )
    overall = {c["category"]: c for c in page["quality"]["categories"]}
    assert set(overall) == {"all", "street_furniture", "building", "dome_ptz", "bullet"}
    # The crowd's majority found the expert's camera on every task and nothing else.
    assert overall["all"]["recall"] == {"value": 1.0, "low": 1.0, "high": 1.0}
    assert overall["all"]["precision"]["value"] == 1.0
    # No expert camera on a building: undefined, not invented.
    assert overall["building"]["recall"] == {"value": None, "low": None, "high": None}

    # A new sample waiting for its review does not withdraw the figures measured before.
    complete_tasks(session, campaign, 2)
    newer = client.post(f"{base}/qa-samples", json={"per_stratum": 10}, headers=coordinator)
    assert newer.status_code == 201, newer.text
    assert newer.json()["id"] != drawn.json()["id"]
    kept = client.get(f"{base}/cameras").json()
    assert kept["quality_unavailable"] is None
    assert _figures(kept["quality"]) == _figures(report)


def test_cli_export_carries_the_quality_report(
    cli_runner: CliRunner, live_database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(live_database_url)
    slug = f"qa-export-{tmp_path.name[-6:].lower().replace('_', '-')}"
    with Session(engine) as session:
        campaign = make_campaign(session, slug=slug, tutorial_tasks=0, known_answer_every=0)
        tasks = complete_tasks(session, campaign, 2)
        session.commit()
        out = tmp_path / "before.geojson"
        first = cli_runner.invoke(cli, ["export", "cameras", "--campaign", slug, "-o", str(out)])
        assert first.exit_code == 0, first.output
        before = json.loads(out.read_text())
        assert before["quality"] is None and before["quality_unavailable"]

        expert = make_user(session, role="expert")
        sample = quality.draw(session, campaign=campaign, per_stratum=5, seed=1, by=None)
        for task in tasks:
            save_label(
                session,
                task_id=task.id,
                user=expert,
                cameras=[KnownCameraIn.model_validate(c) for c in TRUTH],
            )
        sample_id = sample.id
        session.commit()
    engine.dispose()
    out = tmp_path / "cameras.geojson"
    result = cli_runner.invoke(cli, ["export", "cameras", "--campaign", slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported["quality_unavailable"] is None
    block = exported["quality"]
    assert (block["sample_id"], block["reviewed_tasks"]) == (sample_id, 2)
    overall = {c["category"]: c for c in block["categories"]}["all"]
    assert overall["recall"]["value"] == 1.0
    assert overall["count_ratio"]["low"] is not None
    # The report printed by the CLI is the one published.
    printed = cli_runner.invoke(cli, ["qa", "report", "--campaign", slug])
    assert printed.exit_code == 0, printed.output
    assert f"sample {sample_id}: 2/2 reviewed" in printed.output
