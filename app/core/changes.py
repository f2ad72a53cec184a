"""The end of every change: bump the version, remember the op id, commit, broadcast."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app import realtime
from app.auth.actor import Actor
from app.errors import Conflict, NotNow
from app.extensions import db
from app.models import Operation, Workshop

_REPLAY = sa.select(Operation.__table__.c.ack).where(
    Operation.__table__.c.workshop_id == sa.bindparam("workshop_id"),
    Operation.__table__.c.actor == sa.bindparam("actor"),
    Operation.__table__.c.op_id == sa.bindparam("op_id"),
)  # built once: every command of every phone asks it


def replay(actor: Actor, op_id: str | None, connection: sa.Connection | None = None) -> dict | None:
    """The ack already given for this op id, if the command was applied before."""
    if not op_id:
        return None
    params = {"workshop_id": actor.workshop_id, "actor": actor.key, "op_id": op_id}
    return (connection or db.session.connection()).execute(_REPLAY, params).scalar()


def bump(workshop: Workshop) -> int:
    """Take the next version inside this transaction (a row lock on PostgreSQL)."""
    workshop.version = Workshop.version + 1
    db.session.flush()
    db.session.refresh(workshop, ["version"])
    return workshop.version


# The row lock on PostgreSQL for each kind of change, and what it waits for (SQLite has none:
# its writers take turns).
_LOCKS = {
    # FOR NO KEY UPDATE: a change in the room waits for other changes (as bump's UPDATE), not joins
    "change": {"key_share": True},
    # FOR KEY SHARE: a join waits only for a change of settings; joins pass each other and changes
    "join": {"read": True, "key_share": True},
    # FOR UPDATE: a change of settings waits for changes and joins
    "settings": True,
}


def lock(workshop: Workshop, kind: str = "change") -> Workshop:
    """Wait for the workshop's row (the lock of this kind, see _LOCKS) and read it afresh.

    For a change that must read before it knows whether it writes: what it reads after this
    is what the database holds, not what a concurrent change is about to replace.
    """
    db.session.refresh(workshop, with_for_update=_LOCKS[kind])
    return workshop


def finish(
    actor: Actor | None, op_id: str | None, ack: dict, messages: list[realtime.Message], *, beat: bool = False
) -> dict:
    """Commit the change with its op id, then broadcast it. The ack follows the commit.

    beat: the messages wait for the next beat (new items, comments and +1s: realtime.on_beat).
    """
    if actor and op_id:
        db.session.add(Operation(workshop_id=actor.workshop_id, actor=actor.key, op_id=op_id, ack=ack))
    try:
        db.session.commit()
    except IntegrityError:
        # The same op id committed by a concurrent retry: answer as it was answered.
        db.session.rollback()
        stored = replay(actor, op_id) if actor else None
        if stored is None:
            raise Conflict() from None
        return stored
    if beat:
        realtime.on_beat(actor.workshop_id, messages)
    else:
        realtime.broadcast(messages)
    return ack


def unchanged(actor: Actor, op_id: str | None, ack: dict) -> dict:
    """A command that asks for what already is (the phase the room is in, a reveal of what is
    shown): no version, no broadcast. Its op id is kept, so a retry that comes after the room
    has moved on still changes nothing."""
    return finish(actor, op_id, ack, [])


def is_id(value: object) -> bool:
    """A JSON id: an int (not a bool) that fits the database's integer."""
    return type(value) is int and 0 < value < 2**31


def fetch(model, value: object, workshop_id: int):
    """The row of this workshop with that id; another workshop's ids behave as missing (TENANT)."""
    row = db.session.get(model, value) if is_id(value) else None
    return row if row is not None and row.workshop_id == workshop_id else None


def open_workshop(actor: Actor) -> Workshop:
    """The actor's workshop, while it is open; commands on an archived one are refused."""
    workshop = db.session.get(Workshop, actor.workshop_id)
    if workshop is None or not workshop.is_open:
        raise NotNow(_("This workshop has ended."))
    return workshop
