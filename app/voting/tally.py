"""Ballot checks and tallies for voting rounds: dot votes, rankings (Borda, Schulze) and weighted scoring.

Plain Python: no Flask, no database. Services validate a ballot here before they store it and tally
the stored ballots here before they broadcast. Floats are never rounded in the math, only in to_dict().

Choices the results depend on (the tests pin each one):

- Unranked items. A ranking may list only some items (a top N, or items added after the voter
  ranked). The listed items are preferred to every unlisted one, and the unlisted ones are tied
  with each other. Borda gives them the mean of the points left over (m items, k ranked: each
  unranked item gets (m - k - 1) / 2), so every ballot hands out the same m(m-1)/2 points and
  truncating a ballot does not inflate its weight; Schulze counts them the same way (tied, below).
- Spread. Population standard deviation over every voter of the round, zeros included: in a dot
  vote, "no points" is a choice out of a small budget, and leaving it out would make an item with
  three fans and twenty indifferent voters look unanimous. For scoring it is the weighted mean of
  the per-criterion deviations, not the deviation of each voter's weighted score: two voters
  scoring (5, 1) and (1, 5) on two equal criteria agree on the weighted score but on nothing else.
- Contested. At least CONTESTED_MIN_VOTERS voters and a spread of at least `share` times half the
  scale (the largest spread a scale allows is half of it: half the room at each end). Dots and
  rankings use SPLIT_SHARE = 0.8: with a cap of 3, between a fifth and four fifths of the room give
  an item all 3 points and the rest none. Scores use SCORE_SHARE = 0.5: a spread of a full point
  on 1-5. Comparisons allow 1e-9 of float error, so a result on the boundary counts as contested.

This module runs past the ~300 lines STYLE.md suggests: the three methods share their helpers
and are read together; split it (validate.py, dots.py, ranking.py, scoring.py) if it grows further.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

DEFAULT_BUDGET = 5
DEFAULT_CAP = 3
MIN_SEGMENT_SIZE = 3
CONTESTED_MIN_VOTERS = 3
SPLIT_SHARE = 0.8
SCORE_SHARE = 0.5
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


# ---------------------------------------------------------------- ballot checks


def _item_id(key: object, field: str) -> int:
    """An item id from a JSON payload: an int, or a decimal string in canonical form ("12", not "012")."""
    if type(key) is int:
        return key
    if (
        type(key) is str
        and 0 < len(key) <= _MAX_ID_DIGITS
        and key.isascii()
        and key.isdigit()
        and (key == "0" or not key.startswith("0"))
    ):
        return int(key)
    raise BallotError("Items must be given by their number.", field)


def _whole_number(value: object, field: str, item_id: int) -> int:
    """The value itself if it is a true int: bools, floats (NaN, Infinity too), None and text are refused."""
    if type(value) is not int:
        raise BallotError("Points and scores must be whole numbers.", field, item_id)
    return value


def validate_dots(
    allocation: object,
    *,
    item_ids: AbstractSet[int],
    budget: int,
    cap: int,
    own_item_ids: AbstractSet[int] = frozenset(),
    allow_own: bool = True,
) -> dict[int, int]:
    """Check a whole dot-vote ballot (item -> points) against the round's budget and cap; drop zeros."""
    if not isinstance(allocation, Mapping):
        raise BallotError("Your ballot could not be read: send each item with its points.", "allocation")
    checked: dict[int, int] = {}
    for key, value in allocation.items():
        item = _item_id(key, "allocation")
        if item in checked:
            raise BallotError("An item appears twice in your ballot.", "allocation", item)
        if item not in item_ids:
            raise BallotError("This item is not part of the round.", "allocation", item)
        points = _whole_number(value, "allocation", item)
        if points < 0:
            raise BallotError("Points cannot be negative.", "allocation", item)
        if points > cap:
            raise BallotError(f"At most {cap} points per item.", "allocation", item)
        if points and not allow_own and item in own_item_ids:
            raise BallotError("In this round you cannot give points to your own items.", "allocation", item)
        checked[item] = points
    total = sum(checked.values())
    if total > budget:
        raise BallotError(f"You have {budget} points in all; this ballot uses {total}.", "allocation")
    return {item: points for item, points in checked.items() if points}


def over_limit(allocation: Mapping[int, int], budget: int, cap: int) -> bool:
    """Whether a stored ballot breaks limits lowered mid-round: it is kept, and its owner asked to trim it."""
    return any(points > cap for points in allocation.values()) or sum(allocation.values()) > budget


def validate_ranking(order: object, *, item_ids: AbstractSet[int], top_n: int | None = None) -> list[int]:
    """Check a ranking: an ordered list of distinct items of the round, at least one, at most top_n."""
    if not isinstance(order, list | tuple):
        raise BallotError("Send your ranking as an ordered list of items.", "order")
    if not order:
        raise BallotError("Rank at least one item.", "order")
    if top_n is not None and len(order) > top_n:
        raise BallotError(f"Rank at most {top_n} items.", "order")
    ranked: list[int] = []
    for key in order:
        item = _item_id(key, "order")
        if item not in item_ids:
            raise BallotError("This item is not part of the round.", "order", item)
        if item in ranked:
            raise BallotError("An item appears twice in your ranking.", "order", item)
        ranked.append(item)
    return ranked


def validate_scores(
    scores: object,
    *,
    item_ids: AbstractSet[int],
    criteria: Sequence[Hashable],
    low: int = 1,
    high: int = 5,
) -> dict[int, dict[Hashable, int]]:
    """Check a scoring ballot: each item it scores has every criterion scored with a whole number in range.

    Items may be left out (nobody has to score every country). Criterion keys arriving as JSON
    strings are matched to the round's criteria by their text, so criterion 7 accepts "7".
    """
    if not isinstance(scores, Mapping):
        raise BallotError("Your scores could not be read: send each item with its scores.", "scores")
    by_text = {str(criterion): criterion for criterion in criteria}
    if len(by_text) != len(criteria):
        raise ValueError("criteria must be distinct, also as text")
    checked: dict[int, dict[Hashable, int]] = {}
    for key, row in scores.items():
        item = _item_id(key, "scores")
        if item in checked:
            raise BallotError("An item appears twice in your scores.", "scores", item)
        if item not in item_ids:
            raise BallotError("This item is not part of the round.", "scores", item)
        checked[item] = _score_row(row, item, by_text, low, high)
    return checked


def _score_row(
    row: object, item: int, by_text: dict[str, Hashable], low: int, high: int
) -> dict[Hashable, int]:
    """One item's scores: every criterion exactly once, each a whole number from low to high."""
    if not isinstance(row, Mapping):
        raise BallotError("Give a score for each criterion.", "scores", item)
    checked: dict[Hashable, int] = {}
    for key, value in row.items():
        if type(key) not in (str, int) or str(key) not in by_text:
            raise BallotError("This criterion is not part of the round.", "scores", item)
        if by_text[str(key)] in checked:
            raise BallotError("A criterion appears twice for this item.", "scores", item)
        score = _whole_number(value, "scores", item)
        if not low <= score <= high:
            raise BallotError(f"Scores go from {low} to {high}.", "scores", item)
        checked[by_text[str(key)]] = score
    if len(checked) != len(by_text):
        raise BallotError("Score every criterion for this item, or none.", "scores", item)
    return checked


# ---------------------------------------------------------------- shared statistics


def _spread(values: Sequence[float]) -> float:
    """Population standard deviation (every voter of the round counts, not a sample of them)."""
    if not values:
        return 0.0
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / len(values))


def is_contested(spread: float, voters: int, scale: float, share: float) -> bool:
    """Whether enough voters disagree enough for an item to be worth discussing (see the module notes)."""
    return voters >= CONTESTED_MIN_VOTERS and scale > 0 and spread >= share * scale / 2 - _EPSILON


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
        total = sum(column) if all(type(p) is int for p in column) else math.fsum(column)
        mean = total / len(column) if column else 0.0
        spread = _spread(column)
        contested = is_contested(spread, len(column), scale, SPLIT_SHARE)
        rows.append(ItemResult(item, 0, total, voters[item], mean, spread, contested))
    rows.sort(key=lambda row: (-row.points, row.item_id))
    return [replace(row, rank=rank) for row, rank in zip(rows, _ranks([r.points for r in rows]), strict=True)]


def tally_dots(
    ballots: Iterable[Mapping[int, int]], item_ids: Collection[int], *, cap: int = DEFAULT_CAP
) -> list[ItemResult]:
    """Points, supporters, mean, spread and contested flag per item of a dot vote, best first.

    Every ballot is one voter; points on items no longer in the round are ignored. `cap` sets the
    scale of the contested rule; ballots over a lowered cap still count as they stand.
    """
    ballots = list(ballots)
    columns = {item: [ballot.get(item, 0) for ballot in ballots] for item in sorted(set(item_ids))}
    voters = {item: sum(1 for points in column if points > 0) for item, column in columns.items()}
    return _item_results(columns, voters, cap)


def _clean_order(order: Iterable[int], known: AbstractSet[int], top_n: int | None) -> list[int]:
    """A stored ranking reduced to the round's current items, without repeats, cut at top_n."""
    cleaned = [item for item in dict.fromkeys(order) if item in known]
    return cleaned if top_n is None else cleaned[:top_n]


def tally_borda(
    rankings: Iterable[Sequence[int]], item_ids: Collection[int], top_n: int | None = None
) -> list[ItemResult]:
    """Borda points per item, best first: with m items, place p (from 0) earns m - 1 - p.

    Unranked items share the points left over (see the module notes), so points can end in .5.
    """
    items = sorted(set(item_ids))
    m, known = len(items), set(items)
    orders = [_clean_order(order, known, top_n) for order in rankings]
    columns: dict[int, list[float]] = {item: [] for item in items}
    voters = dict.fromkeys(items, 0)
    for order in orders:
        points = {item: float(m - 1 - place) for place, item in enumerate(order)}
        leftover = (m - len(order) - 1) / 2
        for item in items:
            columns[item].append(points.get(item, leftover))
            voters[item] += item in points
    return _item_results(columns, voters, m - 1)


# ---------------------------------------------------------------- Schulze and Condorcet


@dataclass(frozen=True)
class SchulzeResult:
    """Pairwise preferences, strongest paths, the Schulze ranking (ties allowed) and any Condorcet winner."""

    items: list[int]
    voters: int
    pairwise: dict[int, dict[int, int]]  # pairwise[x][y]: voters who put x above y
    strongest_paths: dict[int, dict[int, int]]
    ranking: list[list[int]]  # tiers, best first; items in one tier are tied
    schulze_winners: list[int]  # the first tier: nobody beats them by strongest path
    condorcet_winner: int | None  # beats every other item head to head; often there is none

    def to_dict(self) -> dict[str, Any]:
        def matrix(table: dict[int, dict[int, int]]) -> list[list[int]]:
            return [[table[x][y] for y in self.items] for x in self.items]

        return {
            "items": list(self.items),
            "voters": self.voters,
            "pairwise": matrix(self.pairwise),
            "strongest_paths": matrix(self.strongest_paths),
            "ranking": [list(tier) for tier in self.ranking],
            "schulze_winners": list(self.schulze_winners),
            "condorcet_winner": self.condorcet_winner,
        }


def pairwise_preferences(orders: Iterable[Sequence[int]], items: Sequence[int]) -> dict[int, dict[int, int]]:
    """How many voters put x above y, for every pair; ranked items beat unranked ones, unranked tie."""
    table = {x: dict.fromkeys(items, 0) for x in items}
    for order, weight in Counter(tuple(order) for order in orders).items():  # identical ballots once
        unranked = [y for y in items if y not in set(order)]
        for place, x in enumerate(order):
            row = table[x]
            for y in order[place + 1 :]:
                row[y] += weight
            for y in unranked:
                row[y] += weight
    return table


def _strongest_paths(pairwise: dict[int, dict[int, int]], items: Sequence[int]) -> dict[int, dict[int, int]]:
    """Widest-path strengths (winning votes), by Floyd-Warshall as in Schulze's paper."""
    paths = {x: {y: pairwise[x][y] if pairwise[x][y] > pairwise[y][x] else 0 for y in items} for x in items}
    for k in items:
        for i in items:
            through_k = paths[i][k]
            if i == k or not through_k:
                continue
            for j in items:
                if j != i and j != k:
                    paths[i][j] = max(paths[i][j], min(through_k, paths[k][j]))
    return paths


def _tiers(paths: dict[int, dict[int, int]], items: Sequence[int]) -> list[list[int]]:
    """The Schulze order as tiers: repeatedly take the items no remaining item beats."""
    remaining, tiers = list(items), []
    while remaining:
        tier = [x for x in remaining if not any(paths[y][x] > paths[x][y] for y in remaining)]
        tier = tier or remaining  # unreachable: the Schulze relation is transitive (Schulze 2011)
        tiers.append(tier)
        remaining = [x for x in remaining if x not in tier]
    return tiers


def schulze(
    rankings: Iterable[Sequence[int]], item_ids: Collection[int], top_n: int | None = None
) -> SchulzeResult:
    """The Schulze ranking of a ranking round, and the Condorcet winner when there is one."""
    items = sorted(set(item_ids))
    known = set(items)
    orders = [_clean_order(order, known, top_n) for order in rankings]
    pairwise = pairwise_preferences(orders, items)
    paths = _strongest_paths(pairwise, items)
    tiers = _tiers(paths, items)
    beats_all = [x for x in items if all(pairwise[x][y] > pairwise[y][x] for y in items if y != x)]
    condorcet = beats_all[0] if orders and beats_all else None
    return SchulzeResult(items, len(orders), pairwise, paths, tiers, tiers[0] if tiers else [], condorcet)


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
    contested = spread is not None and is_contested(spread, len(rows), high - low, SCORE_SHARE)
    means = {key: float(exact[key]) if key in exact else None for key in weights}
    result = ScoreResult(
        item, None, len(rows), means, spreads, _float(weighted), spread, contested, low, high
    )
    return result, weighted


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


# ---------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentResults:
    """Results per segment (cluster, sector) large enough to show; only a count of the hidden ones."""

    results: dict[Hashable, Any]
    voters: dict[Hashable, int]
    hidden: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [
                {"segment": key, "voters": self.voters[key], "results": _jsonable(result)}
                for key, result in self.results.items()
            ],
            "hidden_segments": self.hidden,
        }


def _jsonable(result: Any) -> Any:
    if isinstance(result, list | tuple):
        return [_jsonable(part) for part in result]
    return result.to_dict() if hasattr(result, "to_dict") else result


def by_segment(
    ballots_with_segment: Iterable[tuple[Hashable, Any]],
    tally_fn: Callable[[list[Any]], Any],
    min_size: int = MIN_SEGMENT_SIZE,
) -> SegmentResults:
    """Tally each segment of at least min_size voters; say only how many segments were hidden.

    Ballots whose segment is None count in no segment. Hiding a small segment is not enough when the
    overall result is shown too: overall minus the shown segments would give the hidden voters' ballots
    back. So while the voters left out of every shown segment number 1 to min_size - 1, the smallest
    shown segment is hidden as well.
    """
    groups: dict[Hashable, list[Any]] = {}
    left_out = 0
    for segment, ballot in ballots_with_segment:
        if segment is None:
            left_out += 1
        else:
            groups.setdefault(segment, []).append(ballot)
    shown = {key: group for key, group in groups.items() if len(group) >= min_size}
    left_out += sum(len(group) for key, group in groups.items() if key not in shown)
    while shown and 0 < left_out < min_size:
        smallest = min(shown, key=lambda key: (len(shown[key]), str(key)))
        left_out += len(shown.pop(smallest))
    order = sorted(shown, key=str)
    return SegmentResults(
        {key: tally_fn(shown[key]) for key in order},
        {key: len(shown[key]) for key in order},
        len(groups) - len(shown),
    )
