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

from app.domain.clustering import (
    GAP_DECIMALS,
    TagPoint,
    cluster_tags,
    join_splits,
    radius,
    threshold_for,
)
from app.domain.locating import CLICK_NOISE_DEG, Heights, range_from_base, range_from_pitch
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
# A look's second click on one camera (a double click, a re-click to adjust) lands next to
# its first: the same person aims at the same spot of the housing, so the click noise
# between decoders (0.5-2.5° in imported data) does not separate the two. Two clicks of
# one look farther apart than this are two cameras the decoder told apart (two on one
# pole, ~0.5 m apart: 3° and more at 10 m), and are never folded into one camera.
DOUBLE_CLICK_DEG = 2.0


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
    spread_deg: float = 0.0,
    heights: Heights | None = None,
    noise: Mapping[int, float] | None = None,
    max_range_m: float | None = None,
) -> list[CameraEstimate]:
    """Cluster a panorama's tags and estimate one camera per cluster.

    `spread_deg` is the campaign's measured click noise per axis (0: DESIGN's 0.3-0.6°);
    `heights` the mounting heights measured on its triangulated cameras (None: the priors);
    `max_range_m` the pitch-prior clamp measured on them (None: MAX_RANGE_M);
    `noise` each decoder's measured click noise (decoders not in it have the campaign's):
    it sets their tags' radius and weighs their clicks in a camera's direction.
    """
    if voters < 1:
        raise ValueError("voters must be at least 1")
    by_id = {t.tag_id: t for t in tags}
    # One look (submission) never supports one camera twice; keying on the
    # submission rather than the decoder keeps imported data right, where one
    # decoder may have answered a merged task twice.
    noise = noise or {}
    points = [
        TagPoint(t.tag_id, t.submission_id, t.heading, t.pitch, t.zoom, noise.get(t.decoder_id))
        for t in tags
    ]
    weights = weights or {}
    campaign = max(CLICK_NOISE_DEG, spread_deg)
    sigma = {t.decoder_id: max(CLICK_NOISE_DEG, noise.get(t.decoder_id, campaign)) for t in tags}
    clusters = cluster_tags(points, spread_deg=spread_deg)
    if len({t.submission_id for t in tags}) < len(tags):
        # Only a look with two clicks can split one camera or click it twice; most tasks
        # have none, and skipping both passes halves the per-task time.
        clusters = absorb_duplicates(rejoin_duplicates(clusters), spread_deg=spread_deg)
    if len(clusters) > 1:
        clusters = join_splits(clusters, voters=voters, spread_deg=spread_deg)
    return [
        _estimate(
            [by_id[p.tag_id] for p in cluster],
            voters=voters,
            lat=lat,
            lon=lon,
            weights=weights,
            sigma=sigma,
            heights=heights,
            max_range_m=max_range_m,
        )
        for cluster in clusters
    ]


def absorb_duplicates(
    clusters: list[list[TagPoint]], *, spread_deg: float = 0.0
) -> list[list[TagPoint]]:
    """Fold a second click of a look into the camera that look already tagged nearby.

    A cluster whose looks all support a neighbouring cluster (within every member's radius
    of its centre), and that holds at most half as many looks, is a double click: its tags
    join the neighbour without adding a vote. Two cameras on one pole that several decoders
    each tagged separately have the same looks on both sides, and stay apart; so does a
    second click more than DOUBLE_CLICK_DEG from its look's click in the neighbour (the
    decoder told two cameras apart, even if the others did not).
    """
    out = [list(c) for c in clusters]
    centres = [mean_direction([(t.heading, t.pitch) for t in c]) for c in out]
    order = sorted(range(len(out)), key=lambda i: (len({t.decoder_id for t in out[i]}), i))
    for i in order:
        looks_i = {t.decoder_id for t in out[i]}
        if not out[i]:
            continue
        best: tuple[float, int] | None = None
        for j, other in enumerate(out):
            looks_j = {t.decoder_id for t in other}
            if j == i or not other or not looks_i < looks_j or 2 * len(looks_i) > len(looks_j):
                continue
            if not double_clicks(out[i], other):
                continue
            h, p = centres[j]
            gaps = [round(angular_distance(t.heading, t.pitch, h, p), GAP_DECIMALS) for t in out[i]]
            fits = all(g <= radius(t, spread_deg) for g, t in zip(gaps, out[i], strict=True))
            if fits and (best is None or max(gaps) < best[0]):
                best = (max(gaps), j)
        if best is not None:
            out[best[1]].extend(out[i])
            out[i] = []
    kept = [sorted(c, key=lambda t: t.tag_id) for c in out if c]
    return sorted(kept, key=lambda c: c[0].tag_id)


def rejoin_duplicates(clusters: list[list[TagPoint]]) -> list[list[TagPoint]]:
    """Undo splits of one camera caused by a look that clicked it twice.

    Complete linkage may pair look A's first click with B's and A's second with C's;
    the two clusters then share A and can never merge, and one camera is counted
    twice. When two clusters sharing a look lie within every member's radius of
    their joint centre, keep each look's click closest to the centre in one cluster
    and put the spare clicks in the other. Only a double click (a look's clicks within
    DOUBLE_CLICK_DEG of each other) is undone: farther apart, they are two cameras.
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
    if not double_clicks(a, b):
        return None
    both = a + b
    h, p = mean_direction([(t.heading, t.pitch) for t in both])
    gaps = {t.tag_id: round(angular_distance(t.heading, t.pitch, h, p), GAP_DECIMALS) for t in both}
    if any(gaps[t.tag_id] > threshold_for(t.zoom) for t in both):
        return None
    best: dict[int, TagPoint] = {}
    for t in sorted(both, key=lambda t: (gaps[t.tag_id], t.tag_id)):
        best.setdefault(t.decoder_id, t)
    keep = list(best.values())
    chosen = {t.tag_id for t in keep}
    return keep, [t for t in both if t.tag_id not in chosen]


def double_clicks(a: Sequence[TagPoint], b: Sequence[TagPoint]) -> bool:
    """Whether every look with clicks in both clusters clicked one spot (DOUBLE_CLICK_DEG)."""
    shared = {t.decoder_id for t in a} & {t.decoder_id for t in b}
    for look in shared:
        clicks = [t for t in (*a, *b) if t.decoder_id == look]
        for k, x in enumerate(clicks):
            for y in clicks[k + 1 :]:
                if angular_distance(x.heading, x.pitch, y.heading, y.pitch) > DOUBLE_CLICK_DEG:
                    return False
    return True


def _estimate(
    members: list[ObservedTag],
    *,
    voters: int,
    lat: float,
    lon: float,
    weights: Mapping[int, float],
    sigma: Mapping[int, float],
    heights: Heights | None = None,
    max_range_m: float | None = None,
) -> CameraEstimate:
    w = [weights.get(m.decoder_id, DEFAULT_WEIGHT) for m in members]
    # Inverse-variance weights: a 0.5° decoder's click counts 25 times a 2.5° one's.
    heading, pitch = mean_direction(
        [(m.heading, m.pitch) for m in members], [sigma[m.decoder_id] ** -2 for m in members]
    )
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
    by_look = {m.submission_id: sigma[m.decoder_id] for m in members}
    looks = len(by_look)
    # The weighted mean of one click per look: its noise is (sum of 1 / sigma²)^-1/2.
    mean_noise = sum(s**-2 for s in by_look.values()) ** -0.5
    distance, range_sd, method = _range(
        members,
        heading=heading,
        pitch=pitch,
        attachment=attachment,
        noise_deg=mean_noise,
        heights=heights,
        max_range_m=max_range_m,
    )
    cam_lat, cam_lon, uncertainty = _place(lat, lon, heading, distance, range_sd, mean_noise)
    return CameraEstimate(
        tag_ids=tuple(m.tag_id for m in members),
        supporters=frozenset(m.decoder_id for m in members),
        support=looks,
        voters=voters,
        heading=heading,
        pitch=pitch,
        attachment=attachment,
        camera_type=camera_type,
        distance_m=distance,
        uncertainty_m=uncertainty,
        location_method=method,
        lat=cam_lat,
        lon=cam_lon,
    )


def _place(
    lat: float, lon: float, heading: float, distance: float, range_sd: float, noise_deg: float
) -> tuple[float, float, float]:
    """(lat, lon, 1-sigma semi-major axis) of a camera `distance` along the bearing."""
    # Like a triangulation's: along the ray the range error dominates, across it the
    # bearing's (the mean of k looks' clicks has k^-1/2 of one click's noise).
    lateral = distance * math.tan(math.radians(noise_deg))
    cam_lat, cam_lon = destination(lat, lon, heading, distance)
    return cam_lat, cam_lon, max(range_sd, lateral)


def place_by_pitch(
    *,
    lat: float,
    lon: float,
    heading: float,
    pitch: float,
    attachment: str,
    looks: int,
    spread_deg: float = 0.0,
    heights: Heights | None = None,
    max_range_m: float | None = None,
) -> tuple[float, float, float]:
    """(lat, lon, uncertainty) of a pitch-prior camera, as estimate_cameras places it."""
    noise = max(CLICK_NOISE_DEG, spread_deg) / math.sqrt(max(looks, 1))
    prior = range_from_pitch(
        pitch, attachment, noise_deg=noise, heights=heights, max_range_m=max_range_m
    )
    return _place(lat, lon, heading, prior.distance_m, prior.uncertainty_m, noise)


def _range(
    members: list[ObservedTag],
    *,
    heading: float,
    pitch: float,
    attachment: str,
    noise_deg: float = CLICK_NOISE_DEG,
    heights: Heights | None = None,
    max_range_m: float | None = None,
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
    prior = range_from_pitch(
        pitch, attachment, noise_deg=noise_deg, heights=heights, max_range_m=max_range_m
    )
    return prior.distance_m, prior.uncertainty_m, prior.method
