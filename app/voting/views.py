"""Who sees what of the voting: rounds, one's own ballot, counts and results.

Results are computed from the ballots, never from who cast them: nothing here puts
a voter next to a ballot, for any audience (UNLINK, docs/anonymity.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time

import sqlalchemy as sa
from flask import current_app

from app import outages, realtime
from app.extensions import db, socketio
from app.models import Ballot, Participant, Round, Workshop
from app.models.voting import Method
from app.voting import tally
from app.voting.ballots import voter_key

log = logging.getLogger(__name__)


def round_messages(workshop: Workshop, round_: Round) -> list[realtime.Message]:
    """Staff see the choices moderation took out (marked); the room never receives them."""
    v = workshop.version
    return [
        (realtime.room_staff(workshop.id), "round_changed", {"v": v, "round": round_.to_dict(staff=True)}),
        (realtime.room_public(workshop.id), "round_changed", {"v": v, "round": round_.to_dict()}),
    ]


def ballot_messages(participant_id: int, ack: dict) -> list[realtime.Message]:
    """The voter's other tabs and devices learn their ballot's new version."""
    payload = {k: ack[k] for k in ("round_id", "version", "ballot", "over_limit")}
    return [(realtime.room_participant(participant_id), "ballot_changed", payload)]


def over_limit(round_, data) -> bool:
    """A dot ballot over a budget or cap lowered after it was cast: kept, but its owner should trim it."""
    if round_.method != Method.DOTS:
        return False
    return tally.over_limit({int(k): v for k, v in data.items()}, round_.budget, round_.cap)


_B = Ballot.__table__.c
_BALLOTS = sa.select(
    _B.voter, _B.version, sa.type_coerce(_B.data, sa.Text), _B.segment_cluster_id, _B.segment_sector
).where(_B.round_id == sa.bindparam("round_id"))  # rows, not models: a tally reads thousands


def results(round_: Round) -> dict:
    """The round's results as every screen shows them: per choice, best first, the count of
    voters, and the same per cluster and per sector for segments of at least 3 voters."""
    rows = db.session.connection().execute(_BALLOTS, {"round_id": round_.id}).all()
    ballots = _parsed(round_, rows)
    count = _tally_for(round_)
    out: dict = {"round_id": round_.id, "voted": len(ballots), "method": round_.method}
    out["results"] = [r.to_dict() for r in count(ballots)]
    if round_.method == Method.RANKING:
        ids = [o.id for o in round_.shown_options]
        out["schulze"] = tally.schulze(ballots, ids, round_.top_n).to_dict()
    names = _cluster_names()
    out["by_cluster"] = _segments(rows, ballots, count, lambda row: names.get(row.segment_cluster_id))
    out["by_sector"] = _segments(rows, ballots, count, lambda row: row.segment_sector)
    return out


def _parsed(round_: Round, rows: list[sa.Row]) -> list:
    """Each stored ballot as the tallies take it (ids as ints), parsed once per version.

    A room re-tallies several times a second while it votes; a voter's ballot at a given
    version never changes, so only the ballots changed since the last tally are parsed.
    """
    cache = current_app.extensions.setdefault("parsed_ballots", {})  # (round, voter) -> (version, data)
    if len(cache) > 100_000:
        cache.clear()
    out = []
    for voter, version, raw, _cluster, _sector in rows:
        key = (round_.id, voter)
        hit = cache.get(key)
        if hit is None or hit[0] != version:
            data = json.loads(raw) if isinstance(raw, str) else raw  # psycopg parses JSON itself
            hit = cache[key] = (version, _typed(round_.method, data))
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


def _segments(rows: list[sa.Row], ballots: list, count, segment_of) -> dict:
    """Results per segment; segments under 3 voters are hidden (and counted, not named)."""
    segmented = tally.by_segment([(segment_of(row), b) for row, b in zip(rows, ballots, strict=True)], count)
    return segmented.to_dict()


def _cluster_names() -> dict[int, str]:
    from app.models import Cluster

    return dict(db.session.execute(sa.select(Cluster.id, Cluster.name)).all())


def eligible(workshop_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(Participant.workshop_id == workshop_id)
    )


def tally_payloads(round_: Round) -> tuple[dict, dict]:
    """What staff see and what the room sees (results once revealed).

    In an anonymous round nobody sees results while it is open, the facilitator
    included: watching the bars move as one person votes would tell what they chose.

    Kept per round until a ballot, the round or the room changes: a reconnect storm
    of a thousand phones asks for the same tallies a thousand times.
    """
    stamp = _stamp(round_)
    cache = current_app.extensions.setdefault("tallies", {})  # round id -> (stamp, payloads)
    cached = cache.get(round_.id)
    if cached and cached[0] == stamp:
        return cached[1]
    # seq: the sum of the ballots' versions, which only grows; a screen keeps the tally with
    # the highest seq, so a late tally from another process cannot replace a newer one.
    full = results(round_) | {"eligible": stamp[-1], "seq": stamp[1]}
    counts = {k: full[k] for k in ("round_id", "voted", "eligible", "method", "seq")}
    if round_.anonymous and round_.status == "open":
        payloads = counts | {"sealed": True}, counts | {"sealed": True}
    else:
        payloads = full, (counts if round_.results_hidden else full)
    cache[round_.id] = (stamp, payloads)
    return payloads


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


def snapshot_part(workshop: Workshop, participant_id: int | None, staff: bool) -> dict:
    """Rounds, their tallies as this viewer may see them, and the viewer's own ballots."""
    rounds = list(
        db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number))
    )
    tallies = [tally_payloads(r)[0 if staff else 1] for r in rounds]
    part = {"rounds": [r.to_dict(staff=staff) for r in rounds], "tallies": tallies}
    if participant_id is not None:
        part["my_ballots"] = {str(r.id): _mine(r, voter_key(r, participant_id)) for r in rounds}
    return part


def _mine(round_: Round, voter: str) -> dict | None:
    ballot = db.session.scalar(sa.select(Ballot).where(Ballot.round_id == round_.id, Ballot.voter == voter))
    if ballot is None:
        return None
    return {"version": ballot.version, "ballot": ballot.data, "over_limit": over_limit(round_, ballot.data)}


def forget(round_ids: list[int]) -> None:
    """Drop this process's cached tallies of rounds that were deleted with their workshop."""
    for name in ("tallies", "public_tallies"):
        cache = current_app.extensions.get(name, {})
        for round_id in round_ids:
            cache.pop(round_id, None)


class TallyPump:
    """Tallies reach the screens on a short timer, and only when they changed.

    A broadcast per ballot would cost one delivery per screen per ballot; instead
    each ballot marks its round, and a background task sends the round's tally at
    most every `interval` seconds (longer for bigger rooms).

    With several processes (REDIS_URL), each process marks the rounds voted on through
    it, and one of them sends each round's tally per interval: the first to take the
    round's short Redis lease. The others keep the round marked and try again next
    time, so the process of the last ballot always sends a tally that includes it.

    A process that gets more ballots than it can acknowledge at once wakes the pump
    late: its event loop has more ready work than it gets through. Late twice without
    an on-time wake between, the beat doubles, up to `overload_beat`, and the CPU goes
    to acknowledging ballots rather than to redrawing every screen; it halves again
    once the loop is on time. A voter waiting for an ack cannot tell whether their vote
    counted, while a chart that moves twice a second instead of seven times still shows
    the room voting.
    """

    # A room of n participants waits 0.05 s + n / 10,000 s (0.15 s for 1,000, 0.25 s for 2,000),
    # at most 1 s: the screens' deliveries stay under 10,000 a second however big the room.
    interval = 0.05
    room_factor = 1 / 10_000
    # Woken this late, the loop is saturated; this early, it keeps up (docs/performance.md:
    # under 1,000 ballots/s the pump woke within 5 ms, at the ceiling mostly 10-25 ms late).
    late = 0.010
    on_time = 0.002
    overload_beat = 0.5

    def __init__(self) -> None:
        self._dirty: dict[int, int] = {}  # round id -> workshop id
        self._lock = threading.Lock()
        self._running = False
        self._room = 0  # participants of the biggest room flushed last time
        self._beat = 0.0  # the beat stretched by an overload; 0 while the loop keeps up
        self._late_wakes = 0  # since the pump last woke on time

    def touch(self, workshop_id: int, round_id: int) -> None:
        with self._lock:
            self._dirty[round_id] = workshop_id
            start, self._running = not self._running, True
        if start:
            socketio.start_background_task(self._run, current_app._get_current_object())

    def _run(self, app) -> None:
        # On a steady beat: the time a flush takes (a tally, a thousand deliveries queued)
        # comes off the next wait rather than stretching every interval.
        try:
            due = time.monotonic() + self._wait()
            while True:
                socketio.sleep(max(0.0, due - time.monotonic()))
                self.pace(time.monotonic() - due)
                due = max(due, time.monotonic() - self._wait() / 2) + self._wait()
                with self._lock:
                    dirty, self._dirty = self._dirty, {}
                    if not dirty:
                        self._running, self._beat, self._late_wakes = False, 0.0, 0
                        return
                self._send(app, dirty)
        except BaseException:  # killed: the next ballot starts another pump
            with self._lock:
                self._running = False
            raise

    def _send(self, app, dirty: dict[int, int]) -> None:
        """Send the tallies of the marked rounds this process leases now.

        Nothing that fails here may stop the pump: while the database or Redis is away the
        rounds stay marked and are sent once it is back, so every screen converges.
        """
        with app.app_context():
            try:
                if leased := self._lease(app, dirty):
                    self.flush(leased)
            except Exception as exc:
                if outages.failed(exc, "tally broadcasts"):
                    self._mark(dirty)
                else:  # a bug: told once, not retried every beat
                    log.exception("tally broadcast failed")
            finally:
                outages.discard_session()

    def _mark(self, rounds: dict[int, int]) -> None:
        with self._lock:
            for round_id, workshop_id in rounds.items():
                self._dirty.setdefault(round_id, workshop_id)

    def pace(self, lateness: float) -> None:
        """Stretch the beat when the loop woke the pump `lateness` seconds late; relax it when on time."""
        room = self._room_beat()
        if lateness > self.late:
            self._late_wakes += 1
            if self._late_wakes >= 2:  # not for one pause (a collection, a burst of joins)
                self._beat = min(max(room, self.overload_beat), 2 * max(room, self._beat))
        elif lateness < self.on_time:
            self._late_wakes = 0
            self._beat = self._beat / 2 if self._beat / 2 > room else 0.0

    def _room_beat(self) -> float:
        return min(1.0, self.interval + self._room * self.room_factor)

    def _wait(self) -> float:
        return max(self._room_beat(), self._beat)

    def _lease(self, app, dirty: dict[int, int]) -> dict[int, int]:
        """The rounds this process sends now; the others stay marked for the next interval."""
        url = app.config.get("REDIS_URL")
        if not url:
            return dirty
        try:
            client = app.extensions.get("tally_redis")
            if client is None:
                import redis

                client = app.extensions.setdefault(
                    "tally_redis", redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
                )
            pipe = client.pipeline(transaction=False)
            for round_id in dirty:
                pipe.set(f"bcd:tally:{round_id}", 1, nx=True, px=max(1, int(self._wait() * 1000)))
            taken = pipe.execute()
        except Exception as exc:  # without Redis, a duplicate tally beats a missing one
            if not outages.failed(exc, "tally leases"):
                log.exception("tally lease failed")
            return dirty
        outages.redis.ok()
        leased = {r: w for (r, w), ok in zip(dirty.items(), taken, strict=True) if ok}
        self._mark({r: w for r, w in dirty.items() if r not in leased})
        return leased

    def flush(self, dirty: dict[int, int]) -> None:
        room = 0
        sent = current_app.extensions.setdefault("public_tallies", {})  # round id -> last sent, less seq
        for round_id, workshop_id in dirty.items():
            round_ = db.session.get(Round, round_id)
            if round_ is None:  # deleted with its workshop since it was voted on
                continue
            staff, public = tally_payloads(round_)
            room = max(room, staff["eligible"])
            messages = [(realtime.room_staff(workshop_id), "tally_changed", staff)]
            # The room (every phone) hears only of what it can see change: while results are
            # hidden, a voter changing their ballot changes nothing there but `seq`.
            seen = {k: v for k, v in public.items() if k != "seq"}
            if sent.get(round_id) != seen:
                sent[round_id] = seen
                messages.append((realtime.room_public(workshop_id), "tally_changed", public))
            realtime.broadcast(messages)
        self._room = room


tally_pump = TallyPump()
