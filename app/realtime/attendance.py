"""Who is here: connections counted in and out, and the number of participants the rooms see."""

from __future__ import annotations

import logging
from collections import Counter

from flask import current_app, has_app_context

from app import outages
from app.auth.actor import Actor
from app.budgets import Allowance
from app.extensions import socketio
from app.realtime.connections import Connection, actor_for, by_sid, lock, present
from app.realtime.rooms import NS, broadcast, room_participant, room_public, room_staff
from app.server import gc_tender
from app.shared_presence import Remote, SharedPresence

log = logging.getLogger(__name__)


def attach(sid: str, actor: Actor, language: str) -> None:
    """Count a connection in (a command of its person's budget: RateLimited past it), and put
    it in its rooms."""
    from flask_socketio import join_room

    # By Actor.key, kept when the connections go: connecting again must not refill the budget.
    allowances: dict[str, Allowance] = current_app.extensions.setdefault("allowances", {})
    with lock:
        allowance = allowances.get(actor.key)
        if allowance is None:
            allowance = allowances[actor.key] = Allowance(current_app.config)
        allowance.connect()
        _forget(actor_for(sid))
        by_sid[sid] = Connection(actor, language, allowance)
        if actor.participant_id:
            present.setdefault(actor.workshop_id, Counter())[actor.participant_id] += 1
    gc_tender.connected()
    if actor.is_staff:
        join_room(room_staff(actor.workshop_id), sid=sid, namespace=NS)
    else:
        join_room(room_public(actor.workshop_id), sid=sid, namespace=NS)
    if actor.participant_id:
        join_room(room_participant(actor.participant_id), sid=sid, namespace=NS)
    presence.changed(actor.workshop_id)


def detach(sid: str) -> None:
    with lock:
        actor = actor_for(sid)
        by_sid.pop(sid, None)
        _forget(actor)
    if actor:
        gc_tender.disconnected()
        presence.changed(actor.workshop_id)


def _forget(actor: Actor | None) -> None:
    """Count one connection of this participant less (under lock)."""
    if actor and actor.participant_id:
        here = present.get(actor.workshop_id, Counter())
        here[actor.participant_id] -= 1
        if here[actor.participant_id] <= 0:
            del here[actor.participant_id]


class Presence:
    """How many participants are connected, sent to the room at most once a second.

    A join storm of hundreds of phones would otherwise cost one broadcast per phone.
    One process counts its own connections. With REDIS_URL (several processes) each
    process also keeps its participants of each workshop in Redis (`SharedPresence`),
    and the count is the union over the processes that are alive: a participant with
    tabs on two processes counts once, and the phones of a process that was killed
    age out after PRESENCE_TTL seconds. Redis is written once per second per workshop
    whose phones changed here, and on a heartbeat; a snapshot's count reads one
    number there, and the others' participants only when that number moved.
    """

    interval = 1.0

    def __init__(self) -> None:
        self._pending: set[int] = set()
        self._shared: SharedPresence | None = None
        self._remote: dict[int, Remote] = {}  # workshop -> the other processes' participants
        self._sent: dict[int, int] = {}  # workshop -> the count this process sent last
        self._reading: set[int] = set()

    def local(self, workshop_id: int) -> set[int]:
        """The participants of a workshop connected to this process."""
        with lock:
            return set(present.get(workshop_id, ()))

    def count(self, workshop_id: int) -> int:
        """Distinct participants connected to any process.

        A snapshot carries this count and replaces the one a screen shows, so it must not
        lag behind the broadcasts: the copy of the other processes' participants is read
        again when their generation moved on or one of them may have expired.
        """
        shared, remote = self._shared, self._remote.get(workshop_id)
        if shared is None:  # one process: no set to build
            return len(present.get(workshop_id, ()))
        if workshop_id not in self._reading:  # one reader, the others use the copy
            self._reading.add(workshop_id)
            try:
                if remote is None or not remote.current(shared.generation(workshop_id)):
                    remote = self._remote[workshop_id] = shared.others(workshop_id)
                outages.redis.ok()
            except Exception as exc:
                self._redis_failed(exc, "presence reads")
            finally:
                self._reading.discard(workshop_id)
        return len(self.local(workshop_id) | (remote.members if remote else frozenset()))

    def changed(self, workshop_id: int) -> None:
        self._configure()
        with lock:
            first = not self._pending
            self._pending.add(workshop_id)
        if first:
            socketio.start_background_task(self._flush)

    def _configure(self) -> None:
        """Share the counts through Redis when this app has REDIS_URL (read at the first change)."""
        if not has_app_context():
            return
        url = current_app.config.get("REDIS_URL") or ""
        if (self._shared.url if self._shared else "") == url:
            return
        self._remote.clear()
        self._sent.clear()
        self._shared = SharedPresence(url, float(current_app.config.get("PRESENCE_TTL", 30))) if url else None
        if self._shared:
            socketio.start_background_task(self._heartbeat, self._shared)

    def _flush(self) -> None:
        socketio.sleep(self.interval)
        with lock:
            pending, self._pending = self._pending, set()
        for wid in pending:
            try:
                self._publish(wid)
            except Exception:  # one workshop's count not sent: the next change or heartbeat sends it
                log.exception("presence update failed")

    def _publish(self, wid: int, only_if_changed: bool = False) -> None:
        local, shared = self.local(wid), self._shared
        if shared is not None:
            try:
                self._remote[wid] = shared.update(wid, local)
                outages.redis.ok()
            except Exception as exc:  # Redis away: count what this process knows, try again later
                self._redis_failed(exc, "presence updates")
        remote = self._remote.get(wid)
        connected = len(local | (remote.members if remote else frozenset()))
        if only_if_changed and self._sent.get(wid) == connected:
            return
        self._sent[wid] = connected
        payload = {"connected": connected}
        broadcast(
            [
                (room_staff(wid), "presence_changed", payload),
                (room_public(wid), "presence_changed", payload),
            ]
        )

    def _heartbeat(self, shared: SharedPresence) -> None:
        """Renew this process's entries, and send a count that others' comings and goings changed."""
        while self._shared is shared:
            # While Redis is away, every second: once it is back, this process's phones count
            # again on every screen (a restarted Redis lost them) without waiting a whole beat.
            socketio.sleep(min(1.0, shared.ttl / 3) if outages.redis.down else shared.ttl / 3)
            with lock:  # every workshop with a screen here: others' phones may have come or gone
                here = {connection.actor.workshop_id for connection in by_sid.values()}
            for wid in here | set(self._sent):
                if wid not in here:
                    self._sent.pop(wid, None)
                    self._remote.pop(wid, None)
                    continue
                try:
                    self._publish(wid, only_if_changed=True)
                except Exception:
                    log.exception("presence heartbeat failed")

    @staticmethod
    def _redis_failed(exc: Exception, what: str) -> None:
        if not outages.failed(exc, what):  # not an outage: told with its traceback
            log.warning("presence: Redis failed, counting this process only", exc_info=True)


presence = Presence()
