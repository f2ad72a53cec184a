"""Ballot checks: a whole ballot is refused with a message the voter can act on, or returned clean."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from app.voting.tally.common import _MAX_ID_DIGITS, BallotError

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


__all__ = ["validate_dots", "over_limit", "validate_ranking", "validate_scores"]
