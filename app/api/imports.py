"""Coordinator file imports: locations, areas and panoramas, each all or nothing."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from app.api.deps import STAFF_ERRORS, CoordinatorUser, SessionDep
from app.errors import (
    BodyTooLarge,
    CampaignNotFound,
    CsrfFailed,
    FileRequired,
    ImportFailed,
    InvalidRequest,
    MalformedRequest,
)
from app.schemas.common import error_responses
from app.schemas.imports import ImportIssue, ImportResult
from app.services import campaigns
from app.services.imports import (
    ImportReport,
    LocationFields,
    PanoramaFields,
    Report,
    import_areas,
    import_locations,
    import_panoramas,
)

router = APIRouter(prefix="/campaigns/{slug}/imports", tags=["imports"])

# Every upload route's errors and body, also declared by the known-answer import.
UPLOAD_RESPONSES = error_responses(
    *STAFF_ERRORS,
    CsrfFailed,
    CampaignNotFound,
    ImportFailed,
    FileRequired,
    BodyTooLarge,
    InvalidRequest,
    MalformedRequest,
)


async def read_upload(request: Request, _: CoordinatorUser) -> bytes:
    """The uploaded `file`, parsed only once the caller is known to be a coordinator.

    A `File()` parameter would have FastAPI parse up to 64 MiB of multipart before any
    dependency runs, so anyone could make the server do that work for a 401.
    """
    try:
        form = await request.form(max_files=1, max_fields=20)
    except MultiPartException as exc:
        raise FileRequired(f"The multipart body cannot be read: {exc.message}") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise FileRequired("Send the file as multipart/form-data in a field named 'file'.")
        return await upload.read()
    finally:
        await form.close()


UploadDep = Annotated[bytes, Depends(read_upload)]
# The body is read by read_upload, so the route documents it by hand.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The file to import (up to 64 MiB).",
                        }
                    },
                }
            }
        },
    }
}


def _result(report: ImportReport) -> ImportResult:
    extra = report if isinstance(report, Report) else Report()
    return ImportResult(
        created=report.created,
        updated=report.updated,
        merged=report.merged,
        counts=extra.counts,
        warnings=[ImportIssue.model_validate(w) for w in extra.warnings],
        warnings_total=extra.warnings_total,
    )


@router.post(
    "/locations", response_model=ImportResult, responses=UPLOAD_RESPONSES, openapi_extra=UPLOAD_BODY
)
def import_location_file(
    slug: str,
    file: UploadDep,
    _: CoordinatorUser,
    session: SessionDep,
    format: Literal["auto", "csv", "geojson"] = "auto",
    id_field: Annotated[str, Query(description="Id column or GeoJSON property.")] = "id",
    lat_field: Annotated[str, Query(description="Latitude column (CSV).")] = "lat",
    lon_field: Annotated[str, Query(description="Longitude column (CSV).")] = "lon",
    name_field: Annotated[str, Query(description="Name column or property.")] = "name",
) -> ImportResult:
    """Import locations from CSV or GeoJSON Points (coordinators)."""
    campaign = campaigns.get_campaign(session, slug=slug)
    fields = LocationFields(id=id_field, lat=lat_field, lon=lon_field, name=name_field)
    report = import_locations(session, campaign=campaign, data=file, fmt=format, fields=fields)
    return _result(report)


@router.post(
    "/areas", response_model=ImportResult, responses=UPLOAD_RESPONSES, openapi_extra=UPLOAD_BODY
)
def import_area_file(
    slug: str,
    file: UploadDep,
    _: CoordinatorUser,
    session: SessionDep,
    name_field: Annotated[str, Query(description="Property naming each area.")] = "name",
    kind: Annotated[str, Query(max_length=40, description="borough, tract, custom …")] = "custom",
) -> ImportResult:
    """Import areas from GeoJSON Polygons/MultiPolygons (coordinators)."""
    campaign = campaigns.get_campaign(session, slug=slug)
    report = import_areas(session, campaign=campaign, data=file, name_field=name_field, kind=kind)
    return _result(report)


@router.post(
    "/panoramas", response_model=ImportResult, responses=UPLOAD_RESPONSES, openapi_extra=UPLOAD_BODY
)
def import_panorama_file(
    slug: str,
    file: UploadDep,
    _: CoordinatorUser,
    session: SessionDep,
    location_id_field: str = "location_id",
    lat_field: str = "lat",
    lon_field: str = "lon",
    provider_field: str = "provider",
    pano_id_field: str = "pano_id",
    image_url_field: str = "image_url",
    pano_lat_field: str = "pano_lat",
    pano_lon_field: str = "pano_lon",
    date_field: str = "captured_at",
    heading_field: str = "heading",
    provider: Annotated[
        Literal["equirect", "google", "mapillary"] | None,
        Query(description="Provider of rows whose provider column is empty or absent."),
    ] = None,
) -> ImportResult:
    """Import panoramas from CSV; each becomes a task for its locations (coordinators)."""
    campaign = campaigns.get_campaign(session, slug=slug)
    fields = PanoramaFields(
        location_id=location_id_field,
        lat=lat_field,
        lon=lon_field,
        provider=provider_field,
        pano_id=pano_id_field,
        image_url=image_url_field,
        pano_lat=pano_lat_field,
        pano_lon=pano_lon_field,
        captured_at=date_field,
        heading=heading_field,
    )
    report = import_panoramas(
        session, campaign=campaign, data=file, fields=fields, default_provider=provider
    )
    return _result(report)
