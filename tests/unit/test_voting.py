"""Tests for app.domain.voting: weighted majority of categorical answers."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.voting import weighted_majority

values = st.lists(st.sampled_from(["building", "street_furniture", "other"]), max_size=9)


def test_plain_majority_wins() -> None:
    assert weighted_majority(["bullet", "dome_ptz", "bullet"]) == "bullet"


def test_weights_can_overrule_the_headcount() -> None:
    votes = ["bullet", "dome_ptz", "dome_ptz"]
    assert weighted_majority(votes, [0.9, 0.3, 0.3]) == "bullet"


def test_exact_tie_returns_unknown() -> None:
    assert weighted_majority(["bullet", "dome_ptz"]) == "unknown"


def test_tie_within_rounding_returns_the_given_unknown() -> None:
    assert weighted_majority(["a", "b", "b"], [0.3, 0.1, 0.2], unknown="other") == "other"


def test_no_votes_returns_unknown() -> None:
    assert weighted_majority([]) == "unknown"


@settings(max_examples=200, deadline=None)
@given(values)
def test_winner_is_order_independent(vs: list[str]) -> None:
    assert weighted_majority(vs) == weighted_majority(list(reversed(vs)))
