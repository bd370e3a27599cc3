"""The reconciliation's decisions on a camera: majority, merged attributes, status (DESIGN §5).

Services read rows and write results; what those rows mean (is this a majority, what is a
triangulated camera attached to, is it confirmed) is decided here, where a unit test
reaches it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.voting import weighted_majority

# Status rule (DESIGN §5.2, §5.4, issue 9), in this order:
# 1. a known answer decides (true: confirmed, false: rejected);
# 2. a strict majority of a panorama's N decoders tagged it: confirmed. This needs no
#    reliability estimate: independent volunteers rarely agree on a spot where nothing is;
# 3. corroborated across panoramas (a triangulated camera whose sightings' looks together
#    reach a single panorama's majority, from two or more panoramas whose rays cross at one
#    height): confirmed;
# 4. anchored evidence: when known answers anchor the model, a posterior of CONFIRM_ANCHORED;
# 5. otherwise a posterior below REJECT_BELOW (9:1 against) is rejected; the rest stay
#    candidates for review. Confirmation never rests on an unanchored EM estimate.
CONFIRM_ANCHORED = 0.9
REJECT_BELOW = 0.1
WILDCARD_ATTACHMENT = "other"
UNKNOWN_TYPE = "unknown"


def is_majority(support: int, voters: int) -> bool:
    """Whether `support` looks are a strict majority of `voters`."""
    return 2 * support > voters


def majority_of(voters: int) -> int:
    """The smallest strict majority of `voters` looks."""
    return voters // 2 + 1


def camera_status(
    *,
    majority: bool,
    confidence: float,
    truth: bool | None = None,
    corroborated: bool = False,
    anchored: bool = False,
) -> str:
    """Return confirmed / candidate / rejected by the documented rule."""
    if truth is not None:
        return "confirmed" if truth else "rejected"
    if majority or corroborated:
        return "confirmed"
    if anchored and confidence >= CONFIRM_ANCHORED:
        return "confirmed"
    if confidence < REJECT_BELOW:
        return "rejected"
    return "candidate"


def corroborated(parts: Sequence[tuple[int, int]]) -> bool:
    """Whether (support, voters) sightings from several panoramas add up to a majority."""
    if len(parts) < 2 or not all(support > 0 for support, _ in parts):
        return False
    return sum(s for s, _ in parts) >= majority_of(max(v for _, v in parts))


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
