"""Reconciliation for coordinators: run it, watch it, see decoder quality."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.api.deps import STAFF_ERRORS, CoordinatorUser, SessionDep
from app.errors import CampaignNotFound, CsrfFailed, InvalidRequest, ReconcileBusy
from app.schemas.common import error_responses
from app.schemas.reconciliation import (
    DecoderQualityList,
    DecoderQualityRead,
    ReconcileRunRead,
    ReconcileStatus,
)
from app.services import reconciliation as service
from app.services.campaigns import get_campaign

router = APIRouter(prefix="/campaigns", tags=["reconciliation"])


@router.post(
    "/{slug}/reconcile",
    response_model=ReconcileRunRead,
    responses=error_responses(
        *STAFF_ERRORS, CsrfFailed, CampaignNotFound, ReconcileBusy, InvalidRequest
    ),
)
def reconcile(
    slug: str,
    _: CoordinatorUser,
    session: SessionDep,
    full: bool = Query(default=False, description="Recompute every task, not only queued ones."),
) -> ReconcileRunRead:
    """Reconcile the campaign now (409 `reconcile_running` if one is under way)."""
    campaign = get_campaign(session, slug=slug)
    summary = service.reconcile_campaign(session, campaign=campaign, full=full)
    return ReconcileRunRead.model_validate(service.get_run(session, run_id=summary.run_id))


@router.get(
    "/{slug}/reconcile",
    response_model=ReconcileStatus,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def reconcile_status(slug: str, _: CoordinatorUser, session: SessionDep) -> ReconcileStatus:
    """Recent reconciliation runs and the queue's length."""
    campaign = get_campaign(session, slug=slug)
    return ReconcileStatus(
        method_version=service.METHOD_VERSION,
        queued_tasks=service.queued_jobs(session, campaign=campaign),
        runs=[
            ReconcileRunRead.model_validate(r)
            for r in service.recent_runs(session, campaign=campaign)
        ],
    )


@router.get(
    "/{slug}/decoder-quality",
    response_model=DecoderQualityList,
    responses=error_responses(*STAFF_ERRORS, CampaignNotFound, InvalidRequest),
)
def decoder_quality(slug: str, _: CoordinatorUser, session: SessionDep) -> DecoderQualityList:
    """Per decoder: known-answer results and estimated sensitivity / false-alarm rate."""
    campaign = get_campaign(session, slug=slug)
    rows = service.decoder_quality(session, campaign=campaign)
    return DecoderQualityList(
        method_version=service.METHOD_VERSION,
        decoders=[DecoderQualityRead(**row) for row in rows],
    )
