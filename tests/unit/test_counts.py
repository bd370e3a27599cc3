"""Tests for app.domain.counts: per-task counts exactly as Amnesty published them."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.counts import (
    ATTACHMENT_CATEGORIES,
    CATEGORIES,
    SubmissionCounts,
    agreement,
    counts_from_tags,
    earliest,
    median,
    task_counts,
)

T0 = datetime(2021, 5, 1, 12, 0, tzinfo=UTC)
FAST = settings(max_examples=200, deadline=None)
small_counts = st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=7)


def submission(sid: int, minutes: float, **counts: int) -> SubmissionCounts:
    full = dict.fromkeys(CATEGORIES, 0) | counts
    return SubmissionCounts(sid, T0 + timedelta(minutes=minutes), full)


def test_counts_from_tags_counts_attachment_type_and_all() -> None:
    counts = counts_from_tags(
        [("street_furniture", "dome_ptz"), ("street_furniture", "unknown"), ("building", None)]
    )
    assert counts == {
        "all": 3,
        "street_furniture": 2,
        "building": 1,
        "other": 0,
        "dome_ptz": 1,
        "bullet": 0,
        "unknown_type": 1,
    }


def test_counts_from_tags_without_type_counts_no_type() -> None:
    counts = counts_from_tags([("building", None), ("other", None)])
    assert counts["dome_ptz"] + counts["bullet"] + counts["unknown_type"] == 0


def test_counts_from_tags_rejects_an_unknown_attachment() -> None:
    with pytest.raises(ValueError):
        counts_from_tags([("tree", None)])


def test_median_of_three_is_the_middle_value() -> None:
    assert median([2, 5, 3]) == 3.0


def test_median_of_an_even_count_averages_the_middle_two() -> None:
    assert median([1, 2, 4, 7]) == 3.0


def test_agreement_labels_for_three_decoders() -> None:
    assert agreement([2, 2, 2]) == "Unanimous"
    assert agreement([1, 1, 4]) == "2 vs 1"
    assert agreement([2, 3, 5]) == "All disagree"


def test_agreement_labels_for_other_vote_counts() -> None:
    assert agreement([1, 1, 1, 2, 3]) == "Majority"
    assert agreement([1, 1, 2, 2, 3]) == "Split"
    assert agreement([0, 4]) == "All disagree"
    assert agreement([7]) == "Unanimous"


def test_earliest_orders_by_start_then_id() -> None:
    subs = [submission(9, 0), submission(3, 5), submission(4, 0), submission(1, 10)]
    assert [s.submission_id for s in earliest(subs, 3)] == [4, 9, 3]


def test_task_counts_reproduces_the_published_method() -> None:
    subs = [
        submission(10, 0, all=1, street_furniture=1, building=0, dome_ptz=1),
        submission(11, 1, all=3, street_furniture=2, building=1, dome_ptz=2),
        submission(12, 2, all=2, street_furniture=2, building=0, bullet=1, dome_ptz=1),
        submission(13, 3, all=9, street_furniture=9),  # fourth: ignored
    ]
    result = task_counts(subs, 3)
    assert result is not None
    assert result.submission_ids == (10, 11, 12)
    assert result.medians["street_furniture"] == 2.0
    assert result.agreements["street_furniture"] == "2 vs 1"
    assert result.medians["building"] == 0.0
    assert result.medians["all"] == 2.0
    assert result.agreements["all"] == "All disagree"
    assert result.agreements["other"] == "Unanimous"
    assert result.total == 2.0 + 0.0 + 0.0


def test_total_sums_attachment_medians_not_the_median_of_all() -> None:
    subs = [
        submission(1, 0, all=1, street_furniture=1),
        submission(2, 1, all=1, building=1),
        submission(3, 2, all=1, other=1),
    ]
    result = task_counts(subs, 3)
    assert result is not None
    assert result.medians["all"] == 1.0
    assert result.total == 0.0


def test_task_counts_needs_n_submissions() -> None:
    assert task_counts([submission(1, 0), submission(2, 1)], 3) is None


def test_submission_counts_require_every_category() -> None:
    with pytest.raises(ValueError):
        SubmissionCounts(1, T0, {"all": 1})


@FAST
@given(small_counts)
def test_median_lies_between_min_and_max(values: list[int]) -> None:
    assert min(values) <= median(values) <= max(values)


@FAST
@given(small_counts, st.randoms(use_true_random=False))
def test_median_and_agreement_ignore_order(values: list[int], rnd: random.Random) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert median(shuffled) == median(values)
    assert agreement(shuffled) == agreement(values)


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 120)),
        min_size=3,
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_task_counts_ignore_input_order(
    rows: list[tuple[int, int, int, int]], rnd: random.Random
) -> None:
    subs = [
        submission(i, m, all=s + b + o, street_furniture=s, building=b, other=o)
        for i, (s, b, o, m) in enumerate(rows)
    ]
    shuffled = list(subs)
    rnd.shuffle(shuffled)
    assert task_counts(shuffled, 3) == task_counts(subs, 3)
    result = task_counts(subs, 3)
    assert result is not None
    assert result.total == sum(result.medians[c] for c in ATTACHMENT_CATEGORIES)
