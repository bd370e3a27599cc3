"""Compare a decoder's tags with a known-answer panorama's cameras (tutorial feedback)."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.sphere import angular_distance

# Wider than the clustering radius (3-8°): feedback should credit a tag that
# is clearly on the right camera, and tutorial cameras are chosen to stand
# apart from each other by more than this.
DEFAULT_TOLERANCE_DEG = 5.0


@dataclass(frozen=True)
class KnownCamera:
    """An expert-verified camera in a known-answer panorama."""

    heading: float
    pitch: float
    attachment: str
    camera_type: str


@dataclass(frozen=True)
class TagDirection:
    """A decoder's tag in the same panorama."""

    heading: float
    pitch: float
    attachment: str
    camera_type: str


@dataclass(frozen=True)
class KnownAnswerFeedback:
    """Which tags found which cameras, what was missed or extra, and how attributes fared."""

    matched: tuple[tuple[int, int], ...]  # (tag index, known index)
    missed: tuple[int, ...]  # known indices
    false_tags: tuple[int, ...]  # tag indices
    attribute_agreement: tuple[tuple[int, bool, bool], ...]  # (tag, attachment ok, type ok)
    recall: float
    precision: float


def match_known(
    tags: Sequence[TagDirection],
    known: Sequence[KnownCamera],
    *,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
) -> KnownAnswerFeedback:
    """Match tags to known cameras one-to-one, closest pairs first, within tolerance."""
    pairs = sorted(
        (angular_distance(t.heading, t.pitch, k.heading, k.pitch), ti, ki)
        for ti, t in enumerate(tags)
        for ki, k in enumerate(known)
    )
    used_tags: set[int] = set()
    used_known: set[int] = set()
    matched: list[tuple[int, int]] = []
    # Greedy closest-first is optimal enough here: known cameras stand well
    # apart, so at most one tag competes seriously for each of them.
    for distance, ti, ki in pairs:
        if distance > tolerance_deg:
            break
        if ti in used_tags or ki in used_known:
            continue
        used_tags.add(ti)
        used_known.add(ki)
        matched.append((ti, ki))
    matched.sort()
    return KnownAnswerFeedback(
        matched=tuple(matched),
        missed=tuple(k for k in range(len(known)) if k not in used_known),
        false_tags=tuple(t for t in range(len(tags)) if t not in used_tags),
        attribute_agreement=tuple((ti, *_attributes_ok(tags[ti], known[ki])) for ti, ki in matched),
        recall=len(matched) / len(known) if known else 1.0,
        precision=len(matched) / len(tags) if tags else 1.0,
    )


def _attributes_ok(tag: TagDirection, camera: KnownCamera) -> tuple[bool, bool]:
    """Whether the tag's attachment and camera type agree with the known camera."""
    # An expert's "unknown" type means the type cannot be told from the image,
    # so any answer is accepted rather than marking the decoder wrong.
    type_ok = camera.camera_type == "unknown" or tag.camera_type == camera.camera_type
    return (tag.attachment == camera.attachment, type_ok)
