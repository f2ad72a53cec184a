"""The live connection: namespace, rooms, commands with operation ids, broadcast after commit.

Every screen holds a versioned copy of its workshop. Services bump the workshop's
version in the transaction of each change and broadcast after the commit; a client
that sees a gap, or reconnects, takes a snapshot. Socket.IO delivers at most once
and buffers nothing for a disconnected client, so the snapshot is the recovery path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import wraps

from flask import request
from flask_babel import gettext as _

from app.auth.actor import Actor
from app.errors import DomainError, Forbidden, Invalid
from app.extensions import db, socketio

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


def broadcast(messages: list[Message]) -> None:
    """Send what a committed change means to each audience, in order."""
    for room, event, payload in messages:
        socketio.emit(event, payload, to=room, namespace=NS)


# --- connections -------------------------------------------------------------------

_actors: dict[str, Actor] = {}  # sid -> actor, for the connections of this process
_lock = threading.Lock()


def attach(sid: str, actor: Actor) -> None:
    from flask_socketio import join_room

    with _lock:
        _actors[sid] = actor
    if actor.is_staff:
        join_room(room_staff(actor.workshop_id), sid=sid, namespace=NS)
    else:
        join_room(room_public(actor.workshop_id), sid=sid, namespace=NS)
    if actor.participant_id:
        join_room(room_participant(actor.participant_id), sid=sid, namespace=NS)
    presence.changed(actor.workshop_id)


def detach(sid: str) -> None:
    with _lock:
        actor = _actors.pop(sid, None)
    if actor:
        presence.changed(actor.workshop_id)


def actor_for(sid: str) -> Actor | None:
    return _actors.get(sid)


class Presence:
    """How many participants are connected, sent to the room at most once a second.

    A join storm of hundreds of phones would otherwise cost one broadcast per phone.
    The count is per process; with several processes, see docs/deploy.md.
    """

    interval = 1.0

    def __init__(self) -> None:
        self._pending: set[int] = set()

    def count(self, workshop_id: int) -> int:
        with _lock:
            return len(
                {
                    a.participant_id
                    for a in _actors.values()
                    if a.workshop_id == workshop_id and a.participant_id
                }
            )

    def changed(self, workshop_id: int) -> None:
        with _lock:
            first = not self._pending
            self._pending.add(workshop_id)
        if first:
            socketio.start_background_task(self._flush)

    def _flush(self) -> None:
        socketio.sleep(self.interval)
        with _lock:
            pending, self._pending = self._pending, set()
        for wid in pending:
            payload = {"connected": self.count(wid)}
            broadcast(
                [
                    (room_staff(wid), "presence_changed", payload),
                    (room_public(wid), "presence_changed", payload),
                ]
            )


presence = Presence()


# --- commands ----------------------------------------------------------------------


def command(*roles: str) -> Callable:
    """Turn a socket handler into a command: who may send it, its op id, its ack.

    The handler receives the actor (from the connection, never the payload), the
    payload and the op id; it returns the ack. A domain error becomes
    {"ok": false, ...}; anything unexpected is logged and answered the same way,
    so a client never waits for an ack that will not come.
    """

    def decorate(handler: Callable[[Actor, dict, str], dict]) -> Callable:
        @wraps(handler)
        def wrapped(data=None):
            try:
                actor = actor_for(request.sid)
                if actor is None:
                    raise Forbidden(_("You are not in this workshop. Please reload the page."))
                if actor.role not in roles:
                    raise Forbidden()
                if not isinstance(data, dict):
                    raise Invalid(_("The request was not understood."))
                return handler(actor, data, _op_id(data))
            except DomainError as e:
                db.session.rollback()
                return e.to_ack()
            except Exception:
                db.session.rollback()
                log.exception("command %s failed", handler.__name__)
                return {
                    "ok": False,
                    "error": _("Something went wrong on our side. Please try again."),
                }
            finally:
                db.session.remove()

        return wrapped

    return decorate


def _op_id(data: dict) -> str:
    op_id = data.get("op_id")
    if not isinstance(op_id, str) or not 8 <= len(op_id) <= 64 or not op_id.isascii():
        raise Invalid(_("The request was not understood."), field="op_id")
    return op_id
