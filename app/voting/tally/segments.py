"""Results per cluster or sector, only for groups large enough that nobody is singled out."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from app.voting.tally.common import MIN_SEGMENT_SIZE

# ---------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentResults:
    """Results per segment (cluster, sector) large enough to show; only counts of the hidden ones:
    `hidden` in all, of which `protecting` had enough voters but were hidden to protect smaller ones."""

    results: dict[Hashable, Any]
    voters: dict[Hashable, int]
    hidden: int
    protecting: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [
                {"segment": key, "voters": self.voters[key], "results": _jsonable(result)}
                for key, result in self.results.items()
            ],
            "hidden_segments": self.hidden,
            # Why: too small, or large enough but hidden with the small ones (see by_segment).
            "hidden_small": self.hidden - self.protecting,
            "hidden_protecting": self.protecting,
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
    protecting = 0
    while shown and 0 < left_out < min_size:
        smallest = min(shown, key=lambda key: (len(shown[key]), str(key)))
        left_out += len(shown.pop(smallest))
        protecting += 1
    order = sorted(shown, key=str)
    return SegmentResults(
        {key: tally_fn(shown[key]) for key in order},
        {key: len(shown[key]) for key in order},
        len(groups) - len(shown),
        protecting,
    )


__all__ = ["SegmentResults", "by_segment"]
