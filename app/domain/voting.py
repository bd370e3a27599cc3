"""Weighted majority votes over categorical answers (attachment, camera type)."""

from collections.abc import Sequence

# Totals closer than this are a tie: summed float weights carry rounding error,
# and a coin flip between two equally supported answers would be arbitrary.
_TIE_TOLERANCE = 1e-9


def weighted_majority(
    values: Sequence[str],
    weights: Sequence[float] | None = None,
    *,
    unknown: str = "unknown",
) -> str:
    """Return the value with the largest total weight, or `unknown` on a tie."""
    if weights is None:
        weights = [1.0] * len(values)
    if len(weights) != len(values):
        raise ValueError("weights and values differ in length")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    totals: dict[str, float] = {}
    for value, weight in zip(values, weights, strict=True):
        totals[value] = totals.get(value, 0.0) + weight
    if not totals:
        return unknown
    ranked = sorted(totals.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] - ranked[1] <= _TIE_TOLERANCE:
        return unknown
    return max(totals, key=lambda v: totals[v])
