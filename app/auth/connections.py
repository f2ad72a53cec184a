"""An account's live connections (its cockpits and projectors, in every app process), cut off
when its sessions end: logout, disabled, a new role or a new password.

They are the members of the account's room, `u<user id>`. Ending them commits a new session
version first (app/auth/services.py `end_sessions`), then tells the room and disconnects it
from the server side, in every process (app/message_queue.py). A connection is put in the
room before its session is checked, so none slips between the two:

- joined before the disconnect reaches its process: it is disconnected, or, if it is still
  in its connect handler, it refuses itself at the end of it (`admit`);
- joined after: the disconnect followed the commit, so its session check reads the new
  version and refuses it.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask
from flask_socketio import ConnectionRefusedError, join_room

from app import outages, realtime
from app.extensions import db, socketio
from app.models import User
from app.realtime import attendance

log = logging.getLogger(__name__)

_held: dict[str, tuple[int, int]] = {}  # sid -> (user id, session version), this process's
_lock = threading.Lock()


def room(user_id: int) -> str:
    """Every cockpit and projector of one account, in every process."""
    return f"u{user_id}"


def watch(sid: str, user_id: int) -> None:
    """Put a connection in its account's room, before its session is checked."""
    join_room(room(user_id), sid=sid, namespace=realtime.NS)


def admit(sid: str, user_id: int, session_version: int) -> None:
    """Let a connection in, unless its account's sessions ended while it connected.

    Called last in the connect handler, with nothing after it that lets another greenlet run.
    """
    if socketio.server.manager.ended(sid):
        attendance.detach(sid)
        raise ConnectionRefusedError("unauthorized")
    with _lock:
        _held[sid] = (user_id, session_version)


def forget(sid: str) -> None:
    """A connection that is gone, or was refused (its mark of an ended session goes too)."""
    with _lock:
        _held.pop(sid, None)
    socketio.server.manager.ended(sid)


def forget_all() -> None:
    """Forget every connection of this process (tests, between two apps)."""
    with _lock:
        _held.clear()


def end(user_id: int) -> None:
    """Cut off every live connection of an account, in every process: they are told, then
    disconnected by the server, so a client that ignores the news hears nothing more."""
    socketio.emit("session_ended", {}, to=room(user_id), namespace=realtime.NS)
    socketio.server.manager.disconnect_room(room(user_id), realtime.NS)


def end_stale(app: Flask) -> None:
    """Cut off this process's connections whose account's sessions ended unheard.

    Run when the message queue listens again after Redis was away: a disconnect of an
    account's room published meanwhile never reached this process.
    """
    with _lock:
        held = dict(_held)
    if not held:
        return
    with app.app_context():
        try:
            current = dict(db.session.execute(_versions({user_id for user_id, _v in held.values()})).all())
        except Exception as exc:
            if not outages.failed(exc, "checks of open sessions"):
                log.exception("checking the open sessions failed")
            return
        finally:
            outages.discard_session()
    for sid, (user_id, version) in held.items():
        if current.get(user_id) != version:
            socketio.emit("session_ended", {}, to=sid, namespace=realtime.NS, ignore_queue=True)
            socketio.server.disconnect(sid, namespace=realtime.NS, ignore_queue=True)


def _versions(user_ids: set[int]) -> sa.Select:
    """The session versions of those of these accounts that are active."""
    return sa.select(User.id, User.session_version).where(User.id.in_(user_ids), User.active.is_(True))
