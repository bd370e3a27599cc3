"""Decoding: leases, submissions, skips."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.api.deps import BODY_ERRORS, USER_ERRORS, DecoderUnitDep, SettingsDep
from app.errors import (
    AlreadySubmitted,
    AssignmentNotFound,
    BodyTooLarge,
    Busy,
    CampaignClosed,
    CampaignNotFound,
    CsrfFailed,
    DecoderSuspended,
    IdempotencyConflict,
    ImageryInvalid,
    ImageryUnavailable,
    InvalidRequest,
    LeaseExpired,
    LeaseRace,
    LeaseUsed,
    NotYourLease,
    TaskExcluded,
    TaskFull,
)
from app.models import User
from app.schemas.common import error_responses
from app.schemas.decoding import (
    AssignmentRead,
    LeaseProgress,
    PanoramaRead,
    SkipResult,
    SubmissionCreate,
    SubmissionResult,
    TaskRead,
)
from app.schemas.imagery import Attribution, ImageTiles
from app.services import decoding, imagery
from app.services.decoding import Lease
from app.settings import Settings

router = APIRouter(tags=["decoding"])


def _read(lease: Lease, image: imagery.ViewerImage) -> AssignmentRead:
    pano = lease.panorama
    credit = imagery.credit(pano)
    return AssignmentRead(
        id=lease.assignment.id,
        expires_at=lease.assignment.expires_at,
        tutorial=lease.task.is_tutorial,
        task=TaskRead(
            id=lease.task.id,
            # Hidden known-answer tasks must look like any other task.
            known_answer=lease.task.is_tutorial and lease.task.known,
            panorama=PanoramaRead(
                provider=pano.provider,
                image_url=image.image_url,
                image_expires_at=image.expires_at,
                image_tiles=ImageTiles.model_validate(image.tiles) if image.tiles else None,
                pano_id=pano.provider_id if pano.provider != "equirect" else None,
                lat=lease.lat,
                lon=lease.lon,
                captured_at=pano.captured_at,
                heading=pano.heading,
                attribution=Attribution.model_validate(credit) if credit else None,
            ),
        ),
        progress=LeaseProgress(
            tasks_done=lease.tasks_done, tutorial_remaining=lease.tutorial_remaining
        ),
    )


@router.post(
    "/campaigns/{slug}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": AssignmentRead, "description": "Your existing live lease"},
        204: {"description": "Nothing left for you in this campaign"},
        **error_responses(
            *USER_ERRORS,
            CsrfFailed,
            CampaignNotFound,
            CampaignClosed,
            DecoderSuspended,
            LeaseRace,
            InvalidRequest,
            ImageryInvalid,
            ImageryUnavailable,
            Busy,
        ),
    },
)
async def lease_next_task(
    slug: str, unit: DecoderUnitDep, response: Response, settings: SettingsDep
) -> AssignmentRead | Response:
    """Your live lease, or a new lease on the next task (204 when nothing is left).

    503 `busy` with Retry-After when tasks are left for you but all are being handed out.
    """

    def work(session: Session, user: User) -> tuple[Lease, imagery.ViewerImage | None] | None:
        lease = decoding.lease_in(session, slug=slug, user=user)
        if lease is None:
            return None
        # Mapillary URLs expire: resolved at lease time (cached while valid), never stored.
        return lease, imagery.cached_viewer_image(lease.panorama, settings=settings)

    leased = await unit.run(work)
    if leased is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    lease, image = leased
    if image is None:
        image = await _ask_provider(lease, settings)
    if not lease.created:
        response.status_code = status.HTTP_200_OK
    return _read(lease, image)


async def _ask_provider(lease: Lease, settings: Settings) -> imagery.ViewerImage:
    """The image from its provider, after the lease's transaction and outside the decoding
    loop's limiter, so a provider that is slow or down holds none of its few slots.

    When the provider fails, the lease stays: asking again returns it (200) and asks again.
    Ending it here would race with that second request, which may already have handed it out.
    """
    return await run_in_threadpool(imagery.viewer_image, lease.panorama, settings=settings)


@router.post(
    "/assignments/{assignment_id}/submission",
    response_model=SubmissionResult,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *USER_ERRORS,
        CsrfFailed,
        AssignmentNotFound,
        NotYourLease,
        DecoderSuspended,
        IdempotencyConflict,
        LeaseUsed,
        LeaseExpired,
        CampaignClosed,
        TaskExcluded,
        TaskFull,
        AlreadySubmitted,
        BodyTooLarge,
        *BODY_ERRORS,
    ),
)
async def submit(
    assignment_id: int, payload: SubmissionCreate, unit: DecoderUnitDep
) -> SubmissionResult:
    """Store your answer once (a retry with the same idempotency key returns the original)."""
    stored = await unit.run(
        lambda session, user: decoding.submit(
            session, assignment_id=assignment_id, user=user, payload=payload
        )
    )
    return SubmissionResult(
        id=stored.submission_id, task_id=stored.task_id, feedback=stored.feedback
    )


@router.post(
    "/assignments/{assignment_id}/skip",
    response_model=SkipResult,
    responses=error_responses(
        *USER_ERRORS,
        CsrfFailed,
        AssignmentNotFound,
        NotYourLease,
        LeaseUsed,
        LeaseExpired,
        CampaignClosed,
        InvalidRequest,
    ),
)
async def skip(assignment_id: int, unit: DecoderUnitDep) -> SkipResult:
    """Give the task back without voting; you will not see it again."""
    assignment = await unit.run(
        lambda session, user: decoding.skip(session, assignment_id=assignment_id, user=user)
    )
    return SkipResult(id=assignment.id, status=assignment.status)
