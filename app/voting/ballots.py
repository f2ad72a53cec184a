"""The ballot path, the hottest road of a full room: check, write by group commit, ack.

A thousand phones may vote within seconds. Each ballot is checked in its own event
handler, without reading the database, against the workshop as this process last
read it (`WorkshopState`) and a read-only description of its round at that
workshop version (`RoundSpec`), both here. The write goes to the process's group
commit (`app/voting/group_commit.py`), which acknowledges it after its COMMIT.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Item, Round, Workshop
from app.models.voting import Method
from app.voting import tally

# Built once, as the group commit's statements: building and hashing a statement per
# ballot cost as much as running it. Core, not the ORM: no objects to load or track.
_workshops = Workshop.__table__


@dataclass(frozen=True)
class WorkshopState:
    """The columns of a workshop a ballot is checked against, read without loading the model."""

    id: int
    status: str
    phase: str
    version: int
    submissions_open: bool
    timer_ends_at: object
    timer_remaining_s: float
    timer_lock_at_zero: bool

    is_open = Workshop.is_open  # the model's own rules, on these columns
    timer_left = Workshop.timer_left
    timer_expired = Workshop.timer_expired


_WORKSHOP_STATE = sa.select(*(_workshops.c[name] for name in WorkshopState.__dataclass_fields__)).where(
    _workshops.c.id == sa.bindparam("workshop_id")
)
# FOR SHARE (PostgreSQL), in the writer's transaction: a batch and a change of the room (which
# updates this row to bump its version) wait for each other, so no ballot is written into a
# round closed meanwhile.
_WORKSHOP_STATE_SHARED = _WORKSHOP_STATE.with_for_update(read=True)


def workshop_state(connection: sa.Connection, workshop_id: int, shared: bool = False) -> WorkshopState | None:
    """The workshop as it is now; this process remembers it for the next ballots (`known_state`)."""
    statement = _WORKSHOP_STATE_SHARED if shared else _WORKSHOP_STATE
    row = connection.execute(statement, {"workshop_id": workshop_id}).one_or_none()
    state = WorkshopState(*row) if row else None
    known = current_app.extensions.setdefault("workshop_states", {})
    if state is None:
        known.pop(workshop_id, None)
    else:
        known[workshop_id] = state
    return state


def known_state(workshop_id: int) -> WorkshopState | None:
    """The workshop as this process last read it (it may have moved on: the writer checks)."""
    return current_app.extensions.get("workshop_states", {}).get(workshop_id)


@dataclass(frozen=True)
class RoundSpec:
    """What a ballot is checked against; rebuilt whenever the workshop's version moves."""

    id: int
    workshop_id: int
    method: str
    status: str
    budget: int
    cap: int
    allow_own: bool
    top_n: int | None
    anonymous: bool
    option_ids: frozenset[int]  # the choices still on the ballot
    removed: frozenset[int]  # choices moderation took out (their item hidden or withdrawn)
    criteria: tuple[int, ...]
    authors: dict[int, int | None]  # option id -> the participant who proposed its item

    def own_options(self, participant_id: int) -> set[int]:
        return {o for o, author in self.authors.items() if author == participant_id}


def round_spec(
    round_id: int, workshop_id: int, version: int, connection: sa.Connection | None = None
) -> RoundSpec | None:
    """The round as of this workshop version (None if it is not this workshop's).

    Every change to a round bumps its workshop's version, so a spec read at a version
    stays true until the version moves; any process sees the move in the database.
    """
    specs = current_app.extensions.setdefault("round_specs", {})  # (round id, version) -> spec
    key = (round_id, version)
    spec = specs.get(key)
    if spec is not None:
        return spec if spec.workshop_id == workshop_id else None
    # On the caller's connection, or a short session of its own: never a second connection
    # while one is held, and none kept while the ballot waits for the writer. Either would let
    # a wave of ballots meeting a new version take the whole pool and leave the writer none.
    with Session(bind=connection or db.engine) as session:
        round_ = session.get(Round, round_id)
        if round_ is None or round_.workshop_id != workshop_id:
            return None
        shown = round_.shown_options
        item_ids = [o.item_id for o in shown if o.item_id]
        authors = dict(
            session.execute(sa.select(Item.id, Item.participant_id).where(Item.id.in_(item_ids))).all()
        )
        spec = RoundSpec(
            id=round_.id,
            workshop_id=round_.workshop_id,
            method=round_.method,
            status=round_.status,
            budget=round_.budget,
            cap=round_.cap,
            allow_own=round_.allow_own,
            top_n=round_.top_n,
            anonymous=round_.anonymous,
            option_ids=frozenset(o.id for o in shown),
            removed=frozenset(o.id for o in round_.options if o.removed),
            criteria=tuple(c.id for c in round_.criteria),
            authors={o.id: authors.get(o.item_id) for o in shown},
        )
    if len(specs) > 512:  # old versions are never asked for again
        specs.clear()
    specs[key] = spec
    return spec


def voter_key(round_: Round | RoundSpec, participant_id: int) -> str:
    """Who a ballot belongs to: the participant in a named round, a keyed hash in an anonymous one."""
    if not round_.anonymous:
        return f"p{participant_id}"
    return keyed_voter(round_.id, participant_id)


def keyed_voter(round_id: int, participant_id: int) -> str:
    """The keyed hash of a round and a participant: names nobody to whoever lacks SECRET_KEY
    (an anonymous round's ballots; a removed participant's ballots in closed rounds)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"ballot:{round_id}:{participant_id}".encode(), hashlib.sha256).hexdigest()


def over_limit(round_: Round | RoundSpec, data: dict | list) -> bool:
    """A dot ballot over a budget or cap lowered after it was cast: kept, but its owner should trim it."""
    if round_.method != Method.DOTS:
        return False
    return tally.over_limit({int(k): v for k, v in data.items()}, round_.budget, round_.cap)
