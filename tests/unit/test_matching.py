"""Tests for app.domain.matching: one camera seen from several panoramas."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.matching import Sighting, match_sightings, pair_score
from app.domain.triangulation import from_local, to_local

LAT0, LON0 = 40.7580, -73.9857
FAST = settings(max_examples=100, deadline=None)


def seen_from(
    sid: int,
    pano: int,
    pano_xy: tuple[float, float],
    cam_xyz: tuple[float, float, float],
    *,
    attachment: str = "street_furniture",
    bearing_error: float = 0.0,
    distance_sd: float = 8.0,
) -> Sighting:
    """A noiseless sighting of a camera at local (x, y, height above the pano camera)."""
    lat, lon = from_local(LAT0, LON0, *pano_xy)
    dx, dy = cam_xyz[0] - pano_xy[0], cam_xyz[1] - pano_xy[1]
    rng = math.hypot(dx, dy)
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    pitch = math.degrees(math.atan2(cam_xyz[2], rng))
    return Sighting(
        sighting_id=sid,
        panorama_id=pano,
        lat=lat,
        lon=lon,
        bearing=(bearing + bearing_error) % 360.0,
        pitch=pitch,
        attachment=attachment,
        distance_m=rng,
        distance_sd_m=distance_sd,
    )


def test_two_panoramas_seeing_one_camera_match_and_locate_it() -> None:
    cam = (20.0, 35.0, 3.0)
    a = seen_from(1, 10, (0.0, 0.0), cam)
    b = seen_from(2, 11, (0.0, 80.0), cam)
    merged = match_sightings([a, b], [(10, 11)])
    assert len(merged) == 1 and merged[0].sighting_ids == (1, 2)
    x, y = to_local(LAT0, LON0, merged[0].lat, merged[0].lon)
    assert math.hypot(x - cam[0], y - cam[1]) < 0.01
    assert merged[0].uncertainty_m > 0


def test_different_attachments_never_match() -> None:
    cam = (20.0, 35.0, 3.0)
    a = seen_from(1, 10, (0.0, 0.0), cam)
    b = seen_from(2, 11, (0.0, 80.0), cam, attachment="building")
    assert pair_score(a, b) is None


def test_rays_crossing_behind_a_panorama_do_not_match() -> None:
    a = seen_from(1, 10, (0.0, 0.0), (20.0, 35.0, 3.0))
    b = seen_from(2, 11, (0.0, 80.0), (20.0, 120.0, 3.0))  # looks away from a's camera
    assert pair_score(a, b) is None


def test_cameras_at_different_heights_do_not_match() -> None:
    # Same ground point, one at 1 m and one at 6 m above the panorama camera.
    a = seen_from(1, 10, (0.0, 0.0), (20.0, 35.0, 1.0))
    b = seen_from(2, 11, (0.0, 80.0), (20.0, 35.0, 6.0))
    assert pair_score(a, b) is None


def test_a_crossing_far_from_a_base_click_range_does_not_match() -> None:
    cam = (20.0, 35.0, 3.0)
    a = seen_from(1, 10, (0.0, 0.0), cam)
    precise_but_wrong = Sighting(**{**a.__dict__, "distance_m": 12.0, "distance_sd_m": 1.0})
    b = seen_from(2, 11, (0.0, 80.0), cam)
    assert pair_score(precise_but_wrong, b) is None


def test_each_sighting_joins_one_group_best_pair_first() -> None:
    cam1, cam2 = (20.0, 35.0, 3.0), (22.0, 45.0, 3.2)
    a1 = seen_from(1, 10, (0.0, 0.0), cam1)
    a2 = seen_from(2, 10, (0.0, 0.0), cam2)
    b1 = seen_from(3, 11, (0.0, 80.0), cam1)
    b2 = seen_from(4, 11, (0.0, 80.0), cam2)
    merged = match_sightings([a1, a2, b1, b2], [(10, 11)])
    assert sorted(m.sighting_ids for m in merged) == [(1, 3), (2, 4)]


def test_a_third_panorama_joins_when_its_ray_fits() -> None:
    cam = (20.0, 40.0, 3.0)
    sightings = [
        seen_from(1, 10, (0.0, 0.0), cam),
        seen_from(2, 11, (0.0, 80.0), cam, bearing_error=0.3),
        seen_from(3, 12, (60.0, 40.0), cam, bearing_error=-0.3),
    ]
    merged = match_sightings(sightings, [(10, 11), (10, 12), (11, 12)])
    assert len(merged) == 1 and merged[0].sighting_ids == (1, 2, 3)
    x, y = to_local(LAT0, LON0, merged[0].lat, merged[0].lon)
    assert math.hypot(x - cam[0], y - cam[1]) < 1.0


def test_two_sightings_from_one_panorama_never_group() -> None:
    cam = (20.0, 35.0, 3.0)
    a = seen_from(1, 10, (0.0, 0.0), cam)
    b = seen_from(2, 10, (0.0, 0.0), cam)
    assert pair_score(a, b) is None


@FAST
@given(
    st.floats(-40, 40),
    st.floats(10, 70),
    st.floats(0.5, 5.0),
    st.floats(40, 100),
)
def test_noiseless_sightings_of_a_camera_between_two_panoramas_match(
    cx: float, cy: float, height: float, spacing: float
) -> None:
    a_xy, b_xy = (0.0, 0.0), (0.0, spacing)
    cam = (cx, cy, height)
    ra = math.hypot(cx - a_xy[0], cy - a_xy[1])
    rb = math.hypot(cx - b_xy[0], cy - b_xy[1])
    a = seen_from(1, 10, a_xy, cam)
    b = seen_from(2, 11, b_xy, cam)
    crossing_angle = abs((a.bearing - b.bearing + 180.0) % 360.0 - 180.0)
    plausible = 3 <= ra <= 60 and 3 <= rb <= 60 and 5.0 <= crossing_angle <= 175.0
    if plausible:
        score = pair_score(a, b)
        assert score is not None and score < 1e-6
