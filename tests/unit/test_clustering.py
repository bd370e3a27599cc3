"""Tests for app.domain.clustering: constrained clustering of one panorama's tags."""

import math
import random
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.clustering import TagPoint, cluster_tags, threshold_for
from app.domain.sphere import angular_distance, normalize_heading

FAST = settings(max_examples=150, deadline=None)


@st.composite
def tag_sets(draw: st.DrawFn) -> list[TagPoint]:
    """Tags from up to 5 decoders, bunched around a few cameras so merges happen."""
    centres = draw(
        st.lists(st.tuples(st.floats(0, 359.999), st.floats(-40, 60)), min_size=1, max_size=4)
    )
    n = draw(st.integers(min_value=1, max_value=14))
    tags = []
    for tag_id in range(n):
        h, p = draw(st.sampled_from(centres))
        tags.append(
            TagPoint(
                tag_id=tag_id,
                decoder_id=draw(st.integers(0, 4)),
                heading=normalize_heading(h + draw(st.floats(-6, 6))),
                pitch=p + draw(st.floats(-6, 6)),
                zoom=draw(st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0])),
            )
        )
    return tags


def partition(clusters: list[list[TagPoint]]) -> set[frozenset[int]]:
    return {frozenset(t.tag_id for t in c) for c in clusters}


def test_threshold_is_three_degrees_when_zoomed_in() -> None:
    assert threshold_for(2.0) == 3.0
    assert threshold_for(4.0) == 3.0


def test_threshold_widens_when_zoomed_out_up_to_a_cap() -> None:
    assert threshold_for(1.0) == 6.0
    assert threshold_for(0.0) == 8.0
    assert threshold_for(1.5) > threshold_for(2.0)


def test_three_decoders_on_one_camera_form_one_cluster() -> None:
    tags = [TagPoint(1, 10, 120.0, 8.0), TagPoint(2, 11, 120.6, 8.3), TagPoint(3, 12, 119.7, 7.8)]
    assert partition(cluster_tags(tags)) == {frozenset({1, 2, 3})}


def test_clusters_wrap_around_north() -> None:
    tags = [TagPoint(1, 10, 359.5, 5.0, 2.0), TagPoint(2, 11, 0.5, 5.0, 2.0)]
    assert partition(cluster_tags(tags)) == {frozenset({1, 2})}


def test_two_tags_of_one_decoder_stay_apart() -> None:
    tags = [TagPoint(1, 10, 90.0, 5.0), TagPoint(2, 10, 90.5, 5.0), TagPoint(3, 11, 90.2, 5.0)]
    clusters = cluster_tags(tags)
    assert len(clusters) == 2
    assert {t.tag_id for t in clusters[0]} == {1, 3}


def test_zoomed_out_tags_merge_farther_than_zoomed_in_tags() -> None:
    far_out = [TagPoint(1, 10, 90.0, 5.0, 0.0), TagPoint(2, 11, 95.0, 5.0, 0.0)]
    zoomed = [TagPoint(1, 10, 90.0, 5.0, 3.0), TagPoint(2, 11, 95.0, 5.0, 3.0)]
    assert len(cluster_tags(far_out)) == 1
    assert len(cluster_tags(zoomed)) == 2


def test_complete_linkage_does_not_chain_a_row_of_cameras() -> None:
    row = [TagPoint(i, i, 90.0 + 2.5 * i, 5.0, 2.0) for i in range(5)]
    assert all(len(c) <= 2 for c in cluster_tags(row))


def test_output_is_sorted_by_tag_id() -> None:
    tags = [TagPoint(5, 1, 10.0, 0.0), TagPoint(2, 2, 200.0, 0.0), TagPoint(7, 3, 10.2, 0.0)]
    assert [[t.tag_id for t in c] for c in cluster_tags(tags)] == [[2], [5, 7]]


def test_no_tags_give_no_clusters() -> None:
    assert cluster_tags([]) == []


@FAST
@given(tag_sets())
def test_every_tag_is_in_exactly_one_cluster(tags: list[TagPoint]) -> None:
    ids = [t.tag_id for c in cluster_tags(tags) for t in c]
    assert sorted(ids) == sorted(t.tag_id for t in tags)


@FAST
@given(tag_sets())
def test_no_cluster_holds_two_tags_of_one_decoder(tags: list[TagPoint]) -> None:
    for cluster in cluster_tags(tags):
        decoders = [t.decoder_id for t in cluster]
        assert len(decoders) == len(set(decoders))


@FAST
@given(tag_sets())
def test_tags_beyond_their_thresholds_never_share_a_cluster(tags: list[TagPoint]) -> None:
    for cluster in cluster_tags(tags):
        for a, b in combinations(cluster, 2):
            limit = max(threshold_for(a.zoom), threshold_for(b.zoom))
            assert angular_distance(a.heading, a.pitch, b.heading, b.pitch) <= limit + 1e-9


@FAST
@given(tag_sets(), st.floats(0, 360))
def test_rotating_every_heading_keeps_the_partition(tags: list[TagPoint], turn: float) -> None:
    turned = [
        TagPoint(t.tag_id, t.decoder_id, normalize_heading(t.heading + turn), t.pitch, t.zoom)
        for t in tags
    ]
    assert partition(cluster_tags(turned)) == partition(cluster_tags(tags))


@FAST
@given(tag_sets(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(tags: list[TagPoint], rnd: random.Random) -> None:
    shuffled = list(tags)
    rnd.shuffle(shuffled)
    assert cluster_tags(shuffled) == cluster_tags(tags)


@FAST
@given(
    st.floats(0, 359.999),
    st.floats(-60, 60),
    st.lists(st.tuples(st.floats(-0.35, 0.35), st.floats(-0.35, 0.35)), min_size=3, max_size=3),
    st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0]), min_size=3, max_size=3),
)
def test_three_decoders_within_a_degree_always_form_one_cluster(
    heading: float, pitch: float, offsets: list[tuple[float, float]], zooms: list[float]
) -> None:
    tags = [
        TagPoint(i, 100 + i, normalize_heading(heading + dh), pitch + dp, z)
        for i, ((dh, dp), z) in enumerate(zip(offsets, zooms, strict=True))
    ]
    assert len(cluster_tags(tags)) == 1


def offset(heading: float, pitch: float, course: float, gap: float) -> tuple[float, float]:
    """Walk `gap` degrees along a great circle from (heading, pitch) toward `course`."""
    p1, c, d = math.radians(pitch), math.radians(course), math.radians(gap)
    sin_p2 = math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(c)
    p2 = math.asin(max(-1.0, min(1.0, sin_p2)))
    dh = math.atan2(math.sin(c) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * sin_p2)
    return (normalize_heading(heading + math.degrees(dh)), math.degrees(p2))


@FAST
@given(st.floats(0, 359.999), st.floats(-60, 60), st.floats(8.01, 170.0), st.floats(0, 360))
def test_tags_more_than_eight_degrees_apart_never_merge(
    heading: float, pitch: float, gap: float, course: float
) -> None:
    h2, p2 = offset(heading, pitch, course, gap)
    tags = [TagPoint(1, 1, heading, pitch, 0.0), TagPoint(2, 2, h2, p2, 0.0)]
    assert len(cluster_tags(tags)) == 2


def test_click_spread_recovers_the_click_noise() -> None:
    import random

    from app.domain.clustering import click_spread

    rng = random.Random(3)
    panoramas = []
    for p in range(200):
        centre = rng.uniform(0, 360)
        panoramas.append(
            [
                TagPoint(3 * p + k, k, centre + rng.gauss(0, 2.0), 10 + rng.gauss(0, 2.0), 2.0)
                for k in range(3)
            ]
        )
    spread = click_spread(panoramas)
    assert spread is not None
    assert 1.4 < spread < 2.6


def test_the_measured_spread_widens_the_radius_but_never_past_the_cap() -> None:
    from app.domain.clustering import MAX_SPREAD_RADIUS_DEG

    assert threshold_for(2.0, 0.0) == threshold_for(2.0)
    assert threshold_for(2.0, 2.0) > threshold_for(2.0)
    assert threshold_for(2.0, 50.0) == MAX_SPREAD_RADIUS_DEG


def test_join_splits_never_puts_one_look_twice_in_a_camera() -> None:
    from app.domain.clustering import join_splits

    clusters = [
        [TagPoint(1, 1, 100.0, 8.0, 2.0)],
        [TagPoint(2, 1, 103.0, 8.0, 2.0), TagPoint(3, 2, 103.5, 8.0, 2.0)],
    ]
    assert join_splits(clusters, voters=5) == clusters


def test_decoder_spreads_tell_a_careful_decoder_from_a_noisy_one() -> None:
    from app.domain.clustering import decoder_spreads

    rng = random.Random(3)
    noise = {1: 0.5, 2: 2.5, 3: 1.2}
    panoramas, owners, look = [], {}, 0
    for _ in range(300):
        h, p = rng.uniform(0, 360), rng.uniform(0, 20)
        tags = []
        for user, s in noise.items():
            look += 1
            owners[look] = user
            tags.append(TagPoint(look, look, (h + rng.gauss(0, s)) % 360, p + rng.gauss(0, s)))
        panoramas.append(tags)
    spreads = decoder_spreads(panoramas, owners=owners, campaign_deg=1.0)
    # Ordered, and far apart (a nearest-of-two gap shrinks the noisy ones somewhat).
    assert spreads[1] < 0.6 < spreads[3] < 1.2 < 1.5 < spreads[2]
