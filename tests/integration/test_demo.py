from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo.seed import seed_demo
from app.models import Area, Location, Task


def test_demo_builds_tasks_areas_and_panoramas_with_known_answers(
    client: TestClient, session: Session, settings_media: Path
) -> None:
    summary = seed_demo(session, slug="demo-test", media_root=settings_media, image_width=1024)
    assert "created" in summary
    tasks = session.scalars(select(Task).where(Task.external_ref.is_not(None))).all()
    locations = session.scalar(select(func.count(Location.id)))
    assert 45 <= len(tasks) <= 55
    # Two pairs of demo locations lie within 5 m of each other: they share a task.
    assert locations == len(tasks) + 2
    assert {a.name for a in session.scalars(select(Area))} >= {
        "Manhattan",
        "Bronx",
        "Brooklyn",
        "Queens",
        "Staten Island",
    }
    assert sum(t.is_tutorial for t in tasks) == 3
    assert all(t.known_answer is not None for t in tasks)
    assert any(len(t.known_answer or []) > 0 for t in tasks)
    images = sorted((settings_media / "demo" / "demo-test").glob("*.jpg"))
    assert len(images) == len(tasks)
    with Image.open(images[0]) as image:
        assert image.size == (1024, 512)
    response = client.get("/media/demo/demo-test/001.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"


def test_second_demo_run_reuses_the_campaign(session: Session, settings_media: Path) -> None:
    seed_demo(session, slug="demo-again", media_root=settings_media, max_tasks=3, image_width=256)
    again = seed_demo(session, slug="demo-again", media_root=settings_media, image_width=256)
    assert again.startswith("reused")
    assert "0 panoramas rendered" in again
