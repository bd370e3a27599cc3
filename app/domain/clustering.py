"""Group one panorama's tags into candidate cameras by angular distance (DESIGN §5.2).

Constrained agglomerative clustering with complete linkage: two clusters merge
only if every pair of their tags is within that pair's threshold, and never if
that would put two tags of one decoder together (a decoder who clicked twice saw
two cameras). Complete linkage keeps a cluster tight: no chaining of a row of
cameras on one facade into one.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.domain.sphere import angular_distance, field_of_view, mean_direction

# 3° at zoom >= 2: inter-user click noise is 0.3-0.6° per axis (DESIGN §5.3),
# so two clicks on the same spot differ by up to ~1.2° (2 sigma, both axes);
# a camera housing (20-40 cm) seen from 8-15 m spans 1-3°, and decoders click
# different parts of it. Zoomed out, one screen pixel covers more of the
# sphere and clicks are coarser in proportion to the field of view
# (fov / 15 = 3° at zoom 2, 6° at zoom 1). The 8° cap keeps two cameras on
# neighbouring fixtures (~1 m apart at ~10 m, 5-6°) from merging too easily.
_MIN_THRESHOLD_DEG = 3.0
_MAX_THRESHOLD_DEG = 8.0
_FOV_FRACTION = 1.0 / 15.0
# The radius from measured noise: 3 sigmas of the difference of two clicks (99 % of
# Rayleigh), at most 10° (neighbouring corner cameras are 15-40° apart from the panorama).
SPREAD_SIGMAS = 3.0
MAX_SPREAD_RADIUS_DEG = 10.0
# click_spread looks for the nearest other look's tag within 12° and wants 50 such pairs.
SPREAD_WINDOW_DEG = 12.0
MIN_SPREAD_PAIRS = 50
# ...and stops at 20,000: their median is then within ~1 % of the whole campaign's, and a
# 43k-task campaign need not pay a pairwise matrix per panorama for the last digit.
MAX_SPREAD_GAPS = 20_000
# decoder_spreads: 5 pseudo-gaps at the campaign's noise; nobody below 0.3 of it.
SPREAD_SHRINK = 5.0
MIN_SPREAD_SHARE = 0.09
SPREAD_ROUNDS = 5
_RAYLEIGH_MEDIAN = math.sqrt(2 * math.log(2))
# Distances are compared after rounding so that rounding noise (e.g. from
# rotating every heading) cannot flip a comparison or reorder a tie.
_DECIMALS = 9
GAP_DECIMALS = _DECIMALS  # likewise for distances to a cluster's centre (rejoin, absorb, join)


@dataclass(frozen=True)
class TagPoint:
    """One decoder's click on a camera, as a direction in the panorama."""

    tag_id: int
    decoder_id: int
    heading: float
    pitch: float
    zoom: float = 1.0
    spread: float | None = None  # this decoder's measured click noise (°), if known


def threshold_for(zoom: float, spread_deg: float = 0.0) -> float:
    """Return the clustering radius in degrees for a tag made at a zoom level.

    `spread_deg` is the data's measured click noise per axis (click_spread): imported
    campaigns click far less precisely (0.5-2.5° per decoder) than DESIGN's 0.3-0.6°, and
    the radius must cover two such clicks on one camera.
    """
    raw = field_of_view(zoom) * _FOV_FRACTION
    by_zoom = min(_MAX_THRESHOLD_DEG, max(_MIN_THRESHOLD_DEG, raw))
    return max(by_zoom, min(MAX_SPREAD_RADIUS_DEG, SPREAD_SIGMAS * math.sqrt(2) * spread_deg))


def radius(t: TagPoint, spread_deg: float = 0.0) -> float:
    """A tag's clustering radius: by zoom, widened by its decoder's (else the campaign's) noise."""
    return threshold_for(t.zoom, t.spread if t.spread is not None else spread_deg)


def click_spread(panoramas: Iterable[Sequence[TagPoint]]) -> float | None:
    """Estimate the per-axis click noise (°) from nearest other-look tags; None if too few.

    For each tag, the nearest tag of another look within SPREAD_WINDOW_DEG is most often a
    click on the same camera; the difference of two clicks with per-axis noise s is
    Rayleigh with scale s·√2, whose median is 1.177·s·√2.
    """
    gaps: list[float] = []
    for tags in panoramas:
        if len(tags) < 2:
            continue
        d = _distances(tags)
        looks = np.array([t.decoder_id for t in tags])
        d[looks[:, None] == looks[None, :]] = np.inf
        nearest = d.min(axis=1)
        gaps.extend(float(g) for g in nearest if g <= SPREAD_WINDOW_DEG)
        if len(gaps) >= MAX_SPREAD_GAPS:
            break
    if len(gaps) < MIN_SPREAD_PAIRS:
        return None
    return float(np.median(gaps)) / (_RAYLEIGH_MEDIAN * math.sqrt(2))


def decoder_spreads(
    panoramas: Iterable[Sequence[TagPoint]], *, owners: Mapping[int, int], campaign_deg: float
) -> dict[int, float]:
    """Per-axis click noise (°) per decoder, shrunk towards the campaign's.

    Tags' `decoder_id` are looks; `owners` maps a look to its decoder. Each tag's nearest
    other-look tag within SPREAD_WINDOW_DEG is a second click on its camera: the gap g is
    Rayleigh with scale sqrt(s_u² + s_v²), so the median of g² / (2 ln 2) - s_v² over a
    decoder u's gaps estimates s_u², given the other decoders' s_v (a few fixed-point
    rounds from the campaign's value); SPREAD_SHRINK pseudo-gaps at the campaign's noise
    steady a decoder with few tags. Imported decoders range from 0.5° to 2.5°, and one
    radius for all splits the noisy ones' cameras and merges the careful ones' neighbours.
    """
    pairs: list[tuple[int, int, float]] = []
    for tags in panoramas:
        if len(tags) < 2:
            continue
        d = _distances(tags)
        looks = np.array([t.decoder_id for t in tags])
        d[looks[:, None] == looks[None, :]] = np.inf
        for t, j, g in zip(tags, d.argmin(axis=1), d.min(axis=1), strict=True):
            if g <= SPREAD_WINDOW_DEG:
                other = owners[tags[int(j)].decoder_id]
                pairs.append((owners[t.decoder_id], other, float(g) ** 2 / (2 * math.log(2))))
    c2 = campaign_deg**2
    var: dict[int, float] = {u: c2 for u, _, _ in pairs}
    counts: dict[int, int] = defaultdict(int)
    for u, _, _ in pairs:
        counts[u] += 1
    for _ in range(SPREAD_ROUNDS):
        own: dict[int, list[float]] = defaultdict(list)
        for u, v, g2 in pairs:
            own[u].append(g2 - var[v])
        var = {
            u: (n * max(float(np.median(own[u])), MIN_SPREAD_SHARE * c2) + SPREAD_SHRINK * c2)
            / (n + SPREAD_SHRINK)
            for u, n in counts.items()
        }
    return {u: round(math.sqrt(v), 4) for u, v in sorted(var.items())}


def _distances(tags: Sequence[TagPoint]) -> npt.NDArray[np.float64]:
    """Pairwise angular distances in degrees."""
    heading = np.radians(np.array([t.heading for t in tags], dtype=np.float64))
    pitch = np.radians(np.array([t.pitch for t in tags], dtype=np.float64))
    dh = heading[None, :] - heading[:, None]
    sin_p, cos_p = np.sin(pitch), np.cos(pitch)
    cross = np.hypot(
        cos_p[None, :] * np.sin(dh),
        cos_p[:, None] * sin_p[None, :] - sin_p[:, None] * cos_p[None, :] * np.cos(dh),
    )
    dot = sin_p[:, None] * sin_p[None, :] + cos_p[:, None] * cos_p[None, :] * np.cos(dh)
    out: npt.NDArray[np.float64] = np.degrees(np.arctan2(cross, dot))
    return out


def _scaled_distances(tags: Sequence[TagPoint], spread_deg: float) -> npt.NDArray[np.float64]:
    """Pairwise angular distance / pair threshold; inf for same-decoder pairs."""
    heading = np.radians(np.array([t.heading for t in tags], dtype=np.float64))
    pitch = np.radians(np.array([t.pitch for t in tags], dtype=np.float64))
    thresholds = np.array([radius(t, spread_deg) for t in tags], dtype=np.float64)
    decoders = np.array([t.decoder_id for t in tags])
    # Vincenty's form, as in sphere.angular_distance: stable for small angles
    # and a function of heading differences only, so wrap-around at 0/360 and
    # a common rotation need no special case.
    dh = heading[None, :] - heading[:, None]
    sin_p, cos_p = np.sin(pitch), np.cos(pitch)
    cross = np.hypot(
        cos_p[None, :] * np.sin(dh),
        cos_p[:, None] * sin_p[None, :] - sin_p[:, None] * cos_p[None, :] * np.cos(dh),
    )
    dot = sin_p[:, None] * sin_p[None, :] + cos_p[:, None] * cos_p[None, :] * np.cos(dh)
    distance = np.degrees(np.arctan2(cross, dot))
    # Errors of two clicks add in quadrature, so the pair's radius is the
    # quadratic mean of the two tags' radii (equal radii: unchanged).
    pair_threshold = np.sqrt((thresholds[:, None] ** 2 + thresholds[None, :] ** 2) / 2)
    scaled: npt.NDArray[np.float64] = np.round(distance / pair_threshold, _DECIMALS)
    scaled[decoders[:, None] == decoders[None, :]] = np.inf
    return scaled


def cluster_tags(tags: Sequence[TagPoint], *, spread_deg: float = 0.0) -> list[list[TagPoint]]:
    """Partition tags into clusters, never two tags of one decoder together."""
    ordered = sorted(tags, key=lambda t: (t.tag_id, t.decoder_id, t.heading, t.pitch))
    n = len(ordered)
    if n == 0:
        return []
    scaled = _scaled_distances(ordered, spread_deg)
    np.fill_diagonal(scaled, np.inf)
    members: list[list[int]] = [[i] for i in range(n)]
    while True:
        # np.argmin breaks ties by the lowest (row, column), i.e. by tag_id
        # order, so the merge sequence is deterministic.
        i, j = divmod(int(np.argmin(scaled)), n)
        if not scaled[i, j] <= 1.0:
            break
        keep, drop = min(i, j), max(i, j)
        # Complete linkage (Lance-Williams): the merged cluster's distance to
        # any other is the larger of the two; inf (same decoder) propagates.
        merged = np.maximum(scaled[keep], scaled[drop])
        scaled[keep, :] = merged
        scaled[:, keep] = merged
        scaled[drop, :] = np.inf
        scaled[:, drop] = np.inf
        members[keep].extend(members[drop])
        members[drop] = []
    # Indices follow tag_id order, so sorting them sorts members by tag_id, and
    # clusters come out ordered by their smallest tag_id.
    groups = sorted(sorted(m) for m in members if m)
    return [[ordered[k] for k in group] for group in groups]


def join_splits(
    clusters: list[list[TagPoint]], *, voters: int, spread_deg: float = 0.0
) -> list[list[TagPoint]]:
    """Join two minority clusters of one camera that complete linkage kept apart.

    Per-decoder click noise runs from 0.5° to 2.5° in imported data, so two clicks on one
    camera by the noisiest decoders can fall just beyond the pair radius, and a camera two
    of three decoders tagged becomes two single-vote clusters, neither confirmed. Two
    clusters with no look in common, neither a strict majority of `voters` but their union
    one, whose every tag lies within its own radius of the union's centre (the test
    rejoin_duplicates uses), are one camera; closest pairs join first.
    """
    out = [list(c) for c in clusters]
    while True:
        best: tuple[float, int, int] | None = None
        for i, a in enumerate(out):
            looks_a = {t.decoder_id for t in a}
            if 2 * len(looks_a) > voters:
                continue
            for j in range(i + 1, len(out)):
                looks_b = {t.decoder_id for t in out[j]}
                union = len(looks_a | looks_b)
                if looks_a & looks_b or 2 * len(looks_b) > voters or 2 * union <= voters:
                    continue
                both = a + out[j]
                h, p = mean_direction([(t.heading, t.pitch) for t in both])
                gaps = [
                    round(angular_distance(t.heading, t.pitch, h, p), GAP_DECIMALS) for t in both
                ]
                if any(g > radius(t, spread_deg) for g, t in zip(gaps, both, strict=True)):
                    continue
                if best is None or max(gaps) < best[0]:
                    best = (max(gaps), i, j)
        if best is None:
            break
        _, i, j = best
        out[i] = sorted(out[i] + out[j], key=lambda t: t.tag_id)
        del out[j]
    return sorted(out, key=lambda c: c[0].tag_id)
