"""Expert labels: a task's true cameras become its known answer (DESIGN §5.5, issue 10.1).

An expert sees the panorama alone until they saved their own label, so the crowd's tags cannot
anchor them; then the crowd's tags, counts and cameras are shown beside it. A saved label sets
the task's known answer (with who and when), completes the QA sample row of that task, and
queues the task for reconciliation: its cameras get their truth and, at the next campaign run,
the reliability model is anchored by it (app.services.reconciliation.known).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.domain.counts import CATEGORIES, counts_from_tags
from app.errors import NoKnownAnswer, OwnTaskReview, TaskNotFound
from app.models import Camera, Campaign, Panorama, Review, Submission, Tag, Task, TaskCount, User
from app.schemas.quality import (
    CrowdCamera,
    CrowdTag,
    CrowdView,
    KnownAnswerRead,
    KnownCameraIn,
    KnownUse,
)
from app.services.quality.report import store_report

_QUEUE_JOB = text(
    "INSERT INTO reconcile_jobs (task_id, campaign_id) VALUES (:t, :c) "
    "ON CONFLICT (task_id) DO NOTHING"
)


def queue_reconcile(session: Session, *, task: Task) -> None:
    """Queue the task for reconciliation (its known answer or its votes changed)."""
    session.execute(_QUEUE_JOB, {"t": task.id, "c": task.campaign_id})


def get_task(session: Session, *, task_id: int, lock: bool = False) -> Task:
    """The task, optionally locked; 404 otherwise."""
    query = select(Task).where(Task.id == task_id)
    task = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if task is None:
        raise TaskNotFound(f"No task {task_id}.")
    return task


def decoded_by(session: Session, *, task_id: int, user_id: int) -> bool:
    """Whether the user answered this task as a decoder."""
    found = session.scalar(
        select(Submission.id).where(Submission.task_id == task_id, Submission.user_id == user_id)
    )
    return found is not None


def known_answer_read(session: Session, task: Task) -> KnownAnswerRead | None:
    """The task's known answer with its author's pseudonym, or None."""
    if not isinstance(task.known_answer, list):
        return None
    author = session.get(User, task.labelled_by) if task.labelled_by else None
    return KnownAnswerRead(
        task_id=task.id,
        cameras=[KnownCameraIn.model_validate(_camera_fields(c)) for c in task.known_answer],
        use="tutorial" if task.is_tutorial else "check",
        labelled_by=author.public_id if author else None,
        labelled_at=task.labelled_at,
    )


def _camera_fields(camera: dict[str, Any]) -> dict[str, Any]:
    keys = ("heading", "pitch", "attachment", "camera_type", "base_heading", "base_pitch")
    fields = {k: camera.get(k) for k in keys if camera.get(k) is not None}
    fields.setdefault("attachment", "other")
    fields.setdefault("camera_type", "unknown")
    return fields


def has_labelled(session: Session, *, task: Task, user: User) -> bool:
    """Whether this caller placed the task's current label or reviewed it in a sample."""
    if task.labelled_by == user.id and task.known_answer is not None:
        return True
    return (
        session.scalar(
            select(Review.id).where(Review.task_id == task.id, Review.reviewer_id == user.id)
        )
        is not None
    )


def crowd_view(session: Session, *, task: Task) -> CrowdView:
    """The crowd's tags (by pseudonym), the task's counts and cameras."""
    tags = session.execute(
        select(Tag, User.public_id)
        .join(Submission, Submission.id == Tag.submission_id)
        .join(User, User.id == Tag.user_id)
        .where(Tag.task_id == task.id, Submission.outcome != "problem")
        .order_by(Tag.id)
    ).all()
    counts = session.get(TaskCount, task.id)
    cameras = session.scalars(
        select(Camera).where(Camera.task_id == task.id).order_by(Camera.id)
    ).all()
    submissions = session.scalar(
        select(text("count(*)"))
        .select_from(Submission)
        .where(Submission.task_id == task.id, Submission.outcome != "problem")
    )
    return CrowdView(
        submissions=int(submissions or 0),
        tags=[
            CrowdTag(
                decoder=pid,
                heading=t.heading,
                pitch=t.pitch,
                attachment=t.attachment,
                camera_type=t.camera_type,
                base_heading=t.base_heading,
                base_pitch=t.base_pitch,
            )
            for t, pid in tags
        ],
        counts=(
            {c: float(getattr(counts, f"median_{c}")) for c in CATEGORIES} | {"total": counts.total}
            if counts
            else None
        ),
        cameras=[
            CrowdCamera(
                id=c.id,
                status=c.status,
                bearing=c.bearing,
                pitch=c.pitch,
                attachment=c.attachment,
                camera_type=c.camera_type,
                support=c.support,
                voters=c.voters,
                confidence=c.confidence,
            )
            for c in cameras
        ],
    )


def panorama_of(session: Session, task: Task) -> Panorama:
    """The task's panorama."""
    return session.get_one(Panorama, task.panorama_id)


def campaign_of(session: Session, task: Task) -> Campaign:
    """The task's campaign."""
    return session.get_one(Campaign, task.campaign_id)


def set_known_answer(
    session: Session,
    *,
    task: Task,
    cameras: Sequence[KnownCameraIn],
    user: User | None,
    report: bool = True,
) -> None:
    """Store the label as the task's known answer; complete the task's sample reviews.

    `report`: store the QA report again when the task is in a sample (an import does it once).
    """
    now = datetime.now(UTC)
    task.known_answer = [c.model_dump(exclude_none=True) for c in cameras]
    task.labelled_by = user.id if user else None
    task.labelled_at = now
    counts = counts_from_tags((c.attachment, c.camera_type) for c in cameras)
    reviewed = 0
    if user is not None:
        done = session.execute(
            update(Review)
            .where(Review.task_id == task.id, Review.sample_id.is_not(None))
            .where(Review.reviewer_id.is_(None) | (Review.reviewer_id == user.id))
            .values(
                reviewer_id=user.id,
                reviewed_at=now,
                **{f"n_{k}": counts[k] for k in ("all", "street_furniture", "building", "other")},
                n_dome_ptz=counts["dome_ptz"],
                n_bullet=counts["bullet"],
            )
        )
        reviewed = int(getattr(done, "rowcount", 0) or 0)
    queue_reconcile(session, task=task)
    session.flush()
    if report and (reviewed or _in_a_sample(session, task=task)):
        # The report in the published metadata follows the experts' labels.
        store_report(session, campaign=campaign_of(session, task))


def _in_a_sample(session: Session, *, task: Task) -> bool:
    found = session.scalar(
        select(Review.id).where(
            Review.task_id == task.id,
            Review.sample_id.is_not(None),
            Review.reviewer_id.is_not(None),
        )
    )
    return found is not None


def save_label(
    session: Session, *, task_id: int, user: User, cameras: Sequence[KnownCameraIn]
) -> Task:
    """An expert's label: refused on a task they decoded, so a label never grades itself."""
    task = get_task(session, task_id=task_id, lock=True)
    if decoded_by(session, task_id=task.id, user_id=user.id):
        raise OwnTaskReview("You decoded this task; another expert must label it.")
    set_known_answer(session, task=task, cameras=cameras, user=user)
    return task


def promote(session: Session, *, task_id: int, use: KnownUse) -> Task:
    """Use a known-answer task as a tutorial (first, with feedback) or a hidden check."""
    task = get_task(session, task_id=task_id, lock=True)
    if not isinstance(task.known_answer, list):
        raise NoKnownAnswer(f"Task {task_id} has no known answer yet.")
    campaign = campaign_of(session, task)
    if use == "tutorial":
        task.is_tutorial = True
        if task.status == "complete":
            # Tutorial tasks take every newcomer; they are never reconciled into cameras.
            task.status, task.completed_at = "open", None
    else:
        task.is_tutorial = False
        if task.status == "open" and task.valid_submissions >= campaign.votes_per_task:
            task.status, task.completed_at = "complete", datetime.now(UTC)
    queue_reconcile(session, task=task)  # drops or restores its counts and cameras
    session.flush()
    return task


def list_known(session: Session, *, campaign: Campaign) -> list[KnownAnswerRead]:
    """The campaign's known-answer tasks, tutorials first."""
    tasks = session.scalars(
        select(Task)
        .where(Task.campaign_id == campaign.id, Task.known_answer.is_not(None))
        .order_by(Task.is_tutorial.desc(), Task.id)
    ).all()
    return [a for a in (known_answer_read(session, t) for t in tasks) if a is not None]
