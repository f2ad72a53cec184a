"""New items, comments and +1s sent on the room's beat (app/change_pump.py), paced by who is present."""

from __future__ import annotations

from flask import current_app

from app.change_pump import ChangePump
from app.extensions import socketio
from app.realtime.attendance import presence
from app.realtime.rooms import NS, Message


def on_beat(workshop_id: int, messages: list[Message]) -> None:
    """Send what a committed change means on the next beat, with the others of that beat:
    new items, comments and +1s (app/change_pump.py)."""
    pump = current_app.extensions.get("change_pump")
    if pump is None:  # one per app: its server, and its rooms' numbers, are its own
        pump = current_app.extensions.setdefault(
            "change_pump", ChangePump(socketio.server, NS, lambda w: presence.count(w))
        )
    pump.add(workshop_id, messages)
