"""Dot-vote totals, Borda counts, and the Schulze ranking with the Condorcet winner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import methodcaller
from typing import Any

from app.voting.tally.common import DEFAULT_CAP, ItemResult, _item_results


def tally_dots(
    ballots: Iterable[Mapping[int, int]], item_ids: Collection[int], *, cap: int = DEFAULT_CAP
) -> list[ItemResult]:
    """Points, supporters, mean, spread and contested flag per item of a dot vote, best first.

    Every ballot is one voter; points on items no longer in the round are ignored. `cap` sets the
    scale of the contested rule; ballots over a lowered cap still count as they stand.
    """
    ballots = list(ballots)
    columns = {item: list(map(methodcaller("get", item, 0), ballots)) for item in sorted(set(item_ids))}
    voters = {item: len(column) - column.count(0) for item, column in columns.items()}
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


__all__ = ["tally_dots", "tally_borda", "SchulzeResult", "pairwise_preferences", "schulze"]
