"""The live connection: namespace, rooms, commands with operation ids, broadcast after commit.

Every screen holds a versioned copy of its workshop. Services bump the workshop's
version in the transaction of each change and broadcast after the commit; a client
that sees a gap, or reconnects, takes a snapshot. Socket.IO delivers at most once
and buffers nothing for a disconnected client, so the snapshot is the recovery path.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from socketio import PubSubManager

from app import outages
from app.auth.actor import PARTICIPANT, SCREEN, STAFF, Actor
from app.budgets import Allowance
from app.change_pump import ChangePump
from app.errors import DomainError, Forbidden, Invalid
from app.extensions import db, socketio
from app.models import User
from app.server import gc_tender
from app.shared_presence import Remote, SharedPresence

NS = "/live"
log = logging.getLogger(__name__)

Message = tuple[str, str, dict]  # (room, event, payload)


def room_staff(workshop_id: int) -> str:
    return f"w{workshop_id}:staff"


def room_public(workshop_id: int) -> str:
    """The projector and every phone of the workshop."""
    return f"w{workshop_id}:public"


def room_participant(participant_id: int) -> str:
    """All tabs and devices of one participant."""
    return f"p{participant_id}"


_origin: ContextVar[str | None] = ContextVar("origin", default=None)  # the sid of the command's sender


def broadcast(messages: list[Message], *, skip_sender: bool = False) -> None:
    """Send what a committed change means to each audience, in order.

    skip_sender: not to the connection whose command this is, which has it in its ack
    (a voter's own copy of their ballot: one delivery less per ballot in a full room).
    """
    if has_app_context() and (pump := current_app.extensions.get("change_pump")):
        pump.flush_before(messages)
    skip = _origin.get() if skip_sender else None
    for room, event, payload in messages:
        if skip and _alone_in(room, skip):
            continue
        socketio.emit(event, payload, to=room, namespace=NS, skip_sid=skip)


def on_beat(workshop_id: int, messages: list[Message]) -> None:
    """Send what a committed change means on the next beat, with the others of that beat:
    new items, comments and +1s (app/change_pump.py)."""
    pump = current_app.extensions.get("change_pump")
    if pump is None:  # one per app: its server, and its rooms' numbers, are its own
        pump = current_app.extensions.setdefault(
            "change_pump", ChangePump(socketio.server, NS, lambda w: presence.count(w))
        )
    pump.add(workshop_id, messages)


def _alone_in(room: str, sid: str) -> bool:
    """Whether nobody but the sender would hear a message to this room: a phone without another
    tab, on a server without a message queue (with one, the other processes may have members)."""
    manager = socketio.server.manager
    if isinstance(manager, PubSubManager):
        return False
    return all(member == sid for member, _eio in manager.get_participants(NS, room))


# --- connections -------------------------------------------------------------------


@dataclass(slots=True)
class Connection:
    """A connection of this process: who it is, the language of its messages (its page's), and
    its person's budget (shared by all their connections here, app/budgets.py)."""

    actor: Actor
    language: str
    allowance: Allowance


_connections: dict[str, Connection] = {}  # by sid
_present: dict[int, Counter[int]] = {}  # workshop -> participant -> connections here
_lock = threading.Lock()


def attach(sid: str, actor: Actor, language: str) -> None:
    """Count a connection in (a command of its person's budget: RateLimited past it), and put
    it in its rooms."""
    from flask_socketio import join_room

    # By Actor.key, kept when the connections go: connecting again must not refill the budget.
    allowances: dict[str, Allowance] = current_app.extensions.setdefault("allowances", {})
    with _lock:
        allowance = allowances.get(actor.key)
        if allowance is None:
            allowance = allowances[actor.key] = Allowance(current_app.config)
        allowance.connect()
        _forget(actor_for(sid))
        _connections[sid] = Connection(actor, language, allowance)
        if actor.participant_id:
            _present.setdefault(actor.workshop_id, Counter())[actor.participant_id] += 1
    gc_tender.connected()
    if actor.is_staff:
        join_room(room_staff(actor.workshop_id), sid=sid, namespace=NS)
    else:
        join_room(room_public(actor.workshop_id), sid=sid, namespace=NS)
    if actor.participant_id:
        join_room(room_participant(actor.participant_id), sid=sid, namespace=NS)
    presence.changed(actor.workshop_id)


def detach(sid: str) -> None:
    with _lock:
        actor = actor_for(sid)
        _connections.pop(sid, None)
        _forget(actor)
    if actor:
        gc_tender.disconnected()
        presence.changed(actor.workshop_id)


def _forget(actor: Actor | None) -> None:
    """Count one connection of this participant less (under _lock)."""
    if actor and actor.participant_id:
        here = _present.get(actor.workshop_id, Counter())
        here[actor.participant_id] -= 1
        if here[actor.participant_id] <= 0:
            del here[actor.participant_id]


def let_go(participant_id: int) -> None:
    """End every live connection of a participant who has left, in every process. Each phone
    reconnects, is refused, reloads its page and is told it has left (app/privacy)."""
    socketio.server.manager.disconnect_room(room_participant(participant_id), NS, close=True)


def forget_all() -> None:
    """Forget every connection of this process (tests, between two apps)."""
    with _lock:
        _connections.clear()
        _present.clear()


def actor_for(sid: str) -> Actor | None:
    connection = _connections.get(sid)
    return connection.actor if connection else None


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
        with _lock:
            return set(_present.get(workshop_id, ()))

    def count(self, workshop_id: int) -> int:
        """Distinct participants connected to any process.

        A snapshot carries this count and replaces the one a screen shows, so it must not
        lag behind the broadcasts: the copy of the other processes' participants is read
        again when their generation moved on or one of them may have expired.
        """
        shared, remote = self._shared, self._remote.get(workshop_id)
        if shared is None:  # one process: no set to build
            return len(_present.get(workshop_id, ()))
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
        with _lock:
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
        with _lock:
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
            with _lock:  # every workshop with a screen here: others' phones may have come or gone
                here = {connection.actor.workshop_id for connection in _connections.values()}
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


class SessionInterface(SecureCookieSessionInterface):
    """Socket events skip decoding the session cookie they would throw away.

    Flask-SocketIO pushes a request context for every socket event, and Flask opens (decodes
    and verifies) the cookie session for it; Flask-SocketIO then swaps in the copy it keeps
    per connection ("saved_session", made at connect). For every event after the first,
    that decoding was wasted: about 6 % of a full room's CPU while it voted.
    """

    def open_session(self, app, request):
        if "saved_session" in request.environ:  # only a socket connection's environ has it
            return self.session_class()
        return super().open_session(app, request)


# --- commands ----------------------------------------------------------------------


Handler = Callable[[Actor, dict, str | None], dict]
# What a command is, for its budget and its op id (app/budgets.py).
COMMAND, SNAPSHOT, PING = "command", "snapshot", "ping"
_commands: dict[str, tuple[tuple[str, ...], Handler, str]] = {}


def command(event: str, *roles: str, kind: str = COMMAND) -> Callable[[Handler], Handler]:
    """Make a function the handler of a socket command: its event, who may send it.

    The handler receives the actor (from the connection, never the payload), the
    payload and the op id; it returns the ack. A domain error becomes
    {"ok": false, ...}; anything unexpected is logged and answered the same way,
    so a client never waits for an ack that will not come. Every command costs the
    connection one token of its budget (app/budgets.py). Two kinds carry no op id:
    SNAPSHOT, a read of the whole workshop, at most once per SNAPSHOT_INTERVAL; PING, the
    check that the connection still carries messages, with a small budget of its own,
    answered without the database.
    """

    def decorate(handler: Handler) -> Handler:
        _commands[event] = (roles, handler, kind)
        return handler

    return decorate


@command("ping", PARTICIPANT, STAFF, SCREEN, kind=PING)
def ping(actor: Actor, data: dict, op_id: None) -> dict:
    """Any screen, while a command waits or after a quiet moment: the ack says the link is alive."""
    return {"ok": True}


def serve_commands(app: Flask) -> None:
    """Give the app's Socket.IO server each command, run in a plain app context.

    Flask-SocketIO runs a handler inside a request context it builds for every event: a
    Request, the URL matched against every route, the session opened and swapped. A
    command needs none of it (who sends it is the connection's actor, the language was
    settled at connect), and in a full room that context cost as much as the ballot's
    own checks. Connect and disconnect stay with Flask-SocketIO. Any other event
    (unknown, or MALFORMED: app/wire.py) is answered "not understood".
    """
    for event, (roles, handler, kind) in _commands.items():
        socketio.server.on(event, _dispatcher(app, roles, handler, kind), namespace=NS)
    refuse = _dispatcher(app, (), _not_understood, COMMAND)
    socketio.server.on("*", lambda _event, sid, *_data: refuse(sid), namespace=NS)


def _not_understood(actor: Actor, data: dict, op_id: str | None) -> dict:
    raise Invalid(_("The request was not understood."))


def _dispatcher(app: Flask, roles: tuple[str, ...], handler: Handler, kind: str) -> Callable:
    def dispatch(sid: str, data: object = None) -> dict:
        # Everyone else's turn first: a connection's reader hands over its messages back to
        # back (hundreds in one WebSocket read, or in one long-polling POST).
        socketio.sleep(0)
        with app.app_context():
            connection = _connections.get(sid)
            try:
                if connection is None:
                    raise Forbidden(_("You are not in this workshop. Please reload the page."))
                g.language = connection.language
                _count(connection.allowance, kind)
                if kind != COMMAND and data is None:
                    data = {}
                if connection.actor.role not in roles:
                    raise Invalid(_("The request was not understood.")) if not roles else Forbidden()
                if not isinstance(data, dict):
                    raise Invalid(_("The request was not understood."))
                # A ping reads nothing: it is answered while the database is away too.
                if connection.actor.user_id is not None and kind != PING:
                    _session_holds(sid, connection.actor)
                _origin.set(sid)
                return handler(connection.actor, data, _op_id(data) if kind == COMMAND else None)
            except DomainError as e:
                return e.to_ack()  # what the handler began is rolled back as its session goes
            except Exception as exc:
                if not outages.failed(exc):  # an outage is logged once, when it starts and ends
                    log.exception("command %s failed", handler.__name__)
                return {
                    "ok": False,
                    "error": _("Something went wrong on our side. Please try again."),
                    "code": "ServerError",
                    "retry": True,
                }
            finally:
                outages.discard_session()  # its ROLLBACK may fail too while the database is away

    return dispatch


def _count(allowance: Allowance, kind: str) -> None:
    """Take what the command costs from its person's budget (RateLimited past it)."""
    if kind == SNAPSHOT:
        allowance.snapshot()
    elif kind == PING:
        allowance.ping()
    else:
        allowance.command()


def _session_holds(sid: str, actor: Actor) -> None:
    """Staff commands only from a session that has not ended: the disconnect that ends it
    (app/auth/connections.py) may not have reached this process (Redis away when it was sent)."""
    row = db.session.execute(
        sa.select(User.session_version, User.active).where(User.id == actor.user_id)
    ).one_or_none()
    if row is None or not row.active or row.session_version != actor.session_version:
        socketio.emit("session_ended", {}, to=sid, namespace=NS, ignore_queue=True)
        socketio.server.disconnect(sid, namespace=NS, ignore_queue=True)
        raise Forbidden(_("Your session has ended. Please log in again."))


def _op_id(data: dict) -> str:
    op_id = data.get("op_id")
    if not isinstance(op_id, str) or not 8 <= len(op_id) <= 64 or not op_id.isascii():
        raise Invalid(_("The request was not understood."), field="op_id")
    return op_id
