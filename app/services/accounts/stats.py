"""Personal statistics of a decoder."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import DecoderQuality, Submission, Task, User
from app.schemas.accounts import UserStats


def user_stats(session: Session, *, user_id: int) -> UserStats:
    """Counts over the decoder's submissions and known-answer results across campaigns.

    A suspended decoder still sees everything they did, with `answers_counted` 0: none of it
    counts in counts, cameras, tags or progress until a coordinator reinstates them.
    """
    row = session.execute(
        select(
            func.count().filter(Submission.outcome != "problem").label("tasks_done"),
            func.coalesce(func.sum(Submission.n_all), 0).label("cameras_tagged"),
            func.count().filter(Submission.outcome == "no_cameras").label("no_camera_tasks"),
            func.count().filter(Submission.outcome == "problem").label("problems_reported"),
            # What counts in the published outputs: votes on pool tasks that are not excluded
            # (tutorial answers and problem reports are not votes).
            func.count()
            .filter(
                Submission.outcome != "problem",
                Task.is_tutorial.is_(False),
                Task.status != "excluded",
            )
            .label("votes"),
        )
        .join(Task, Task.id == Submission.task_id)
        .where(Submission.user_id == user_id)
    ).one()
    quality = session.execute(
        select(
            func.coalesce(func.sum(DecoderQuality.known_tasks), 0),
            func.coalesce(func.sum(DecoderQuality.known_matched), 0),
            func.coalesce(func.sum(DecoderQuality.known_cameras), 0),
            func.coalesce(func.sum(DecoderQuality.known_tags), 0),
        ).where(DecoderQuality.user_id == user_id)
    ).one()
    known_tasks, matched, cameras, tags = (int(v) for v in quality)
    suspended_at = session.scalar(select(User.suspended_at).where(User.id == user_id))
    return UserStats(
        tasks_done=int(row.tasks_done),
        cameras_tagged=int(row.cameras_tagged),
        no_camera_tasks=int(row.no_camera_tasks),
        problems_reported=int(row.problems_reported),
        known_answer_tasks=known_tasks,
        known_answer_recall=matched / cameras if cameras else None,
        known_answer_precision=matched / tags if tags else None,
        suspended_at=suspended_at,
        answers_counted=0 if suspended_at is not None else int(row.votes),
    )
