"""Every error code the API answers with: one named class each, grouped by HTTP status."""

from __future__ import annotations

from app.errors.base import (
    ERRORS,
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)

# 400


class MalformedRequest(BadRequest):
    """The framework could not read the body (JSON that is not UTF-8, broken multipart)."""

    code = "bad_request"


class BadParameter(BadRequest):
    """OGC API – Features: an unknown or malformed query parameter (400 there, not 422)."""

    code = "invalid_parameter"


# 401


class UnauthorizedRequest(Unauthorized):
    """A 401 raised by the framework itself rather than by our authentication."""

    code = "unauthorized"


class NotAuthenticated(Unauthorized):
    """The route needs a signed-in caller and the request carries no session."""

    code = "not_authenticated"


class InvalidToken(Unauthorized):
    """The bearer token is unknown, revoked or expired."""

    code = "invalid_token"


class InvalidCredentials(Unauthorized):
    """Login with a wrong e-mail or password."""

    code = "invalid_credentials"


class InvalidApiKey(Unauthorized):
    """The X-API-Key header names no live key."""

    code = "invalid_api_key"


# 403


class ForbiddenRequest(Forbidden):
    """A 403 raised by the framework itself rather than by our access checks."""

    code = "forbidden"


class CsrfFailed(Forbidden):
    """A cookie-authenticated write without the matching X-CSRF-Token header."""

    code = "csrf_failed"


class InsufficientRole(Forbidden):
    """The caller's role is below the one the route needs."""

    code = "insufficient_role"


class AccountSuspended(Forbidden):
    """The account was deactivated; its sessions and logins are refused."""

    code = "account_suspended"


class DecoderSuspended(Forbidden):
    """A coordinator suspended this decoder: no task is handed out, no answer is taken."""

    code = "decoder_suspended"


class OwnTaskReview(Forbidden):
    """An expert may not label (or review) a task they decoded themselves."""

    code = "own_task_review"


class NotYourLease(Forbidden):
    """The assignment belongs to another decoder."""

    code = "not_your_lease"


# 404


class PathNotFound(NotFound):
    """No route or file at this path."""

    code = "not_found"


class CampaignNotFound(NotFound):
    """No campaign with this slug, or one the caller may not see (a draft)."""

    code = "campaign_not_found"


class TaskNotFound(NotFound):
    """No task with this id, or one in a draft campaign the caller may not see."""

    code = "task_not_found"


class DecoderNotFound(NotFound):
    """No account has this public id."""

    code = "decoder_not_found"


class AssignmentNotFound(NotFound):
    """No assignment (lease) with this id."""

    code = "assignment_not_found"


class AreaNotFound(NotFound):
    """The `area` filter names no area of the campaign."""

    code = "area_not_found"


class LayerNotFound(NotFound):
    """No published layer or tile layer by this name."""

    code = "layer_not_found"


class CollectionNotFound(NotFound):
    """OGC API – Features: no collection with this id."""

    code = "collection_not_found"


class FeatureNotFound(NotFound):
    """OGC API – Features: no feature with this id in the collection."""

    code = "feature_not_found"


class ApiKeyNotFound(NotFound):
    """No API key with this id."""

    code = "api_key_not_found"


# 405, 406


class MethodNotAllowed(AppError):
    """The path exists but not for this HTTP method."""

    status_code = 405
    code = "method_not_allowed"


class NotAcceptable(AppError):
    """The Accept header admits no JSON (OGC API – Features routes)."""

    status_code = 406
    code = "not_acceptable"


# 409


class CampaignExists(Conflict):
    """A campaign with this slug already exists."""

    code = "campaign_exists"


class CampaignClosed(Conflict):
    """The campaign is not open for this (a lease while draft, paused or closed; reopening)."""

    code = "campaign_closed"


class LeaseRace(Conflict):
    """A concurrent request created the caller's lease first; asking again returns it."""

    code = "lease_race"


class LeaseUsed(Conflict):
    """The lease was already submitted or skipped."""

    code = "lease_used"


class LeaseExpired(Conflict):
    """The lease ran out before the answer came; ask for a new task."""

    code = "lease_expired"


class IdempotencyConflict(Conflict):
    """The idempotency key was already used with a different body or lease."""

    code = "idempotency_conflict"


class AlreadySubmitted(Conflict):
    """The decoder already answered this task (under another lease)."""

    code = "already_submitted"


class TaskFull(Conflict):
    """The task has all its votes (its vote count was lowered): the lease is ended, not kept."""

    code = "task_full"
    keep_changes = True


class TaskComplete(Conflict):
    """A complete task cannot be reopened."""

    code = "task_complete"


class TaskExcluded(Conflict):
    """A coordinator took the task out of the campaign; an answer's lease is ended, not kept."""

    code = "task_excluded"
    keep_changes = True


class NoKnownAnswer(Conflict):
    """Promoting a task to tutorial or hidden check needs a known answer first."""

    code = "no_known_answer"


class NothingToSample(Conflict):
    """A QA sample needs complete, reconciled tasks that nobody has sampled yet."""

    code = "nothing_to_sample"


class StaffNotSuspendable(Conflict):
    """Experts, coordinators and admins are not moderated as decoders: change the role first."""

    code = "staff_not_suspendable"


class ConstraintConflict(Conflict):
    """A database constraint caught a conflict no service check did (usually a race)."""

    code = "conflict"


class EmailTaken(Conflict):
    """An account with this e-mail already exists."""

    code = "email_taken"


class ReconcileBusy(Conflict):
    """Another reconciliation of the campaign is running."""

    code = "reconcile_running"


# 413, 415


class BodyTooLarge(PayloadTooLarge):
    """The request body exceeds its route's limit (1 MiB; 64 MiB for imports)."""

    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    """The framework refused the request's Content-Type."""

    status_code = 415
    code = "unsupported_media_type"


# 422


class InvalidRequest(Invalid):
    """The request failed validation (`details` lists each field) or holds a NUL character."""

    code = "invalid"


class FileRequired(Invalid):
    """An import without a readable multipart `file` field."""

    code = "file_required"


class ImageReferenceRequired(Invalid):
    """A panorama fix that would leave neither an image URL nor a provider id."""

    code = "image_reference_required"


class EmailAndPasswordTogether(Invalid):
    """Registration gave an e-mail without a password or the reverse."""

    code = "email_and_password_together"


class ImportFailed(Invalid):
    """An import file is unreadable or has row errors (`details`); nothing was imported."""

    code = "import_failed"


class TooManyCells(Invalid):
    """The density box holds too many hexagons; use a smaller box or larger cells."""

    code = "too_many_cells"


class UnknownProvider(Invalid):
    """An imagery search named a provider that cannot be searched."""

    code = "unknown_provider"


class InvalidDate(Invalid):
    """A date option is not YYYY, YYYY-MM or YYYY-MM-DD."""

    code = "invalid_date"


class ImageryNotConfigured(Invalid):
    """The provider needs a setting that is missing (e.g. DECODERS_MAPILLARY_TOKEN)."""

    code = "imagery_not_configured"


class TileOutOfRange(Invalid):
    """The tile's zoom, x or y is outside the grid."""

    code = "invalid_tile"


# 429, 5xx and the rest


class RateLimited(TooManyRequests):
    """Too many requests in the window (logins, or reads per API key or address)."""

    code = "rate_limited"


class InternalError(AppError):
    """An unexpected error; it is logged and answered without details."""

    status_code = 500
    code = "internal"


class DatabaseUnavailable(ServiceUnavailable):
    """The database is unreachable or not migrated (health check)."""

    code = "database_unavailable"


class ImageryInvalid(AppError):
    """A street imagery provider answered something that is not its documented shape."""

    status_code = 502
    code = "imagery_invalid"


class ImageryUnavailable(ServiceUnavailable):
    """A street imagery provider did not answer, or kept refusing (429) past our retries."""

    code = "imagery_unavailable"


class DatabaseBusy(ServiceUnavailable):
    """No connection came free in time, a query timed out, or a retried deadlock lost again."""

    code = "database_busy"
    retry_after = 1


class DownloadsBusy(ServiceUnavailable):
    """Every connection reserved for streamed downloads is in use."""

    code = "downloads_busy"
    retry_after = 10


class Busy(ServiceUnavailable):
    """Tasks are left for the caller but all are being handed out right now: Retry-After."""

    code = "busy"
    retry_after = 1


class HttpError(AppError):
    """Any other status the framework raises itself, answered with that status."""

    code = "http_error"


# Every code the API can answer with, in catalogue order.
ERROR_CODES: tuple[str, ...] = tuple(ERRORS)
