"""Distance from one panorama to a camera, from a base click or a pitch prior (§5.3b,c).

A camera sits above the horizon on a pole or wall, so the sidewalk-labelling
trick (distance from the click's depression) does not apply to the camera
itself; it does apply to the base click, where the fixture meets the ground.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Street View's camera is about 2.5 m above the ground (DESIGN §5.3).
CAMERA_HEIGHT_M = 2.5
# Mounting height (mean, sd) in metres by attachment. Cameras on street
# furniture hang on lamp posts and traffic-signal poles/mast arms at about
# 3.5-6 m; building cameras sit from just above doors (~2.5-3 m) to upper
# floors; "other" (trees, fences, booths) is lower and least known.
MOUNT_HEIGHT_PRIOR_M: dict[str, tuple[float, float]] = {
    "street_furniture": (4.5, 1.5),
    "building": (4.0, 2.0),
    "other": (3.5, 2.0),
}
# Below 1° of depression the base is ~140 m away or more, and 0.5° of click
# noise alone changes that by half; treat such clicks as unusable.
MIN_BASE_DEPRESSION_DEG = 1.0
# Likewise a camera less than 1° above the horizon gives no usable distance
# from its pitch: its mount is near the camera's height or very far away.
MIN_PRIOR_PITCH_DEG = 1.0
# Cameras that decoders can make out in a panorama are within a few street
# widths (3-60 m); clamp the pitch-prior guess to 3-MAX_RANGE_M. Beyond that the guess is
# ruled by the height prior (a pitch of 4° puts a 3.5-6.5 m pole camera anywhere from
# 14 to 57 m), and a clamp near the middle of the band a camera is then in errs least.
# On the published-format simulation (bench/amnesty_compare.py) 33 m beat 30 m on recall
# and precision on seeds 1-3 and on seeds 4-5, which were not used to choose it
# (recall 0.896 -> 0.900, 0.906 -> 0.907); 36 m was worse than 30 m on seeds 2 and 3.
# 33 m is the fallback: a campaign with enough measured ranges gets its own (range_clamp).
MIN_RANGE_M = 3.0
MAX_RANGE_M = 33.0
# With no usable pitch (< 1° above the horizon) the camera is far (a 1-4 m mount above
# the eye is 57-230 m away at 1°) or mounted near eye height at any range: guess the
# clamp, the middle of the band decoders make cameras out in, and say the guess spans the
# whole band (clamp - MIN_RANGE_M), so that a neighbouring panorama's ray may fix it
# anywhere in it. (15 ± 12 m, a typical street's width, put most of them 20-40 m short on
# the published-format simulation, where such cameras are mostly 40-60 m away, and kept
# them from triangulating.)
#
# The band a campaign's single-panorama cameras sit in depends on its streets and the
# spacing of its panoramas, so the clamp is measured on the campaign's own data where it
# can be: the RANGE_QUANTILE of the distances of its single-panorama cameras located by a
# base click (a measured range, not a guess), once there are MIN_RANGE_SAMPLES of them,
# bounded to RANGE_CLAMP_BOUNDS_M. Triangulated cameras are the wrong sample: a camera
# seen from two panoramas is one between them (both simulations put their pitch-prior
# sightings' median 41-47 m away, where the single-panorama ones are not). Without base
# clicks (the published format has none) the clamp stays MAX_RANGE_M.
RANGE_QUANTILE = 0.8
MIN_RANGE_SAMPLES = 30
RANGE_CLAMP_BOUNDS_M = (20.0, 45.0)
# Inter-user click noise is about 0.3-0.6° per axis (DESIGN §5.3).
CLICK_NOISE_DEG = 0.5
# The priors above are guesses; a campaign's triangulated cameras measure their mounting
# height (eye height + range · tan(pitch)). With 30 of an attachment their median and
# spread (IQR / 1.349) replace its prior: in the published-format simulation the guesses
# put building cameras at half their range. Heights outside 2.5-20 m are misfits.
MIN_HEIGHT_SAMPLES = 30
MIN_HEIGHT_SD_M = 0.5
MAX_MOUNT_HEIGHT_M = 20.0
# A median height barely above the eye would put every camera at the clamp.
MIN_MOUNT_ABOVE_EYE_M = 0.5

Heights = Mapping[str, tuple[float, float]]  # attachment -> (mean, sd) in metres


def range_clamp(distances: Iterable[float]) -> float:
    """The pitch-prior clamp measured on a campaign's base-click-located cameras (metres).

    The RANGE_QUANTILE of their distances from their panoramas, rounded to 0.1 m and
    bounded to RANGE_CLAMP_BOUNDS_M; MAX_RANGE_M with fewer than MIN_RANGE_SAMPLES.
    Distances under MIN_RANGE_M or not finite are misfits. The result depends on the
    multiset of distances alone, not on their order.
    """
    values = sorted(d for d in distances if math.isfinite(d) and d >= MIN_RANGE_M)
    if len(values) < MIN_RANGE_SAMPLES:
        return MAX_RANGE_M
    # Linear interpolation between order statistics (numpy's default quantile).
    position = RANGE_QUANTILE * (len(values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(values) - 1)
    quantile = values[below] + (values[above] - values[below]) * (position - below)
    low, high = RANGE_CLAMP_BOUNDS_M
    return round(min(high, max(low, quantile)), 1)


@dataclass(frozen=True)
class RangeEstimate:
    """A distance along the bearing with its 1-sigma uncertainty and its source."""

    distance_m: float
    uncertainty_m: float
    method: str  # "base_click" or "pitch_prior"


def distance_from_base(
    base_pitch: float, *, camera_height: float = CAMERA_HEIGHT_M
) -> float | None:
    """Return the ground distance to a base click, or None if too near the horizon."""
    if base_pitch >= -MIN_BASE_DEPRESSION_DEG:
        return None
    return camera_height / math.tan(math.radians(-base_pitch))


def range_from_base(
    base_pitch: float,
    *,
    noise_deg: float = CLICK_NOISE_DEG,
    camera_height: float = CAMERA_HEIGHT_M,
) -> RangeEstimate | None:
    """Return the distance from a base click with click noise propagated, or None."""
    distance = distance_from_base(base_pitch, camera_height=camera_height)
    if distance is None:
        return None
    # d = h / tan(δ) so |dd/dδ| = h / sin²(δ): first-order propagation of the
    # depression angle's noise, steep near the horizon.
    depression = math.radians(-base_pitch)
    sd = camera_height / math.sin(depression) ** 2 * math.radians(noise_deg)
    return RangeEstimate(distance_m=distance, uncertainty_m=sd, method="base_click")


def mount_heights(samples: Iterable[tuple[str, float]]) -> dict[str, tuple[float, float]]:
    """Mounting height (median, robust sd) per attachment measured on triangulated cameras.

    Attachments with fewer than MIN_HEIGHT_SAMPLES measurements keep their prior.
    """
    measured: dict[str, list[float]] = defaultdict(list)
    for attachment, height in samples:
        if attachment in MOUNT_HEIGHT_PRIOR_M and CAMERA_HEIGHT_M < height <= MAX_MOUNT_HEIGHT_M:
            measured[attachment].append(height)
    out = dict(MOUNT_HEIGHT_PRIOR_M)
    for attachment, values in sorted(measured.items()):
        if len(values) < MIN_HEIGHT_SAMPLES:
            continue
        q1, median, q3 = statistics.quantiles(values, n=4)
        median = max(median, CAMERA_HEIGHT_M + MIN_MOUNT_ABOVE_EYE_M)
        out[attachment] = (round(median, 3), round(max((q3 - q1) / 1.349, MIN_HEIGHT_SD_M), 3))
    return out


def range_from_pitch(
    pitch: float,
    attachment: str,
    *,
    noise_deg: float = CLICK_NOISE_DEG,
    heights: Heights | None = None,
    max_range_m: float | None = None,
) -> RangeEstimate:
    """Return a distance guessed from the camera's pitch and a mounting-height prior.

    The guess is clamped to MIN_RANGE_M..`max_range_m` (the campaign's measured clamp,
    range_clamp; None: MAX_RANGE_M), and a near-horizon camera is guessed at that clamp.
    """
    if attachment not in MOUNT_HEIGHT_PRIOR_M:
        raise ValueError(f"unknown attachment {attachment!r}")
    height, height_sd = (heights or MOUNT_HEIGHT_PRIOR_M).get(
        attachment, MOUNT_HEIGHT_PRIOR_M[attachment]
    )
    top = MAX_RANGE_M if max_range_m is None else max_range_m
    if pitch <= MIN_PRIOR_PITCH_DEG:
        return RangeEstimate(distance_m=top, uncertainty_m=top - MIN_RANGE_M, method="pitch_prior")
    elevation = math.radians(pitch)
    raw = (height - CAMERA_HEIGHT_M) / math.tan(elevation)
    distance = min(top, max(MIN_RANGE_M, raw))
    # The height prior dominates: sd_H / tan(e); click noise adds
    # (H - h) / sin²(e) · noise. Neither shrinks because of the clamp, and
    # the band's width caps how unsure a guess inside it can honestly be.
    from_height = height_sd / math.tan(elevation)
    from_click = (height - CAMERA_HEIGHT_M) / math.sin(elevation) ** 2
    from_click *= math.radians(noise_deg)
    sd = min(math.hypot(from_height, from_click), top - MIN_RANGE_M)
    return RangeEstimate(distance_m=distance, uncertainty_m=sd, method="pitch_prior")
