"""A round's results, computed from its ballots, and kept for the rounds used last.

Results are computed from the ballots, never from who cast them: nothing here puts a voter next
to a ballot, for any audience (UNLINK, docs/anonymity.md). Who may see them is
app/voting/visibility.py's to say.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Ballot, Cluster, Participant, Round
from app.models.voting import Method
from app.voting import tally

_B = Ballot.__table__.c
_BALLOTS = sa.select(
    _B.voter, _B.version, sa.type_coerce(_B.data, sa.Text), _B.segment_cluster_id, _B.segment_sector
).where(_B.round_id == sa.bindparam("round_id"))  # rows, not models: a tally reads thousands


class Recent:
    """The `size` entries used last; the others are forgotten (a process serves rounds for months)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._entries: OrderedDict = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The entry of `key`, made when missing; it becomes the one used last."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = self._entries[key] = make()
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)


@dataclass
class _Kept:
    """What is kept of one round: its ballots as parsed, and its tally with the stamp it is true for."""

    parsed: dict[str, tuple[int, object]] = field(default_factory=dict)  # voter -> (version, data)
    stamp: tuple | None = None
    tally: dict | None = None


def recent(name: str) -> Recent:
    """This app's cache `name`, holding the RESULTS_CACHE_ROUNDS rounds used last."""
    return current_app.extensions.setdefault(name, Recent(current_app.config["RESULTS_CACHE_ROUNDS"]))


def forget(round_ids: list[int]) -> None:
    """Drop what this process keeps of rounds that were deleted with their workshop."""
    for cache in current_app.extensions.values():
        if isinstance(cache, Recent):
            for round_id in round_ids:
                cache.forget(round_id)


def _kept(round_id: int) -> _Kept:
    return recent("round_results").get(round_id, _Kept)


def current(round_: Round) -> dict:
    """The round's whole tally as it stands: its results, who may vote (`eligible`) and `seq`.

    Kept per round until a ballot, the round or the room changes: a reconnect storm of a
    thousand phones asks for the same tallies a thousand times.
    """
    stamp = _stamp(round_)
    kept = _kept(round_.id)
    if kept.stamp != stamp:
        # seq: the sum of the ballots' versions, which only grows; a screen keeps the tally with
        # the highest seq, so a late tally from another process cannot replace a newer one.
        kept.tally = results(round_) | {"eligible": stamp[-1], "seq": stamp[1]}
        kept.stamp = stamp
    return kept.tally


def results(round_: Round) -> dict:
    """The round's results as the cockpit shows them: per choice, best first, the count of
    voters, and the same per cluster and per sector for segments of at least 3 voters."""
    rows = db.session.connection().execute(_BALLOTS, {"round_id": round_.id}).all()
    ballots = _parsed(round_, rows)
    count = _tally_for(round_)
    out: dict = {"round_id": round_.id, "voted": len(ballots), "method": round_.method}
    out["results"] = [r.to_dict() for r in count(ballots)]
    if round_.method == Method.RANKING:
        ids = [o.id for o in round_.shown_options]
        out["schulze"] = tally.schulze(ballots, ids, round_.top_n).to_dict()
    names = dict(db.session.execute(sa.select(Cluster.id, Cluster.name)).all())
    out["by_cluster"] = _segments([names.get(row.segment_cluster_id) for row in rows], ballots, count)
    out["by_sector"] = _segments([row.segment_sector for row in rows], ballots, count)
    return out


def _parsed(round_: Round, rows: list[sa.Row]) -> list:
    """Each stored ballot as the tallies take it (ids as ints), parsed once per version.

    A room re-tallies several times a second while it votes; a voter's ballot at a given
    version never changes, so only the ballots changed since the last tally are parsed.
    """
    cache = _kept(round_.id).parsed
    out = []
    for voter, version, raw, _cluster, _sector in rows:
        hit = cache.get(voter)
        if hit is None or hit[0] != version:
            data = json.loads(raw) if isinstance(raw, str) else raw  # psycopg parses JSON itself
            hit = cache[voter] = (version, _typed(round_.method, data))
        out.append(hit[1])
    return out


def _typed(method: str, data):
    if method == Method.DOTS:
        return {int(k): v for k, v in data.items()}
    if method == Method.SCORES:
        return {int(k): {int(c): s for c, s in v.items()} for k, v in data.items()}
    return data  # a ranking is a list of ids already


def _tally_for(round_: Round):
    """The tally function of the round's method, taking parsed ballots (see _parsed).

    Over the choices still in the round: points on a choice moderation took out are not counted.
    """
    ids = [o.id for o in round_.shown_options]
    if round_.method == Method.DOTS:
        return lambda ballots: tally.tally_dots(ballots, ids, cap=round_.cap)
    if round_.method == Method.RANKING:
        return lambda ballots: tally.tally_borda(ballots, ids, round_.top_n)
    weights = {c.id: c.weight for c in round_.criteria}
    return lambda ballots: tally.tally_scores(ballots, ids, weights)


def _segments(segments: list, ballots: list, count) -> dict:
    """Results per segment, given each ballot's; segments under 3 voters are hidden (counted, not named)."""
    return tally.by_segment(zip(segments, ballots, strict=True), count).to_dict()


def eligible(workshop_id: int) -> int:
    """Who may vote: the participants who joined, less those whose contributions were removed."""
    return db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(
            Participant.workshop_id == workshop_id, Participant.removed_at.is_(None)
        )
    )


def _stamp(round_: Round) -> tuple:
    """Changes whenever the tally could: a ballot added or replaced (versions only grow),
    the round's settings, its choices (moderation takes some out), or who may vote."""
    count, versions = db.session.execute(
        sa.select(sa.func.count(Ballot.id), sa.func.coalesce(sa.func.sum(Ballot.version), 0)).where(
            Ballot.round_id == round_.id
        )
    ).one()
    settings = (round_.status, round_.results_hidden, round_.budget, round_.cap, round_.top_n)
    weights = tuple((c.id, c.weight) for c in round_.criteria)
    shown = tuple(o.id for o in round_.shown_options)
    return count, versions, settings, weights, shown, eligible(round_.workshop_id)
