"""Individual cameras in one panorama from its decoders' tags (DESIGN §5.2, §5.3b-c).

Each cluster of tags (app.domain.clustering) is one candidate camera. Its
direction is the mean of the clicks, its attachment and type the weighted
majority of its supporters (a type answer of "unknown" abstains), and its
position lies along the bearing at a distance from the base clicks when there
are any, else from the pitch and a mounting-height prior. app.domain.status decides
whether it is confirmed.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.clustering import TagPoint, cluster_tags, threshold_for
from app.domain.locating import CLICK_NOISE_DEG, range_from_base, range_from_pitch
from app.domain.sphere import angular_distance, mean_direction
from app.domain.status import is_majority
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
        return is_majority(self.support, self.voters)


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
        for cluster in rejoin_duplicates(cluster_tags(points))
    ]


def rejoin_duplicates(clusters: list[list[TagPoint]]) -> list[list[TagPoint]]:
    """Undo splits of one camera caused by a look that clicked it twice.

    Complete linkage may pair look A's first click with B's and A's second with C's;
    the two clusters then share A and can never merge, and one camera is counted
    twice. When two clusters sharing a look lie within every member's radius of
    their joint centre, keep each look's click closest to the centre in one cluster
    and put the spare clicks in the other.
    """
    out = [list(c) for c in clusters]
    changed = True
    while changed:  # each rejoin makes the partition strictly more unequal: it ends
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                split = _rejoined(out[i], out[j])
                if split is not None:
                    out[i], out[j] = split
                    changed = True
    kept = [sorted(c, key=lambda t: t.tag_id) for c in out if c]
    return sorted(kept, key=lambda c: c[0].tag_id)


def _rejoined(a: list[TagPoint], b: list[TagPoint]) -> tuple[list[TagPoint], list[TagPoint]] | None:
    looks_a = {t.decoder_id for t in a}
    looks_b = {t.decoder_id for t in b}
    looks = looks_a | looks_b
    if not looks_a & looks_b or len(looks) <= max(len(looks_a), len(looks_b)):
        return None
    both = a + b
    h, p = mean_direction([(t.heading, t.pitch) for t in both])
    gaps = {t.tag_id: angular_distance(t.heading, t.pitch, h, p) for t in both}
    if any(gaps[t.tag_id] > threshold_for(t.zoom) for t in both):
        return None
    best: dict[int, TagPoint] = {}
    for t in sorted(both, key=lambda t: (gaps[t.tag_id], t.tag_id)):
        best.setdefault(t.decoder_id, t)
    keep = list(best.values())
    chosen = {t.tag_id for t in keep}
    return keep, [t for t in both if t.tag_id not in chosen]


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
    # "unknown" is an abstention, not a vote: one decoder who cannot tell the type must
    # not cancel one who can. Untyped imported tags (None) abstain too.
    typed = [
        (m.camera_type, wi)
        for m, wi in zip(members, w, strict=True)
        if m.camera_type and m.camera_type != TYPE_TIE
    ]
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
