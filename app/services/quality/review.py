"""The review screen (issue 10.1): a task's panorama for an expert, the crowd once they labelled."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.models import Panorama, Task, User
from app.schemas.decoding import PanoramaRead
from app.schemas.imagery import Attribution, ImageTiles
from app.schemas.quality import KnownCameraIn, TaskReviewRead
from app.services import imagery
from app.services.decoding import panorama_position
from app.services.quality import labels
from app.services.quality.sampling import sample_item
from app.settings import Settings


def panorama_read(panorama: Panorama, *, settings: Settings) -> PanoramaRead:
    """The panorama as the viewer loads it (fresh image URL, tiles, credit)."""
    lon, lat = panorama_position(panorama)
    image = imagery.viewer_image(panorama, settings=settings)
    credit = imagery.credit(panorama)
    return PanoramaRead(
        provider=panorama.provider,
        image_url=image.image_url,
        image_expires_at=image.expires_at,
        image_tiles=ImageTiles.model_validate(image.tiles) if image.tiles else None,
        pano_id=panorama.provider_id if panorama.provider != "equirect" else None,
        lat=lat,
        lon=lon,
        captured_at=panorama.captured_at,
        heading=panorama.heading,
        attribution=Attribution.model_validate(credit) if credit else None,
    )


def _view(session: Session, *, task: Task, user: User, settings: Settings) -> TaskReviewRead:
    # Until the caller placed their own label they see neither the crowd nor another
    # expert's label: either would anchor them.
    mine = labels.has_labelled(session, task=task, user=user)
    return TaskReviewRead(
        task_id=task.id,
        campaign=labels.campaign_of(session, task).slug,
        status=task.status,
        panorama=panorama_read(labels.panorama_of(session, task), settings=settings),
        sample=sample_item(session, task_id=task.id),
        known_answer=labels.known_answer_read(session, task) if mine else None,
        crowd=labels.crowd_view(session, task=task) if mine else None,
    )


def review_task(
    session: Session, *, task_id: int, user: User, settings: Settings
) -> TaskReviewRead:
    """A task for the review screen."""
    task = labels.get_task(session, task_id=task_id)
    return _view(session, task=task, user=user, settings=settings)


def label_task(
    session: Session,
    *,
    task_id: int,
    user: User,
    cameras: Sequence[KnownCameraIn],
    settings: Settings,
) -> TaskReviewRead:
    """Save the expert's label as the task's known answer, then show the crowd beside it."""
    task = labels.save_label(session, task_id=task_id, user=user, cameras=cameras)
    return _view(session, task=task, user=user, settings=settings)
