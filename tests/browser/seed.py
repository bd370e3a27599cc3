"""Data for the browser tests: the demo campaign, a coordinator and confirmed cameras."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.demo.seed import seed_demo
from app.domain.triangulation import destination
from app.models import Campaign, Panorama, Task
from app.models.results import Camera
from app.services.accounts.users import create_user

# A non-zero heading for every panorama, so a test passes only if the browser adds the
# panorama's heading to the viewer's yaw (PSV puts yaw 0 at the image's centre column).
PANORAMA_HEADING = 37.0
COORDINATOR_PASSWORD = "coordinator-password-1"


@dataclass(frozen=True)
class Seeded:
    slug: str
    coordinator_email: str
    camera_positions: list[tuple[float, float]]  # (lon, lat) of the confirmed cameras


def seed_campaign(engine: Engine, *, slug: str, media_root: Path) -> Seeded:
    """The demo campaign (8 tasks, 3 of them tutorial) rendered with a rotated heading."""
    with Session(engine) as session:
        seed_demo(session, slug=slug, media_root=media_root, max_tasks=8, image_width=2048)
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        for panorama in session.scalars(
            select(Panorama).where(Panorama.campaign_id == campaign.id)
        ):
            panorama.heading = PANORAMA_HEADING
        session.commit()
        # Re-render the images with the new heading (seed_demo renders the missing ones).
        shutil.rmtree(media_root / "demo" / slug, ignore_errors=True)
        seed_demo(session, slug=slug, media_root=media_root, max_tasks=8, image_width=2048)
        email = f"coordinator-{slug}@example.org"
        create_user(
            session,
            email=email,
            password=COORDINATOR_PASSWORD,
            role="coordinator",
            display_name="Coordinator",
        )
        positions = _confirmed_cameras(session, campaign)
        session.commit()
    return Seeded(slug=slug, coordinator_email=email, camera_positions=positions)


def _confirmed_cameras(session: Session, campaign: Campaign) -> list[tuple[float, float]]:
    """Confirmed cameras where the demo drew them, as reconciliation would place them."""
    positions = []
    tasks = session.scalars(select(Task).where(Task.campaign_id == campaign.id).order_by(Task.id))
    for task in tasks:
        lat0, lon0 = session.execute(
            select(Panorama.geom.ST_Y(), Panorama.geom.ST_X()).where(
                Panorama.id == task.panorama_id
            )
        ).one()
        for drawn in task.known_answer or []:
            lat, lon = destination(lat0, lon0, drawn["heading"], drawn["distance_m"])
            session.add(
                Camera(
                    campaign_id=campaign.id,
                    task_id=task.id,
                    status="confirmed",
                    confidence=0.93,
                    attachment=drawn["attachment"],
                    camera_type=drawn["camera_type"],
                    bearing=drawn["heading"],
                    pitch=drawn["pitch"],
                    geom=from_shape(Point(lon, lat), srid=4326),
                    location_method="pitch_prior",
                    uncertainty_m=12.0,
                    support=3,
                    voters=3,
                    n_panoramas=1,
                    method_version="test",
                )
            )
            positions.append((lon, lat))
    session.flush()
    return positions
