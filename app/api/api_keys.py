"""Researcher API keys: coordinators create, list and revoke them."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import BODY_ERRORS, STAFF_ERRORS, CoordinatorUser, SessionDep, SettingsDep
from app.errors import ApiKeyNotFound, CsrfFailed, InvalidRequest
from app.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from app.schemas.common import error_responses
from app.services import accounts as service

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(*STAFF_ERRORS, CsrfFailed, *BODY_ERRORS),
)
def create_api_key(
    payload: ApiKeyCreate, user: CoordinatorUser, session: SessionDep, settings: SettingsDep
) -> ApiKeyCreated:
    """Create a key; the answer is the only time the key itself is shown."""
    rate = payload.rate_per_minute or settings.api_key_per_minute
    key, secret = service.create_key(
        session, name=payload.name, rate_per_minute=rate, created_by=user
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("", response_model=ApiKeyList, responses=error_responses(*STAFF_ERRORS))
def list_api_keys(user: CoordinatorUser, session: SessionDep) -> ApiKeyList:
    """Every key, without its secret."""
    return ApiKeyList(api_keys=[ApiKeyRead.model_validate(k) for k in service.list_keys(session)])


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(*STAFF_ERRORS, CsrfFailed, ApiKeyNotFound, InvalidRequest),
)
def revoke_api_key(key_id: int, user: CoordinatorUser, session: SessionDep) -> Response:
    """Revoke a key: requests carrying it get 401 from now on."""
    service.revoke_key(session, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
