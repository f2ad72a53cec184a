"""Who sees what: the one place that decides an item's visibility for each audience.

Snapshots and broadcasts both come from here, so a screen that follows the
broadcasts shows what a fresh snapshot would show (CONVERGE).
"""

from __future__ import annotations

import sqlalchemy as sa

from app import realtime
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.extensions import db
from app.models import Item, ItemState, Participant, Workshop


def publicly_visible(workshop: Workshop, item: Item) -> bool:
    """On the projector and on every phone: live items, unless ideation is private."""
    return item.state == ItemState.LIVE and not workshop.private_ideation


def item_view(workshop: Workshop, item: Item, *, mine: bool = False) -> dict:
    data = item.to_dict(named=not workshop.anonymous)
    data["mine"] = mine
    return data


def item_messages(workshop: Workshop, item: Item) -> list[realtime.Message]:
    """What one item's change means to the staff, the public room and its author.

    The author's room comes last: an author is in the public room too, and in
    private ideation the public removal must be followed by their own copy.
    """
    v = workshop.version
    removed = {"v": v, "id": item.id}
    staff = (
        ("item_removed", removed)
        if item.state == ItemState.WITHDRAWN
        else ("item_changed", {"v": v, "item": item_view(workshop, item)})
    )
    public = (
        ("item_changed", {"v": v, "item": item_view(workshop, item)})
        if publicly_visible(workshop, item)
        else ("item_removed", removed)
    )
    messages = [
        (realtime.room_staff(workshop.id), *staff),
        (realtime.room_public(workshop.id), *public),
    ]
    if item.participant_id:
        own = (
            ("item_changed", {"v": v, "item": item_view(workshop, item, mine=True)})
            if item.state == ItemState.LIVE
            else ("item_removed", removed)
        )
        messages.append((realtime.room_participant(item.participant_id), *own))
    return messages


def workshop_messages(workshop: Workshop, *, resync: bool = False) -> list[realtime.Message]:
    """A settings change; with resync, what screens may see changed wholesale and they reload it."""
    rooms = (realtime.room_staff(workshop.id), realtime.room_public(workshop.id))
    if resync:
        return [(room, "resync", {"v": workshop.version}) for room in rooms]
    payload = {"v": workshop.version, "workshop": workshop.to_dict()}
    return [(room, "workshop_changed", payload) for room in rooms]


def snapshot(actor: Actor) -> dict:
    """The whole workshop as this actor may see it, with the version it reflects."""
    workshop = db.session.get(Workshop, actor.workshop_id)
    items = db.session.scalars(
        sa.select(Item)
        .where(Item.workshop_id == workshop.id, Item.state != ItemState.WITHDRAWN)
        .order_by(Item.id)
    )
    visible = []
    for item in items:
        mine = actor.participant_id is not None and item.participant_id == actor.participant_id
        if (
            actor.role == STAFF
            or publicly_visible(workshop, item)
            or (mine and item.state == ItemState.LIVE)
        ):
            visible.append(item_view(workshop, item, mine=mine))
    data = {
        "v": workshop.version,
        "workshop": workshop.to_dict(),
        "items": visible,
        "connected": realtime.presence.count(workshop.id),
        "role": actor.role,
    }
    if actor.role == PARTICIPANT:
        data["me"] = db.session.get(Participant, actor.participant_id).to_dict()
    return data
