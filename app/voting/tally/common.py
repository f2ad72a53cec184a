"""Constants, errors and the statistics the three methods share (spread, contested, ranks)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

DEFAULT_BUDGET = 5
DEFAULT_CAP = 3
MIN_SEGMENT_SIZE = 3
# "Opinions split" (worth discussing): at least this share of the voters, and at least
# SPLIT_MIN_CAMP of them, at each end of the scale (see the package notes).
SPLIT_CAMP_SHARE = Fraction(1, 3)
SPLIT_MIN_CAMP = 2
CONTESTED_MIN_VOTERS = 2 * SPLIT_MIN_CAMP
_EPSILON = 1e-9
_MAX_ID_DIGITS = 18  # keeps int() away from huge strings (and Python's 4,300-digit limit)


class BallotError(ValueError):
    """A ballot the server refuses, with a message the voter can act on and the field it concerns."""

    def __init__(self, message: str, field: str, item_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.item_id = item_id


class SetupError(ValueError):
    """Round settings that cannot be tallied (for example criteria weights that are all zero)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------- shared statistics


def _spread(values: Iterable[float]) -> float:
    """Population standard deviation (every voter of the round counts, not a sample of them)."""
    return _spread_of(Counter(values))


def _spread_of(counts: Mapping[float, int]) -> float:
    """The same from how many voters gave each value: a round has thousands of voters and a few values."""
    voters = sum(counts.values())
    if not voters:
        return 0.0
    mean = math.fsum(value * n for value, n in counts.items()) / voters
    return math.sqrt(math.fsum(n * (value - mean) ** 2 for value, n in counts.items()) / voters)


def is_contested(values: Iterable[float], low: float, high: float) -> bool:
    """Whether the room's opinions of a choice split into two camps, which makes it worth discussing.

    `values` holds one value per voter on the scale low..high. A camp is the voters in the outer
    quarter of the scale at one end (1-2 or 4-5 of scores 1-5); opinions split when each camp
    holds at least a third of the voters and at least two of them (so never under four voters).
    """
    return _contested(Counter(values), low, high)


def _contested(counts: Mapping[float, int], low: float, high: float) -> bool:
    """is_contested from how many voters gave each value."""
    voters = sum(counts.values())
    if voters < CONTESTED_MIN_VOTERS or high <= low:
        return False
    edge = (high - low) / 4
    need = max(SPLIT_MIN_CAMP, math.ceil(SPLIT_CAMP_SHARE * voters))
    bottom = sum(n for value, n in counts.items() if value <= low + edge + _EPSILON)
    top = sum(n for value, n in counts.items() if value >= high - edge - _EPSILON)
    return bottom >= need and top >= need


def _ranks(scores: Sequence[Any]) -> list[int]:
    """Competition ranks (1, 1, 3) for scores already sorted best first."""
    ranks: list[int] = []
    for index, score in enumerate(scores):
        ranks.append(ranks[-1] if index and score == scores[index - 1] else index + 1)
    return ranks


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- dot votes and Borda


@dataclass(frozen=True)
class ItemResult:
    """One item's result in a dot vote or a Borda count."""

    item_id: int
    rank: int
    points: float  # an int for dots; a float, a multiple of 1/2, for Borda
    voters: int  # dots: voters who gave it points; Borda: voters who ranked it
    mean: float  # points per voter of the round
    spread: float
    contested: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "rank": self.rank,
            "points": self.points if type(self.points) is int else round(self.points, 3),
            "voters": self.voters,
            "mean": round(self.mean, 3),
            "spread": round(self.spread, 3),
            "contested": self.contested,
        }


def _item_results(columns: Mapping[int, list], voters: Mapping[int, int], scale: float) -> list[ItemResult]:
    """Results from each item's points per ballot, best first, ties by item id."""
    rows = []
    for item, column in columns.items():
        counts = Counter(column)  # a few distinct values, however many voters
        exact = all(type(points) is int for points in counts)
        total = sum(column) if exact else math.fsum(points * n for points, n in counts.items())
        mean = total / len(column) if column else 0.0
        spread = _spread_of(counts)
        contested = _contested(counts, 0, scale)
        rows.append(ItemResult(item, 0, total, voters[item], mean, spread, contested))
    rows.sort(key=lambda row: (-row.points, row.item_id))
    return [replace(row, rank=rank) for row, rank in zip(rows, _ranks([r.points for r in rows]), strict=True)]


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_CAP",
    "MIN_SEGMENT_SIZE",
    "CONTESTED_MIN_VOTERS",
    "SPLIT_CAMP_SHARE",
    "SPLIT_MIN_CAMP",
    "BallotError",
    "SetupError",
    "is_contested",
    "ItemResult",
]
