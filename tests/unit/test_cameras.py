"""Tests for app.domain.cameras: cameras estimated from one panorama's tags."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.cameras import (
    CameraEstimate,
    ObservedTag,
    estimate_cameras,
)
from app.domain.locating import range_from_base, range_from_pitch
from app.domain.sphere import angular_distance, normalize_heading
from app.domain.status import camera_status
from app.domain.triangulation import to_local

LAT, LON = 40.7580, -73.9857
FAST = settings(max_examples=100, deadline=None)


def tag(
    tag_id: int,
    look: int,
    heading: float = 120.0,
    pitch: float = 8.0,
    *,
    attachment: str = "street_furniture",
    camera_type: str | None = "dome_ptz",
    base: tuple[float, float] | None = None,
    decoder: int | None = None,
) -> ObservedTag:
    return ObservedTag(
        tag_id=tag_id,
        submission_id=look,
        decoder_id=look if decoder is None else decoder,
        heading=heading,
        pitch=pitch,
        zoom=2.0,
        attachment=attachment,
        camera_type=camera_type,
        base_heading=base[0] if base else None,
        base_pitch=base[1] if base else None,
    )


def one(cameras: list[CameraEstimate]) -> CameraEstimate:
    assert len(cameras) == 1
    return cameras[0]


def test_three_looks_on_one_camera_make_one_majority_camera() -> None:
    cams = estimate_cameras(
        [tag(1, 1, 120.0), tag(2, 2, 120.5), tag(3, 3, 119.6)], voters=3, lat=LAT, lon=LON
    )
    cam = one(cams)
    assert cam.support == 3 and cam.voters == 3 and cam.majority
    assert cam.tag_ids == (1, 2, 3)
    assert abs(cam.heading - 120.03) < 0.1


def test_one_look_of_three_is_a_minority() -> None:
    cam = one(estimate_cameras([tag(1, 1)], voters=3, lat=LAT, lon=LON))
    assert cam.support == 1 and not cam.majority


def test_two_tags_of_one_look_are_two_cameras() -> None:
    cams = estimate_cameras([tag(1, 1, 120.0), tag(2, 1, 120.4)], voters=3, lat=LAT, lon=LON)
    assert len(cams) == 2


def test_one_decoder_with_two_imported_looks_counts_twice() -> None:
    # Imported data: one decoder answered a merged task twice (two submissions).
    cams = estimate_cameras(
        [tag(1, 1, decoder=7), tag(2, 2, decoder=7)], voters=3, lat=LAT, lon=LON
    )
    cam = one(cams)
    assert cam.support == 2 and cam.supporters == frozenset({7})


def test_attributes_follow_the_majority() -> None:
    cam = one(
        estimate_cameras(
            [
                tag(1, 1, attachment="building", camera_type="bullet"),
                tag(2, 2, attachment="building", camera_type="bullet"),
                tag(3, 3, attachment="street_furniture", camera_type="dome_ptz"),
            ],
            voters=3,
            lat=LAT,
            lon=LON,
        )
    )
    assert (cam.attachment, cam.camera_type) == ("building", "bullet")


def test_attribute_ties_go_to_other_and_unknown() -> None:
    cam = one(
        estimate_cameras(
            [
                tag(1, 1, attachment="building", camera_type="bullet"),
                tag(2, 2, attachment="street_furniture", camera_type="dome_ptz"),
            ],
            voters=3,
            lat=LAT,
            lon=LON,
        )
    )
    assert (cam.attachment, cam.camera_type) == ("other", "unknown")


def test_reliability_weights_break_a_split_vote() -> None:
    tags = [
        tag(1, 1, attachment="building", camera_type="bullet"),
        tag(2, 2, attachment="street_furniture", camera_type="dome_ptz"),
    ]
    cam = one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON, weights={1: 0.4, 2: 0.9}))
    assert (cam.attachment, cam.camera_type) == ("street_furniture", "dome_ptz")


def test_untyped_imported_tags_do_not_vote_on_type() -> None:
    tags = [
        tag(1, 1, attachment="building", camera_type=None),
        tag(2, 2, attachment="building", camera_type=None),
        tag(3, 3, attachment="building", camera_type="bullet"),
    ]
    assert one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON)).camera_type == "bullet"
    untyped = [tag(1, 1, camera_type=None), tag(2, 2, camera_type=None)]
    assert one(estimate_cameras(untyped, voters=3, lat=LAT, lon=LON)).camera_type == "unknown"


def test_base_clicks_locate_the_camera_along_its_bearing() -> None:
    tags = [tag(1, 1, 90.0, 10.0, base=(90.2, -7.0)), tag(2, 2, 90.3, 10.2, base=(90.1, -7.2))]
    cam = one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON))
    expected = range_from_base(-7.1)
    assert expected is not None
    assert cam.location_method == "base_click"
    assert math.isclose(cam.distance_m, expected.distance_m, rel_tol=1e-9)
    x, y = to_local(LAT, LON, cam.lat, cam.lon)
    assert math.isclose(math.hypot(x, y), cam.distance_m, rel_tol=1e-3)
    assert abs(math.degrees(math.atan2(x, y)) - cam.heading) < 0.01


def test_a_base_click_on_another_fixture_is_ignored() -> None:
    tags = [tag(1, 1, 90.0, 10.0, base=(130.0, -7.0)), tag(2, 2, 90.3, 10.2)]
    cam = one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON))
    assert cam.location_method == "pitch_prior"


def test_without_base_clicks_the_pitch_prior_places_it() -> None:
    cam = one(estimate_cameras([tag(1, 1, 45.0, 8.0)], voters=3, lat=LAT, lon=LON))
    prior = range_from_pitch(8.0, "street_furniture")
    assert cam.location_method == "pitch_prior"
    assert math.isclose(cam.distance_m, prior.distance_m)
    assert cam.uncertainty_m >= prior.uncertainty_m


def test_voters_must_be_positive() -> None:
    with pytest.raises(ValueError):
        estimate_cameras([], voters=0, lat=LAT, lon=LON)


@FAST
@given(
    st.lists(st.tuples(st.floats(0, 359.9), st.floats(-5, 40)), min_size=1, max_size=9),
    st.floats(0, 359.9),
)
def test_rotating_every_heading_rotates_the_cameras(
    clicks: list[tuple[float, float]], turn: float
) -> None:
    tags = [tag(i, i % 3, h, p) for i, (h, p) in enumerate(clicks)]
    turned = [
        tag(t.tag_id, t.submission_id, normalize_heading(t.heading + turn), t.pitch) for t in tags
    ]
    a = estimate_cameras(tags, voters=3, lat=LAT, lon=LON)
    b = estimate_cameras(turned, voters=3, lat=LAT, lon=LON)
    assert [c.tag_ids for c in a] == [c.tag_ids for c in b]
    for ca, cb in zip(a, b, strict=True):
        rotated = normalize_heading(ca.heading + turn)
        assert angular_distance(rotated, ca.pitch, cb.heading, cb.pitch) < 1e-6
        assert math.isclose(ca.distance_m, cb.distance_m, rel_tol=1e-6)


@FAST
@given(st.lists(st.tuples(st.floats(0, 359.9), st.floats(-5, 40)), max_size=12))
def test_every_tag_supports_exactly_one_camera(clicks: list[tuple[float, float]]) -> None:
    tags = [tag(i, i % 4, h, p) for i, (h, p) in enumerate(clicks)]
    cams = estimate_cameras(tags, voters=4, lat=LAT, lon=LON)
    ids = [t for c in cams for t in c.tag_ids]
    assert sorted(ids) == list(range(len(tags)))
    assert all(1 <= c.support <= 4 for c in cams)


def test_status_rule() -> None:
    # A strict majority is confirmed whatever an unanchored estimate says (issue 9.1).
    assert camera_status(majority=True, confidence=0.9) == "confirmed"
    assert camera_status(majority=True, confidence=0.05) == "confirmed"
    assert camera_status(majority=False, confidence=0.99) == "candidate"
    assert camera_status(majority=False, confidence=0.99, anchored=True) == "confirmed"
    assert camera_status(majority=False, confidence=0.3, corroborated=True) == "confirmed"
    assert camera_status(majority=False, confidence=0.05) == "rejected"
    assert camera_status(majority=False, confidence=0.0, truth=True) == "confirmed"
    assert camera_status(majority=True, confidence=1.0, truth=False) == "rejected"


def test_corroboration_needs_two_panoramas_reaching_a_majority() -> None:
    from app.domain.status import corroborated

    assert corroborated([(1, 3), (1, 3)])
    assert not corroborated([(1, 3)])
    assert not corroborated([(1, 5), (1, 5)])
    assert corroborated([(2, 5), (1, 5)])


def test_a_duplicate_click_does_not_split_one_camera_in_two() -> None:
    # Look 1 clicked the camera twice; complete linkage alone pairs (1a, 2) and (1b, 3).
    # The spare click joins the camera without adding a vote (issue 9.3).
    tags = [tag(1, 1, 100.0), tag(2, 2, 100.3), tag(3, 1, 101.2), tag(4, 3, 101.5)]
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON)
    assert [(c.support, c.tag_ids) for c in cams] == [(3, (1, 2, 3, 4))]


def test_two_cameras_on_one_pole_stay_apart_when_decoders_separated_them() -> None:
    # Two cameras 2.5° apart, each tagged by all three looks, at 2.5° click noise.
    tags = [
        tag(1, 1, 100.0), tag(2, 2, 100.8), tag(3, 3, 99.5),
        tag(4, 1, 102.5), tag(5, 2, 103.3), tag(6, 3, 102.0),
    ]  # fmt: skip
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON, spread_deg=2.5)
    assert sorted(c.support for c in cams) == [3, 3]


def test_noisy_clicks_on_one_camera_make_one_camera_at_the_measured_spread() -> None:
    tags = [tag(1, 1, 100.0, pitch=10.0), tag(2, 2, 104.0, pitch=12.0), tag(3, 3, 101.0, pitch=7.0)]
    assert len(estimate_cameras(tags, voters=3, lat=LAT, lon=LON)) > 1
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON, spread_deg=2.0)
    assert [c.support for c in cams] == [3]


def test_rejoin_leaves_two_cameras_far_apart_alone() -> None:
    tags = [tag(1, 1, 100.0), tag(2, 2, 100.3), tag(3, 1, 110.0), tag(4, 3, 110.3)]
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON)
    assert sorted(c.tag_ids for c in cams) == [(1, 2), (3, 4)]


def test_majority_is_strict() -> None:
    from app.domain.status import is_majority

    assert is_majority(2, 3)
    assert not is_majority(1, 3)
    assert not is_majority(2, 4)


def test_a_triangulated_camera_takes_the_first_named_attachment_and_the_typed_majority() -> None:
    from app.domain.status import Part, merged_attachment, merged_type

    parts = [Part("other", "unknown", 3), Part("building", "bullet", 1), Part("x", "dome_ptz", 2)]
    assert merged_attachment(parts) == "building"
    assert merged_type(parts) == "dome_ptz"
    assert merged_attachment([Part("other", "unknown", 1)]) == "other"
    assert merged_type([Part("other", "unknown", 1)]) == "unknown"


def test_two_minority_clusters_of_one_camera_join_into_a_majority() -> None:
    # Looks 1 and 2 clicked one camera 5° apart (noisy decoders), beyond the 3° pair radius:
    # two single votes of three, which together are a strict majority.
    tags = [tag(1, 1, 100.0, pitch=8.0), tag(2, 2, 104.5, pitch=10.0)]
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON)
    assert [(c.support, c.majority) for c in cams] == [(2, True)]


def test_minority_clusters_too_far_apart_or_short_of_a_majority_stay_apart() -> None:
    far = [tag(1, 1, 100.0), tag(2, 2, 110.0)]
    assert len(estimate_cameras(far, voters=3, lat=LAT, lon=LON)) == 2
    short = [tag(1, 1, 100.0, pitch=8.0), tag(2, 2, 104.5, pitch=10.0)]
    assert len(estimate_cameras(short, voters=4, lat=LAT, lon=LON)) == 2


def test_a_majority_cluster_does_not_swallow_a_neighbouring_single_vote() -> None:
    tags = [tag(1, 1, 100.0), tag(2, 2, 100.5), tag(3, 3, 105.0)]
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON)
    assert sorted(c.support for c in cams) == [1, 2]


def test_measured_mounting_heights_move_pitch_prior_cameras() -> None:
    tags = [
        tag(1, 1, 100.0, pitch=8.0, attachment="building"),
        tag(2, 2, 100.2, pitch=8.0, attachment="building"),
    ]
    prior = one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON))
    higher = one(
        estimate_cameras(tags, voters=3, lat=LAT, lon=LON, heights={"building": (6.0, 1.5)})
    )
    assert prior.location_method == higher.location_method == "pitch_prior"
    assert higher.distance_m == pytest.approx(3.5 / math.tan(math.radians(8.0)), rel=0.01)
    assert higher.distance_m > 2 * prior.distance_m


def test_a_careful_decoders_click_weighs_more_in_the_direction() -> None:
    tags = [tag(1, 1, 100.0, pitch=8.0, decoder=11), tag(2, 2, 102.0, pitch=8.0, decoder=12)]
    plain = one(estimate_cameras(tags, voters=3, lat=LAT, lon=LON, spread_deg=1.5))
    weighted = one(
        estimate_cameras(tags, voters=3, lat=LAT, lon=LON, spread_deg=1.5, noise={11: 0.5, 12: 2.5})
    )
    assert abs(plain.heading - 101.0) < 0.01
    assert abs(weighted.heading - 100.0) < 0.1
    assert weighted.uncertainty_m < plain.uncertainty_m


def test_a_look_that_tagged_both_cameras_on_a_pole_keeps_them_apart() -> None:
    # Look 2 clicked two cameras on one pole 5° apart (a double click lands within
    # DOUBLE_CLICK_DEG); looks 1 and 3 each tagged one of them. Neither a rejoin nor an
    # absorb may fold look 2's second click into the other camera (it used to: one camera).
    tags = [
        tag(1, 1, 342.5, pitch=22.2, decoder=22), tag(2, 2, 344.6, pitch=19.5, decoder=24),
        tag(3, 2, 340.2, pitch=15.4, decoder=24), tag(4, 3, 339.5, pitch=15.2, decoder=159),
    ]  # fmt: skip
    tags = [dataclasses.replace(t, zoom=1.0) for t in tags]
    noise = {22: 1.93, 24: 0.99, 159: 1.2}
    cams = estimate_cameras(tags, voters=3, lat=LAT, lon=LON, spread_deg=1.4, noise=noise)
    assert sorted(c.tag_ids for c in cams) == [(1, 2), (3, 4)]
    assert all(c.majority for c in cams)
