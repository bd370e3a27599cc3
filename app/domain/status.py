"""The reconciliation's decisions on a camera: majority, merged attributes, status (DESIGN §5).

Services read rows and write results; what those rows mean (is this a majority, what is a
triangulated camera attached to, is it confirmed) is decided here, where a unit test
reaches it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.voting import weighted_majority

# Status rule (DESIGN §5.2, §5.4): a camera is confirmed when a strict majority of the
# panorama's decoders tagged it AND its posterior is at least even; it is rejected when the
# posterior falls below 0.1 (the evidence is 9:1 against); anything else stays a candidate
# for review. Known answers override both.
CONFIRM_AT = 0.5
REJECT_BELOW = 0.1
WILDCARD_ATTACHMENT = "other"
UNKNOWN_TYPE = "unknown"


def is_majority(support: int, voters: int) -> bool:
    """Whether `support` looks are a strict majority of `voters`."""
    return 2 * support > voters


def camera_status(*, majority: bool, confidence: float, truth: bool | None = None) -> str:
    """Return confirmed / candidate / rejected by the documented rule."""
    if truth is not None:
        return "confirmed" if truth else "rejected"
    if confidence < REJECT_BELOW:
        return "rejected"
    if majority and confidence >= CONFIRM_AT:
        return "confirmed"
    return "candidate"


@dataclass(frozen=True)
class Part:
    """One single-panorama sighting of a camera seen from several panoramas."""

    attachment: str
    camera_type: str
    support: int


def merged_attachment(parts: Sequence[Part]) -> str:
    """The first named attachment of the sightings (in task order), else "other"."""
    named = [p.attachment for p in parts if p.attachment != WILDCARD_ATTACHMENT]
    return named[0] if named else WILDCARD_ATTACHMENT


def merged_type(parts: Sequence[Part]) -> str:
    """Type by the sightings' support-weighted majority; "unknown" sightings abstain."""
    typed = [p for p in parts if p.camera_type != UNKNOWN_TYPE]
    return weighted_majority([p.camera_type for p in typed], [float(p.support) for p in typed])
