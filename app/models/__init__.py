"""ORM tables of the whole domain (DESIGN §2); import from here."""

from app.models.accounts import ApiKey, AuthSession, RateLimitBucket, User
from app.models.campaigns import Area, Campaign, Location, Panorama, Task
from app.models.decoding import Assignment, Flag, Submission, Tag
from app.models.enums import (
    ASSIGNMENT_STATUSES,
    ATTACHMENTS,
    CAMERA_STATUSES,
    CAMERA_TYPES,
    CAMPAIGN_STATUSES,
    LOCATION_METHODS,
    OUTCOMES,
    PROBLEM_KINDS,
    PROVIDERS,
    ROLES,
    TASK_STATUSES,
)
from app.models.imagery import ImagerySearch
from app.models.publishing import ResultVersion
from app.models.results import (
    Camera,
    CameraTag,
    DecoderQuality,
    QaSample,
    ReconcileJob,
    ReconcileRun,
    Review,
    TaskCount,
)

__all__ = [
    "ASSIGNMENT_STATUSES",
    "ATTACHMENTS",
    "CAMERA_STATUSES",
    "CAMERA_TYPES",
    "CAMPAIGN_STATUSES",
    "LOCATION_METHODS",
    "OUTCOMES",
    "PROBLEM_KINDS",
    "PROVIDERS",
    "ROLES",
    "TASK_STATUSES",
    "ApiKey",
    "Area",
    "Assignment",
    "AuthSession",
    "Camera",
    "CameraTag",
    "Campaign",
    "DecoderQuality",
    "Flag",
    "ImagerySearch",
    "Location",
    "Panorama",
    "QaSample",
    "RateLimitBucket",
    "ReconcileJob",
    "ReconcileRun",
    "ResultVersion",
    "Review",
    "Submission",
    "Tag",
    "Task",
    "TaskCount",
    "User",
]
