"""Socket commands: who may send each one, its budget, its operation id, and its ack."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, g
from flask_babel import gettext as _

from app import outages
from app.auth.actor import PARTICIPANT, SCREEN, STAFF, Actor
from app.budgets import Allowance
from app.errors import DomainError, Forbidden, Invalid
from app.extensions import db, socketio
from app.models import User
from app.realtime.connections import by_sid
from app.realtime.rooms import NS, origin

log = logging.getLogger(__name__)


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
            connection = by_sid.get(sid)
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
                origin.set(sid)
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
