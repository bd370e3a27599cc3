"""The closed vocabularies of DESIGN §2, enforced in the database as named CHECK constraints."""

from __future__ import annotations

from sqlalchemy import Enum

ROLES = ("decoder", "expert", "coordinator", "admin")
CAMPAIGN_STATUSES = ("draft", "open", "paused", "closed")
PROVIDERS = ("equirect", "google", "mapillary", "panoramax")
# open: in the pool; complete: has its votes; review: two decoders reported the same problem
# and a coordinator must fix or exclude it; excluded: out of the campaign for good.
TASK_STATUSES = ("open", "complete", "review", "excluded")
ASSIGNMENT_STATUSES = ("live", "submitted", "skipped", "expired")
OUTCOMES = ("cameras", "no_cameras", "problem")
PROBLEM_KINDS = ("no_image", "image_unusable", "wrong_place", "other")
ATTACHMENTS = ("street_furniture", "building", "other")
CAMERA_TYPES = ("dome_ptz", "bullet", "unknown")
# merged: a single-panorama sighting folded into a triangulated camera (never published itself).
CAMERA_STATUSES = ("confirmed", "candidate", "rejected", "merged")
LOCATION_METHODS = ("triangulated", "base_click", "pitch_prior")


def enum(name: str, values: tuple[str, ...]) -> Enum:
    """A VARCHAR with a CHECK constraint: adding a value later is a plain migration."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)
