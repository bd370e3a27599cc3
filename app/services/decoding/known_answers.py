"""Known-answer tasks: tutorial feedback and each decoder's measured recall and precision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.domain.known_answers import KnownCamera, TagDirection, match_known
from app.models import DecoderQuality, Task, User
from app.schemas.decoding import Feedback, MatchedTag, MissedCamera, SubmissionCreate


def _known(task: Task) -> list[KnownCamera]:
    answer: list[dict[str, Any]] = task.known_answer or []
    return [
        KnownCamera(
            heading=float(c["heading"]),
            pitch=float(c["pitch"]),
            attachment=str(c["attachment"]),
            camera_type=str(c["camera_type"]),
        )
        for c in answer
    ]


def feedback_for(task: Task, payload: SubmissionCreate) -> Feedback | None:
    """Which tags matched a known camera and which cameras were missed (tutorial tasks only)."""
    if not task.is_tutorial or task.known_answer is None or payload.outcome == "problem":
        return None
    return _feedback(task, payload)


def _feedback(task: Task, payload: SubmissionCreate) -> Feedback:
    known = _known(task)
    tags = [TagDirection(t.heading, t.pitch, t.attachment, t.camera_type) for t in payload.tags]
    result = match_known(tags, known)
    ok = {tag: (a, b) for tag, a, b in result.attribute_agreement}
    return Feedback(
        matched=[
            MatchedTag(tag=t, camera=k, attachment_ok=ok[t][0], type_ok=ok[t][1])
            for t, k in result.matched
        ],
        missed=[
            MissedCamera(
                heading=known[k].heading,
                pitch=known[k].pitch,
                attachment=known[k].attachment,
                camera_type=known[k].camera_type,
            )
            for k in result.missed
        ],
        false_tags=list(result.false_tags),
        recall=result.recall,
        precision=result.precision,
    )


def record(
    session: Session, *, task: Task, user: User, payload: SubmissionCreate
) -> Feedback | None:
    """Add a known-answer result to the decoder's quality record; return the feedback."""
    if task.known_answer is None or payload.outcome == "problem":
        return None
    feedback = _feedback(task, payload)
    matched, cameras, tags = len(feedback.matched), len(task.known_answer), len(payload.tags)
    statement = insert(DecoderQuality).values(
        user_id=user.id,
        campaign_id=task.campaign_id,
        known_tasks=1,
        known_matched=matched,
        known_cameras=cameras,
        known_tags=tags,
    )
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[DecoderQuality.user_id, DecoderQuality.campaign_id],
            set_={
                "known_tasks": DecoderQuality.known_tasks + 1,
                "known_matched": DecoderQuality.known_matched + excluded.known_matched,
                "known_cameras": DecoderQuality.known_cameras + excluded.known_cameras,
                "known_tags": DecoderQuality.known_tags + excluded.known_tags,
                "updated_at": func.now(),
            },
        )
    )
    return feedback
