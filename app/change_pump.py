"""New items, comments and +1s reach the screens once a beat, in version order (see ChangePump)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Message = tuple[str, str | None, dict]  # (room, event, payload), as realtime.Message


class ChangePump:
    """New items, comments and +1s reach each room as one `changed` message a beat.

    When a room is told to send its ideas now, every idea sent one by one would reach
    every phone: N ideas in a room of N phones, N² deliveries. Instead each committed change
    (acknowledged already: ACK) is queued for its rooms, and on a steady beat of 0.05 s +
    n / 10,000 s for a room of n phones (as the tallies', at most 1 s) each room gets the
    beat's changes in one message, sorted by version, so a screen applies them in order
    (CONVERGE). Per beat a screen gets one message from its room, and one from its person's
    own room when they sent something. n counts the phones on every process (presence): with
    several processes each has its own beat, and a screen gets one message from each process
    whose phones sent something, so the beat follows the whole room, not this process's part.

    A change sent at once (an edit, a hide, a phase) carries a version too: the changes
    still waiting for a beat in its workshop go out first (`flush_before`), so no screen
    sees a version before the ones under it.

    What waits here is new (an item, a comment) or a +1: a removal among its messages
    only keeps the versions of a room that may not see the new thing (an idea while
    ideation is private), and goes as the bare version `[null, {"v": …}]`.
    """

    interval = 0.05
    room_factor = 1 / 10_000
    longest = 1.0

    def __init__(self, server, namespace: str, phones: Callable[[int], int]) -> None:
        self._server, self._namespace, self._phones = server, namespace, phones
        self._pending: dict[int, list[Message]] = {}  # workshop -> its messages, as committed
        self._lock = threading.Lock()
        self._running = False

    def add(self, workshop_id: int, messages: list[Message]) -> None:
        """Queue a committed change's messages for the next beat."""
        with self._lock:
            self._pending.setdefault(workshop_id, []).extend(messages)
            start, self._running = not self._running, True
        if start:
            self._server.start_background_task(self._run)

    def flush_before(self, messages: list[Message]) -> None:
        """Send the waiting changes of the workshops these messages are about, if any is versioned."""
        if not self._pending:
            return
        versioned = {_workshop_of(room) for room, _event, payload in messages if "v" in payload}
        if versioned:
            self.flush(None if None in versioned else versioned)  # a person's room only: all

    def flush(self, workshops: set[int] | None = None) -> None:
        """Send the waiting changes now: of these workshops, or of all."""
        with self._lock:
            if workshops is None:
                taken, self._pending = self._pending, {}
            else:
                taken = {w: self._pending.pop(w) for w in workshops if w in self._pending}
        for messages in taken.values():
            for room, changes in batches(messages).items():
                self._server.emit("changed", {"changes": changes}, to=room, namespace=self._namespace)

    def _wait(self) -> float:
        with self._lock:
            waiting = list(self._pending)
        phones = max((self._phones(w) for w in waiting), default=0)  # may ask Redis: not under the lock
        return min(self.longest, self.interval + phones * self.room_factor)

    def _run(self) -> None:
        # On a steady beat, as the tallies': the time a flush takes comes off the next wait.
        try:
            due = time.monotonic() + self._wait()
            while True:
                self._server.sleep(max(0.0, due - time.monotonic()))
                with self._lock:
                    if not self._pending:
                        self._running = False
                        return
                try:
                    self.flush()
                except Exception:  # a bug: told, and the next beat goes on
                    log.exception("sending the beat's changes failed")
                due = max(due, time.monotonic() - self._wait() / 2) + self._wait()
        except BaseException:  # killed: the next change starts another
            with self._lock:
                self._running = False
            raise


def batches(messages: list[Message]) -> dict[str, list[list]]:
    """Each room's changes in version order (rooms in the order they were first addressed:
    staff, public, then people's own rooms), a removal as its bare version."""
    rooms: dict[str, list[list]] = {}
    for room, event, payload in messages:
        if event is not None and event.endswith("_removed"):
            event, payload = None, {"v": payload["v"]}
        rooms.setdefault(room, []).append([event, payload])
    for changes in rooms.values():
        changes.sort(key=lambda change: change[1]["v"])  # stable: one change's copies keep their order
    return rooms


def _workshop_of(room: str) -> int | None:
    """The workshop of a room named w<id>:..., None for a person's or an account's room."""
    if room.startswith("w") and ":" in room:
        return int(room[1 : room.index(":")])
    return None
