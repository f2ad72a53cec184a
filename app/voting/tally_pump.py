"""Tallies reach the screens on a short timer, and only when they changed (see TallyPump)."""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app

from app import outages, realtime, redis_client
from app.extensions import db, socketio
from app.models import Round
from app.voting import results
from app.voting.visibility import Viewer, outcomes

log = logging.getLogger(__name__)


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
    once the loop has been on time for a few beats in a row. A voter waiting for an ack
    cannot tell whether their vote counted, while a chart that moves twice a second instead
    of seven times still shows the room voting.
    """

    # A room of n participants waits 0.05 s + n / 10,000 s (0.15 s for 1,000, 0.25 s for 2,000),
    # at most 1 s: the screens' deliveries stay under 10,000 a second however big the room.
    interval = 0.05
    room_factor = 1 / 10_000
    # Woken this late, the loop is saturated; this early, it keeps up (the lateness measured at
    # each load: docs/performance.md, *Figures behind the code*).
    late = 0.010
    on_time = 0.002
    overload_beat = 0.5
    # Stretched, the beat halves again only after this many on-time wakes in a row: at the
    # ceiling the loop is now and then free at the moment of a beat, and halving on each of
    # those sent every phone twice the tallies for a second or two (docs/performance.md,
    # *The tally's beat at the ceiling*).
    relax_after = 4

    def __init__(self) -> None:
        self._dirty: dict[int, int] = {}  # round id -> workshop id
        self._lock = threading.Lock()
        self._running = False
        self._room = 0  # participants of the biggest room flushed last time
        self._beat = 0.0  # the beat stretched by an overload; 0 while the loop keeps up
        self._late_wakes = 0  # since the pump last woke on time
        self._on_time_wakes = 0  # in a row

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
                        self._stopped()
                        return
                self._send(app, dirty)
        except BaseException:  # killed: the next ballot starts another pump
            with self._lock:
                self._stopped()
            raise

    def _stopped(self) -> None:
        """Under the lock: the next pump starts afresh, on the room's beat."""
        self._running, self._beat, self._late_wakes, self._on_time_wakes = False, 0.0, 0, 0

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
        """Stretch the beat when the loop woke the pump `lateness` seconds late; relax it when it
        has woken on time `relax_after` times in a row."""
        room = self._room_beat()
        if lateness > self.late:
            self._late_wakes += 1
            self._on_time_wakes = 0
            if self._late_wakes >= 2:  # not for one pause (a collection, a burst of joins)
                self._beat = min(max(room, self.overload_beat), 2 * max(room, self._beat))
        elif lateness < self.on_time:
            self._late_wakes = 0
            self._on_time_wakes += 1
            if self._on_time_wakes >= self.relax_after:
                self._on_time_wakes = 0
                self._beat = self._beat / 2 if self._beat / 2 > room else 0.0
        else:  # a little late: the beat holds, and the loop has not kept up
            self._on_time_wakes = 0

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
            if "tally_redis" not in app.extensions:
                app.extensions["tally_redis"] = redis_client.client(url, timeout=2)
            client = app.extensions["tally_redis"]
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
        """Send each marked round's tally to the staff, and to the room when what it sees changed."""
        room = 0
        sent = results.recent("public_tallies")  # round id -> [what the room was sent last, less seq]
        for round_id, workshop_id in dirty.items():
            round_ = db.session.get(Round, round_id)
            if round_ is None:  # deleted with its workshop since it was voted on
                continue
            staff, public = outcomes(round_, Viewer.STAFF, Viewer.ROOM)
            room = max(room, staff["eligible"])
            messages = [(realtime.room_staff(workshop_id), "tally_changed", staff)]
            # The room (every phone) hears only of what it can see change: while results are
            # hidden, a voter changing their ballot changes nothing there but `seq`.
            seen = {k: v for k, v in public.items() if k != "seq"}
            last = sent.get(round_id, lambda: [None])
            if last[0] != seen:
                last[0] = seen
                messages.append((realtime.room_public(workshop_id), "tally_changed", public))
            realtime.broadcast(messages)
        self._room = room


tally_pump = TallyPump()
