"""Quality assurance: expert labels, known answers, QA samples and report, moderation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from app.api.deps import (
    BODY_ERRORS,
    STAFF_ERRORS,
    CoordinatorUser,
    ExpertUser,
    SessionDep,
    SettingsDep,
)
from app.api.imports import UPLOAD_BODY, UPLOAD_RESPONSES, UploadDep
from app.errors import (
    CampaignNotFound,
    CsrfFailed,
    DecoderNotFound,
    InvalidRequest,
    NoKnownAnswer,
    NothingToSample,
    OwnTaskReview,
    StaffNotSuspendable,
    TaskNotFound,
)
from app.schemas.common import error_responses
from app.schemas.quality import (
    DecoderModerationList,
    KnownAnswerIn,
    KnownAnswerList,
    KnownAnswerRead,
    KnownUse,
    PromoteIn,
    QualityReport,
    QueueItem,
    SampleIn,
    SampleRead,
    SuspendIn,
    SuspensionRead,
    TaskReviewRead,
)
from app.services import quality
from app.services.campaigns import get_campaign

router = APIRouter(tags=["quality"])


@router.get(
    "/tasks/{task_id}/review",
    response_model=TaskReviewRead,
    responses=error_responses(*STAFF_ERRORS, TaskNotFound, InvalidRequest),
)
def review_task(
    task_id: int, user: ExpertUser, session: SessionDep, settings: SettingsDep
) -> TaskReviewRead:
    """A task for the review screen: the panorama; the crowd only after your own label."""
    return quality.review_task(session, task_id=task_id, user=user, settings=settings)


@router.put(
    "/tasks/{task_id}/known-answer",
    response_model=TaskReviewRead,
    responses=error_responses(
        *BODY_ERRORS, *STAFF_ERRORS, CsrfFailed, TaskNotFound, OwnTaskReview, InvalidRequest
    ),
)
def label_task(
    task_id: int,
    payload: KnownAnswerIn,
    user: ExpertUser,
    session: SessionDep,
    settings: SettingsDep,
) -> TaskReviewRead:
    """Save your label (the true cameras) as the task's known answer; see the crowd beside it."""
    return quality.label_task(
        session, task_id=task_id, user=user, cameras=payload.cameras, settings=settings
    )


@router.post(
    "/tasks/{task_id}/known-answer/use",
    response_model=KnownAnswerRead,
    responses=error_responses(
        *BODY_ERRORS, *STAFF_ERRORS, CsrfFailed, TaskNotFound, NoKnownAnswer, InvalidRequest
    ),
)
def promote(
    task_id: int, payload: PromoteIn, _: CoordinatorUser, session: SessionDep
) -> KnownAnswerRead:
    """Use a known-answer task as a tutorial task (first, with feedback) or a hidden check."""
    task = quality.promote(session, task_id=task_id, use=payload.use)
    read = quality.known_answer_read(session, task)
    assert read is not None  # promote refuses a task without a known answer
    return read


@router.get(
    "/campaigns/{slug}/known-answers",
    response_model=KnownAnswerList,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def known_answers(slug: str, _: CoordinatorUser, session: SessionDep) -> KnownAnswerList:
    """The campaign's known-answer tasks, tutorials first."""
    campaign = get_campaign(session, slug=slug)
    return KnownAnswerList(known_answers=quality.list_known(session, campaign=campaign))


class KnownImportRead(BaseModel):
    """What a known-answer CSV import did: the tasks it set and their cameras."""

    # Here rather than in app/schemas: the one shape of the one route that returns it.
    tasks: int
    cameras: int


@router.post(
    "/campaigns/{slug}/known-answers/import",
    response_model=KnownImportRead,
    responses=UPLOAD_RESPONSES,
    openapi_extra=UPLOAD_BODY,
)
def import_known_answers(
    slug: str,
    file: UploadDep,
    user: CoordinatorUser,
    session: SessionDep,
    use: Annotated[
        KnownUse | None, Query(description="Also use the tasks as tutorials or hidden checks.")
    ] = None,
) -> KnownImportRead:
    """Known cameras from a CSV, as `decoders known import` (one row per camera)."""
    campaign = get_campaign(session, slug=slug)
    done = quality.import_known(session, campaign=campaign, data=file, use=use, by=user)
    return KnownImportRead(tasks=done.tasks, cameras=done.cameras)


@router.post(
    "/campaigns/{slug}/qa-samples",
    response_model=SampleRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *BODY_ERRORS, *STAFF_ERRORS, CsrfFailed, CampaignNotFound, NothingToSample, InvalidRequest
    ),
)
def draw_sample(
    slug: str, payload: SampleIn, user: CoordinatorUser, session: SessionDep
) -> SampleRead:
    """Draw a stratified QA sample of complete tasks (reproducible from its seed)."""
    campaign = get_campaign(session, slug=slug)
    sample = quality.draw(
        session, campaign=campaign, per_stratum=payload.per_stratum, seed=payload.seed, by=user
    )
    return quality.sample_read(session, sample)


@router.get(
    "/campaigns/{slug}/qa-samples/latest",
    response_model=SampleRead,
    responses={
        204: {"description": "No sample drawn yet"},
        **error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
    },
)
def latest_sample(slug: str, _: CoordinatorUser, session: SessionDep) -> SampleRead | Response:
    """The latest QA sample: its strata, weights and progress."""
    campaign = get_campaign(session, slug=slug)
    sample = quality.latest_sample(session, campaign=campaign)
    if sample is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return quality.sample_read(session, sample)


@router.post(
    "/campaigns/{slug}/review-queue/next",
    response_model=QueueItem,
    responses={
        204: {"description": "No sample task left for you"},
        **error_responses(*STAFF_ERRORS, CsrfFailed, CampaignNotFound, InvalidRequest),
    },
)
def next_review(slug: str, user: ExpertUser, session: SessionDep) -> QueueItem | Response:
    """Your next QA sample task: unreviewed, never one you decoded (204 when none is left)."""
    campaign = get_campaign(session, slug=slug)
    item = quality.next_review(session, campaign=campaign, user=user)
    if item is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return item


@router.get(
    "/campaigns/{slug}/quality",
    response_model=QualityReport,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def quality_report(slug: str, _: CoordinatorUser, session: SessionDep) -> QualityReport:
    """Crowd/expert count ratio, recall and precision per category, with 95 % intervals.

    Computed now; stored for the published layers' metadata when its figures changed.
    """
    campaign = get_campaign(session, slug=slug)
    return quality.store_report(session, campaign=campaign)


@router.get(
    "/campaigns/{slug}/decoders",
    response_model=DecoderModerationList,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def decoders(slug: str, _: CoordinatorUser, session: SessionDep) -> DecoderModerationList:
    """Decoders by pseudonym, flagged and least reliable first, with their task counts."""
    campaign = get_campaign(session, slug=slug)
    return DecoderModerationList(decoders=quality.ranking(session, campaign=campaign))


def _suspension(result: quality.Suspension) -> SuspensionRead:
    return SuspensionRead(
        decoder=result.user.public_id,
        suspended_at=result.user.suspended_at,
        affected_tasks=result.affected_tasks,
        reopened_tasks=result.reopened_tasks,
        expired_leases=result.expired_leases,
    )


_MODERATION_ERRORS = (
    *STAFF_ERRORS,
    CsrfFailed,
    DecoderNotFound,
    StaffNotSuspendable,
    InvalidRequest,
)


@router.post(
    "/decoders/{public_id}/suspend",
    response_model=SuspensionRead,
    responses=error_responses(*BODY_ERRORS, *_MODERATION_ERRORS),
)
def suspend(
    public_id: str, payload: SuspendIn, user: CoordinatorUser, session: SessionDep
) -> SuspensionRead:
    """Suspend a decoder: leases end, votes stop counting, affected tasks go back to the pool."""
    result = quality.suspend(session, public_id=public_id, by=user, reason=payload.reason)
    return _suspension(result)


@router.post(
    "/decoders/{public_id}/reinstate",
    response_model=SuspensionRead,
    responses=error_responses(*_MODERATION_ERRORS),
)
def reinstate(public_id: str, _: CoordinatorUser, session: SessionDep) -> SuspensionRead:
    """Lift a suspension: the decoder's votes count again and their tasks are reconciled."""
    return _suspension(quality.reinstate(session, public_id=public_id))
