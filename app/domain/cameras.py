"""Individual cameras in one panorama from its decoders' tags (DESIGN §5.2, §5.3b-c).

Each cluster of tags (app.domain.clustering) is one candidate camera. Its
direction is the mean of the clicks, its attachment and type the weighted
majority of its supporters, and its position lies along the bearing at a
distance from the base clicks when there are any, else from the pitch and a
mounting-height prior. Whether it is confirmed is decided by `camera_status`.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.clustering import TagPoint, cluster_tags
from app.domain.locating import CLICK_NOISE_DEG, range_from_base, range_from_pitch
from app.domain.sphere import angular_distance, mean_direction
from app.domain.triangulation import destination
from app.domain.voting import weighted_majority

# A decoder with no reliability estimate yet votes with the prior mean of the
# sensitivity (Beta(8, 2) in app.domain.reliability).
DEFAULT_WEIGHT = 0.8
# Attachment has no "unknown" value: a tie goes to "other", the catch-all that
# imported "unknown" attachments also map to.
ATTACHMENT_TIE = "other"
TYPE_TIE = "unknown"
# A base click more than 10° of heading away from its camera was put on some
# other fixture (or is a slip); it says nothing about this camera's distance.
MAX_BASE_HEADING_GAP_DEG = 10.0
# Status rule (DESIGN §5.2, §5.4): a camera is confirmed when a strict majority
# of the panorama's decoders tagged it AND its posterior is at least even; it
# is rejected when the posterior falls below 0.1 (the evidence is 9:1 against);
# anything else stays a candidate for review. Known answers override both.
CONFIRM_AT = 0.5
REJECT_BELOW = 0.1


@dataclass(frozen=True)
class ObservedTag:
    """One stored tag with the look (submission) and decoder it came from."""

    tag_id: int
    submission_id: int
    decoder_id: int
    heading: float
    pitch: float
    zoom: float
    attachment: str
    camera_type: str | None  # None: imported tag whose type was not asked
    base_heading: float | None = None
    base_pitch: float | None = None


@dataclass(frozen=True)
class CameraEstimate:
    """A camera found in one panorama: who saw it, what it is, where it is."""

    tag_ids: tuple[int, ...]
    supporters: frozenset[int]  # decoder ids
    support: int  # looks (submissions) that tagged it
    voters: int  # looks at the panorama
    heading: float
    pitch: float
    attachment: str
    camera_type: str
    distance_m: float
    uncertainty_m: float
    location_method: str
    lat: float
    lon: float

    @property
    def majority(self) -> bool:
        """Whether a strict majority of the panorama's looks tagged it."""
        return 2 * self.support > self.voters


def camera_status(*, majority: bool, confidence: float, truth: bool | None = None) -> str:
    """Return confirmed / candidate / rejected by the documented rule."""
    if truth is not None:
        return "confirmed" if truth else "rejected"
    if confidence < REJECT_BELOW:
        return "rejected"
    if majority and confidence >= CONFIRM_AT:
        return "confirmed"
    return "candidate"


def estimate_cameras(
    tags: Sequence[ObservedTag],
    *,
    voters: int,
    lat: float,
    lon: float,
    weights: Mapping[int, float] | None = None,
) -> list[CameraEstimate]:
    """Cluster a panorama's tags and estimate one camera per cluster."""
    if voters < 1:
        raise ValueError("voters must be at least 1")
    by_id = {t.tag_id: t for t in tags}
    # One look (submission) never supports one camera twice; keying on the
    # submission rather than the decoder keeps imported data right, where one
    # decoder may have answered a merged task twice.
    points = [TagPoint(t.tag_id, t.submission_id, t.heading, t.pitch, t.zoom) for t in tags]
    weights = weights or {}
    return [
        _estimate(
            [by_id[p.tag_id] for p in cluster], voters=voters, lat=lat, lon=lon, weights=weights
        )
        for cluster in cluster_tags(points)
    ]


def _estimate(
    members: list[ObservedTag],
    *,
    voters: int,
    lat: float,
    lon: float,
    weights: Mapping[int, float],
) -> CameraEstimate:
    w = [weights.get(m.decoder_id, DEFAULT_WEIGHT) for m in members]
    heading, pitch = mean_direction([(m.heading, m.pitch) for m in members])
    attachment = weighted_majority([m.attachment for m in members], w, unknown=ATTACHMENT_TIE)
    typed = [(m.camera_type, wi) for m, wi in zip(members, w, strict=True) if m.camera_type]
    camera_type = (
        weighted_majority([t for t, _ in typed], [wi for _, wi in typed], unknown=TYPE_TIE)
        if typed
        else TYPE_TIE
    )
    distance, range_sd, method = _range(
        members, heading=heading, pitch=pitch, attachment=attachment
    )
    # Lateral error: the mean of k clicks has k^-1/2 of one click's noise.
    lateral = distance * math.tan(math.radians(CLICK_NOISE_DEG / math.sqrt(len(members))))
    cam_lat, cam_lon = destination(lat, lon, heading, distance)
    return CameraEstimate(
        tag_ids=tuple(m.tag_id for m in members),
        supporters=frozenset(m.decoder_id for m in members),
        support=len({m.submission_id for m in members}),
        voters=voters,
        heading=heading,
        pitch=pitch,
        attachment=attachment,
        camera_type=camera_type,
        distance_m=distance,
        # The 1-sigma semi-major axis, like a triangulation's: along the ray
        # the range error dominates, across it the bearing's.
        uncertainty_m=max(range_sd, lateral),
        location_method=method,
        lat=cam_lat,
        lon=cam_lon,
    )


def _range(
    members: list[ObservedTag], *, heading: float, pitch: float, attachment: str
) -> tuple[float, float, str]:
    """(distance, 1-sigma, method) from the base clicks, else the pitch prior."""
    bases = [
        m.base_pitch
        for m in members
        if m.base_pitch is not None
        and m.base_heading is not None
        and angular_distance(m.base_heading, 0.0, heading, 0.0) <= MAX_BASE_HEADING_GAP_DEG
    ]
    if bases:
        noise = CLICK_NOISE_DEG / math.sqrt(len(bases))
        estimate = range_from_base(sum(bases) / len(bases), noise_deg=noise)
        if estimate is not None:
            return estimate.distance_m, estimate.uncertainty_m, estimate.method
    prior = range_from_pitch(pitch, attachment)
    return prior.distance_m, prior.uncertainty_m, prior.method
