"""The live connections of this process: who each one is, its language and its budget."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from flask.sessions import SecureCookieSessionInterface

from app.auth.actor import Actor
from app.budgets import Allowance
from app.extensions import socketio
from app.realtime.rooms import NS, room_participant


@dataclass(slots=True)
class Connection:
    """A connection of this process: who it is, the language of its messages (its page's), and
    its person's budget (shared by all their connections here, app/budgets.py)."""

    actor: Actor
    language: str
    allowance: Allowance


by_sid: dict[str, Connection] = {}  # by sid
present: dict[int, Counter[int]] = {}  # workshop -> participant -> connections here
lock = threading.Lock()


def let_go(participant_id: int) -> None:
    """End every live connection of a participant who has left, in every process. Each phone
    reconnects, is refused, reloads its page and is told it has left (app/privacy)."""
    socketio.server.manager.disconnect_room(room_participant(participant_id), NS, close=True)


def forget_all() -> None:
    """Forget every connection of this process (tests, between two apps)."""
    with lock:
        by_sid.clear()
        present.clear()


def actor_for(sid: str) -> Actor | None:
    connection = by_sid.get(sid)
    return connection.actor if connection else None


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
