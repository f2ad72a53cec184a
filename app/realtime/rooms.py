"""Rooms of the live connection, and broadcasting a committed change to them."""

from __future__ import annotations

from contextvars import ContextVar

from flask import current_app, has_app_context
from socketio import PubSubManager

from app.extensions import socketio

NS = "/live"

Message = tuple[str, str, dict]  # (room, event, payload)


def room_staff(workshop_id: int) -> str:
    return f"w{workshop_id}:staff"


def room_public(workshop_id: int) -> str:
    """The projector and every phone of the workshop."""
    return f"w{workshop_id}:public"


def room_participant(participant_id: int) -> str:
    """All tabs and devices of one participant."""
    return f"p{participant_id}"


origin: ContextVar[str | None] = ContextVar("origin", default=None)  # the sid of the command's sender


def broadcast(messages: list[Message], *, skip_sender: bool = False) -> None:
    """Send what a committed change means to each audience, in order.

    skip_sender: not to the connection whose command this is, which has it in its ack
    (a voter's own copy of their ballot: one delivery less per ballot in a full room).
    """
    if has_app_context() and (pump := current_app.extensions.get("change_pump")):
        pump.flush_before(messages)
    skip = origin.get() if skip_sender else None
    for room, event, payload in messages:
        if skip and _alone_in(room, skip):
            continue
        socketio.emit(event, payload, to=room, namespace=NS, skip_sid=skip)


def _alone_in(room: str, sid: str) -> bool:
    """Whether nobody but the sender would hear a message to this room: a phone without another
    tab, on a server without a message queue (with one, the other processes may have members)."""
    manager = socketio.server.manager
    if isinstance(manager, PubSubManager):
        return False
    return all(member == sid for member, _eio in manager.get_participants(NS, room))
