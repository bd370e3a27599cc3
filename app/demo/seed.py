"""The offline demo campaign: real NYC intersections, generated panoramas with known cameras."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from geoalchemy2.shape import from_shape
from rich.progress import Progress
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo.data import BOROUGHS_GEOJSON, load_demo_locations
from app.demo.imagery.render import DrawnCamera, plan_scene, render_equirect
from app.domain.triangulation import destination
from app.models import Campaign, Location, Panorama, Task
from app.schemas.campaigns import CampaignCreate
from app.services.campaigns import create_campaign
from app.services.imports import import_areas, task_near
from app.settings import get_settings

TUTORIAL_TASKS = 3


def _known_answer(cameras: list[DrawnCamera], lat: float, lon: float) -> list[dict[str, Any]]:
    answer = []
    for camera in cameras:
        cam_lat, cam_lon = destination(lat, lon, camera.heading, camera.distance_m)
        answer.append({**asdict(camera), "lat": round(cam_lat, 7), "lon": round(cam_lon, 7)})
    return answer


def _new_task(session: Session, campaign: Campaign, index: int, lat: float, lon: float) -> Task:
    seed = 1000 + index
    panorama = Panorama(
        campaign_id=campaign.id,
        provider="equirect",
        provider_id=f"demo-{index:03d}",
        image_url=f"/media/demo/{campaign.slug}/{index:03d}.jpg",
        geom=from_shape(Point(lon, lat), srid=4326),
        captured_at=date(2021, 4 + index % 6, 1),
        heading=0.0,
    )
    session.add(panorama)
    session.flush()
    task = Task(
        campaign_id=campaign.id,
        panorama_id=panorama.id,
        known_answer=_known_answer(plan_scene(seed), lat, lon),
        external_ref=str(seed),
    )
    session.add(task)
    session.flush()
    return task


def _create(session: Session, slug: str, max_tasks: int | None) -> Campaign:
    campaign = create_campaign(
        session,
        payload=CampaignCreate(
            slug=slug,
            name="NYC demo",
            description="A demo campaign on real New York intersections with generated panoramas.",
        ),
    )
    campaign.status = "open"
    import_areas(
        session,
        campaign=campaign,
        data=BOROUGHS_GEOJSON.read_bytes(),
        name_field="BoroName",
        kind="borough",
    )
    tasks: list[Task] = []
    places = load_demo_locations()
    for index, place in enumerate(places[:max_tasks] if max_tasks else places, start=1):
        task_id = task_near(session, campaign_id=campaign.id, lon=place.lon, lat=place.lat)
        if task_id is None:
            task = _new_task(session, campaign, index, place.lat, place.lon)
            tasks.append(task)
            task_id = task.id
        session.add(
            Location(
                campaign_id=campaign.id,
                external_id=f"demo-{index:03d}",
                name=place.name,
                properties={"borough": place.borough},
                geom=from_shape(Point(place.lon, place.lat), srid=4326),
                task_id=task_id,
            )
        )
    # The tutorial opens on tasks that have cameras to find, so feedback has something to say.
    for task in [t for t in tasks if t.known_answer][:TUTORIAL_TASKS]:
        task.is_tutorial = True
    session.flush()
    return campaign


def _render_missing(
    session: Session, campaign: Campaign, *, media_root: Path, width: int, progress: bool
) -> int:
    rows = session.execute(
        select(Task.external_ref, Panorama.image_url, Panorama.heading)
        .join(Panorama, Panorama.id == Task.panorama_id)
        .where(Task.campaign_id == campaign.id)
        .order_by(Task.id)
    ).all()
    todo: list[tuple[int, Path, float]] = []
    for ref, url, heading in rows:
        path = media_root / str(url).removeprefix("/media/")
        if not path.exists():
            todo.append((int(str(ref)), path, heading))
    with Progress(disable=not progress) as bar:
        job = bar.add_task("Rendering panoramas", total=len(todo))
        for seed, path, heading in todo:
            path.parent.mkdir(parents=True, exist_ok=True)
            image = render_equirect(plan_scene(seed), seed=seed, width=width, pano_heading=heading)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(image)
            tmp.replace(path)  # atomic: a half-written JPEG is never served
            bar.advance(job)
    return len(todo)


def seed_demo(
    session: Session,
    *,
    slug: str = "nyc-demo",
    progress: bool = False,
    media_root: Path | None = None,
    max_tasks: int | None = None,
    image_width: int = 4096,
) -> str:
    """Create the demo campaign unless it exists; render any panorama image that is missing.

    Tests pass a smaller `max_tasks` and `image_width`; the demo itself uses 4096×2048 images.
    """
    campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one_or_none()
    created = campaign is None
    if campaign is None:
        campaign = _create(session, slug, max_tasks)
    rendered = _render_missing(
        session,
        campaign,
        media_root=media_root or get_settings().media_root,
        width=image_width,
        progress=progress,
    )
    tasks = session.scalar(select(func.count(Task.id)).where(Task.campaign_id == campaign.id))
    verb = "created" if created else "reused"
    return f"{verb} demo campaign '{slug}': {tasks} tasks, {rendered} panoramas rendered"
