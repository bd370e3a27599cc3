"""One camera seen from several panoramas: match sightings across panoramas (DESIGN §5.3a).

Two bearing rays from panoramas a street apart almost always cross somewhere,
so a crossing alone proves nothing. A pair of sightings is a match only when
(1) their attachments agree ("other", which is also what a tied
vote yields, agrees with anything), (2) the rays cross in front of both at a
range where cameras can be made out, (3) both see the crossing at the same
height above the ground (range x tan(pitch) from each panorama) within the
click noise, and (4) the crossing agrees with each sighting's own range
estimate (base click or pitch prior) within three of its sigmas. Pairs are
scored by the worst of those normalised misfits and joined greedily, best
first; a sighting joins at most one group, a group holds at most one sighting
per panorama, and a third panorama joins only if all rays still fit.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.domain.locating import CAMERA_HEIGHT_M
from app.domain.triangulation import (
    Ray,
    Triangulation,
    from_local,
    intersect_rays,
    ray_crossing,
    to_local,
)

# Decoders make out cameras a few street widths away at most; 3 m keeps out
# crossings on top of a panorama, where a bearing is meaningless.
MIN_RANGE_M = 3.0
MAX_RANGE_M = 60.0
# Panoramas farther apart than this rarely show the same camera legibly.
NEIGHBOUR_RADIUS_M = 120.0
# Pitch noise of a cluster's mean click (one click is 0.3-0.6°, DESIGN §5.3).
PITCH_NOISE_DEG = 0.5
# Street View cameras are not all at 2.5 m and streets are not flat: allow
# this much height difference on top of the noise.
HEIGHT_SLACK_M = 0.5
# Slack on each sighting's own range estimate, for estimates that are clamped.
RANGE_SLACK_M = 2.0
# A group's rays must also pass near the crossing: residual RMS within
# three lateral noise sigmas at the longest range, plus this slack.
RESIDUAL_SLACK_M = 0.5
WILDCARD_ATTACHMENT = "other"


@dataclass(frozen=True)
class Sighting:
    """A camera estimated from one panorama: bearing, pitch, attachment, own range."""

    sighting_id: int
    panorama_id: int
    lat: float  # the panorama's position
    lon: float
    bearing: float
    pitch: float
    attachment: str
    distance_m: float
    distance_sd_m: float
    weight: float = 1.0
    noise_deg: float = PITCH_NOISE_DEG  # 1-sigma noise of the sighting's mean direction


@dataclass(frozen=True)
class MergedCamera:
    """Sightings of one camera from two or more panoramas, triangulated."""

    sighting_ids: tuple[int, ...]
    lat: float
    lon: float
    uncertainty_m: float
    rms_residual_m: float
    height_m: float  # above the ground: eye height + the sightings' mean range · tan(pitch)


def _rays(group: Sequence[Sighting]) -> tuple[list[Ray], float, float]:
    """Rays in the tangent plane at the first sighting's panorama, and that origin."""
    lat0, lon0 = group[0].lat, group[0].lon
    rays = []
    for s in group:
        x, y = to_local(lat0, lon0, s.lat, s.lon)
        rays.append(Ray(x, y, s.bearing, s.weight, s.noise_deg))
    return rays, lat0, lon0


def _height(s: Sighting, rng: float) -> float:
    return rng * math.tan(math.radians(s.pitch))


def _height_tolerance(group: Sequence[Sighting], ranges: Sequence[float]) -> float:
    spread = sum(
        (r * math.tan(math.radians(s.noise_deg))) ** 2 for s, r in zip(group, ranges, strict=True)
    )
    return 3.0 * math.sqrt(spread) + HEIGHT_SLACK_M


def _range_misfit(s: Sighting, rng: float) -> float:
    return abs(rng - s.distance_m) / (3.0 * s.distance_sd_m + RANGE_SLACK_M)


def attachments_agree(a: str, b: str) -> bool:
    """Same attachment, or one is "other" (a catch-all and the result of a tied vote)."""
    return a == b or WILDCARD_ATTACHMENT in (a, b)


def pair_score(a: Sighting, b: Sighting) -> float | None:
    """Return the pair's worst normalised misfit (<= 1 fits), or None if it cannot match."""
    if a.panorama_id == b.panorama_id or not attachments_agree(a.attachment, b.attachment):
        return None
    rays, _, _ = _rays([a, b])
    crossing = ray_crossing(rays[0], rays[1])
    if crossing is None:
        return None
    _, _, range_a, range_b = crossing
    if not (MIN_RANGE_M <= range_a <= MAX_RANGE_M and MIN_RANGE_M <= range_b <= MAX_RANGE_M):
        return None
    height = abs(_height(a, range_a) - _height(b, range_b)) / _height_tolerance(
        [a, b], [range_a, range_b]
    )
    score = max(height, _range_misfit(a, range_a), _range_misfit(b, range_b))
    return score if score <= 1.0 else None


def fit_group(group: Sequence[Sighting]) -> Triangulation | None:
    """Return the group's crossing if every ray fits it, else None."""
    if len({s.panorama_id for s in group}) != len(group):
        return None
    named = {s.attachment for s in group} - {WILDCARD_ATTACHMENT}
    if len(named) > 1:
        return None
    rays, _, _ = _rays(group)
    result = intersect_rays(rays)
    if result is None:
        return None
    ranges = result.ranges
    if not all(MIN_RANGE_M <= r <= MAX_RANGE_M for r in ranges):
        return None
    heights = [_height(s, r) for s, r in zip(group, ranges, strict=True)]
    if max(heights) - min(heights) > _height_tolerance(group, ranges):
        return None
    if any(_range_misfit(s, r) > 1.0 for s, r in zip(group, ranges, strict=True)):
        return None
    lateral = max(
        r * math.tan(math.radians(s.noise_deg)) for s, r in zip(group, ranges, strict=True)
    )
    if result.rms_residual_m > 3.0 * lateral + RESIDUAL_SLACK_M:
        return None
    return result


def match_sightings(
    sightings: Sequence[Sighting], neighbours: Iterable[tuple[int, int]]
) -> list[MergedCamera]:
    """Group sightings of one camera across neighbouring panoramas, best pairs first."""
    by_panorama: dict[int, list[Sighting]] = {}
    for s in sightings:
        by_panorama.setdefault(s.panorama_id, []).append(s)
    edges: list[tuple[float, int, int]] = []
    for pa, pb in neighbours:
        for a in by_panorama.get(pa, ()):
            for b in by_panorama.get(pb, ()):
                score = pair_score(a, b)
                if score is not None:
                    low, high = sorted((a.sighting_id, b.sighting_id))
                    edges.append((score, low, high))
    edges.sort()
    by_id = {s.sighting_id: s for s in sightings}
    group_of: dict[int, int] = {}
    groups: dict[int, list[Sighting]] = {}
    for _, ia, ib in edges:
        ga, gb = group_of.get(ia), group_of.get(ib)
        if ga is not None and gb is not None:
            continue  # both taken: groups never merge, which keeps each step checkable
        if ga is None and gb is None:
            groups[ia] = [by_id[ia], by_id[ib]]
            group_of[ia] = group_of[ib] = ia
            continue
        key = ga if ga is not None else gb
        assert key is not None
        newcomer = by_id[ib] if ga is not None else by_id[ia]
        candidate = [*groups[key], newcomer]
        if fit_group(candidate) is not None:
            groups[key] = candidate
            group_of[newcomer.sighting_id] = key
    return [m for m in (_merged(g) for g in groups.values()) if m is not None]


def _merged(group: list[Sighting]) -> MergedCamera | None:
    ordered = sorted(group, key=lambda s: s.sighting_id)
    result = fit_group(ordered)
    if result is None:
        return None
    _, lat0, lon0 = _rays(ordered)
    lat, lon = from_local(lat0, lon0, result.x, result.y)
    return MergedCamera(
        sighting_ids=tuple(s.sighting_id for s in ordered),
        lat=lat,
        lon=lon,
        uncertainty_m=result.uncertainty_m,
        rms_residual_m=result.rms_residual_m,
        height_m=CAMERA_HEIGHT_M
        + sum(_height(s, r) for s, r in zip(ordered, result.ranges, strict=True)) / len(ordered),
    )
