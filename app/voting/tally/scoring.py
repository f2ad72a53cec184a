"""Weighted scoring of target markets, and the 2x2 of one criterion against the others."""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from app.voting.tally.common import SetupError, _ranks, _rounded, _spread, is_contested

# ---------------------------------------------------------------- weighted scoring


@dataclass(frozen=True)
class ScoreResult:
    """One target market's scores: per-criterion means and spreads, weighted score, spread, contested."""

    item_id: int
    rank: int | None  # None while nobody has scored it
    voters: int  # voters who scored this item
    means: dict[Hashable, float | None]
    spreads: dict[Hashable, float | None]
    weighted_score: float | None
    spread: float | None
    contested: bool
    low: int = 1
    high: int = 5

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "rank": self.rank,
            "voters": self.voters,
            "criteria": [
                {"criterion": key, "mean": _rounded(mean), "spread": _rounded(self.spreads[key])}
                for key, mean in self.means.items()
            ],
            "weighted_score": _rounded(self.weighted_score),
            "spread": _rounded(self.spread),
            "contested": self.contested,
        }


def normalise_weights(criteria: Mapping[Hashable, float]) -> dict[Hashable, Fraction]:
    """The facilitator's weights as exact shares summing to 1; zero is allowed, all zeros is not."""
    if not criteria:
        raise SetupError("Add at least one criterion.", "criteria")
    for weight in criteria.values():
        if type(weight) not in (int, float) or not math.isfinite(weight) or weight < 0:
            raise SetupError("Weights must be numbers of 0 or more.", "weights")
    total = sum(Fraction(weight) for weight in criteria.values())
    if total == 0:
        raise SetupError("At least one criterion needs a weight above 0.", "weights")
    return {key: Fraction(weight) / total for key, weight in criteria.items()}


def _score_item(
    item: int, rows: list[Mapping[Hashable, int]], weights: dict[Hashable, Fraction], low: int, high: int
) -> tuple[ScoreResult, Fraction | None]:
    """One item's result from the score rows of the voters who scored it, and its exact weighted score."""
    columns = {key: [row[key] for row in rows if key in row] for key in weights}
    exact = {key: Fraction(sum(column), len(column)) for key, column in columns.items() if column}
    spreads = {key: _spread(column) if column else None for key, column in columns.items()}
    weighted = spread = None
    if all(key in exact for key, weight in weights.items() if weight):
        weighted = sum((weight * exact[key] for key, weight in weights.items() if weight), Fraction(0))
        spread = math.fsum(float(weight) * spreads[key] for key, weight in weights.items() if weight)
    contested = spread is not None and is_contested(_views(rows, weights), low, high)
    means = {key: float(exact[key]) if key in exact else None for key in weights}
    result = ScoreResult(
        item, None, len(rows), means, spreads, _float(weighted), spread, contested, low, high
    )
    return result, weighted


def _views(rows: list[Mapping[Hashable, int]], weights: dict[Hashable, Fraction]) -> list[float]:
    """Each voter's overall view of a market: their own scores, weighted as the round weighs them.

    A voter who has not scored every weighted criterion (one added mid-round) is weighed on those
    they scored; one who scored none of them has no view yet.
    """
    views = []
    for row in rows:
        scored = {key: weight for key, weight in weights.items() if weight and key in row}
        if scored:
            points = sum((weight * row[key] for key, weight in scored.items()), Fraction(0))
            views.append(float(points / sum(scored.values(), Fraction(0))))
    return views


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def tally_scores(
    ballots: Iterable[Mapping[int, Mapping[Hashable, int]]],
    item_ids: Collection[int],
    criteria: Mapping[Hashable, float],
    *,
    low: int = 1,
    high: int = 5,
) -> list[ScoreResult]:
    """Weighted score, per-criterion means and spreads per target market, best first, unscored last.

    Means are over the voters who scored the item. The weighted score is the weighted mean of the
    criterion means, computed and ranked exactly (ties share a rank); an item missing scores on a
    weighted criterion (one added mid-round) has none yet. Scores on removed criteria are ignored.
    """
    weights = normalise_weights(criteria)
    ballots = list(ballots)
    scored = [
        _score_item(item, [b[item] for b in ballots if item in b], weights, low, high)
        for item in sorted(set(item_ids))
    ]
    ranked = sorted(
        (pair for pair in scored if pair[1] is not None), key=lambda pair: (-pair[1], pair[0].item_id)
    )
    ranks = _ranks([exact for _, exact in ranked])
    unscored = [result for result, exact in scored if exact is None]
    return [replace(result, rank=rank) for (result, _), rank in zip(ranked, ranks, strict=True)] + unscored


@dataclass(frozen=True)
class Quadrant:
    """Where a target market sits on the 2x2 chart: x, y and which quarter, relative to the scale's middle."""

    x: float
    y: float
    label: str  # "high_high", "high_low", "low_high" or "low_low": x first, then y

    def to_dict(self) -> dict[str, Any]:
        return {"x": round(self.x, 3), "y": round(self.y, 3), "label": self.label}


def quadrant(
    result: ScoreResult, x_criterion: Hashable, y_criteria: Sequence[Hashable] | None = None
) -> Quadrant | None:
    """Place an item on the 2x2 chart: x = mean of one criterion, y = mean of the others' means.

    A value exactly on the middle of the scale (3 on 1-5) counts as high. None until the item has
    scores on every criterion the chart uses.
    """
    others = [key for key in result.means if key != x_criterion] if y_criteria is None else list(y_criteria)
    x = result.means.get(x_criterion)
    y_means = [result.means.get(key) for key in others]
    if x is None or not y_means or any(mean is None for mean in y_means):
        return None
    y = math.fsum(y_means) / len(y_means)
    middle = (result.low + result.high) / 2
    label = f"{'high' if x >= middle else 'low'}_{'high' if y >= middle else 'low'}"
    return Quadrant(x, y, label)


__all__ = ["ScoreResult", "normalise_weights", "tally_scores", "Quadrant", "quadrant"]
