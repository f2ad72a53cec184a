"""Who sees what: the one place that decides visibility for each audience.

Snapshots and broadcasts both come from here, so a screen that follows the
broadcasts shows what a fresh snapshot would show (CONVERGE).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app import realtime
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.extensions import db
from app.models import Comment, Item, ItemState, Participant, Reaction, Theme, Workshop

ON_BOARD = (ItemState.LIVE, ItemState.HIDDEN)  # what staff see; the others are gone or history


def publicly_visible(workshop: Workshop, item: Item) -> bool:
    """On the projector and on every phone: live items, unless ideation is private."""
    return item.state == ItemState.LIVE and not workshop.private_ideation


def item_view(workshop: Workshop, item: Item, *, mine: bool = False) -> dict:
    data = item.to_dict(named=not workshop.anonymous)
    data["mine"] = mine
    data["merged_from"] = [{"id": m.id, "text": m.text} for m in item.merged_from]
    return data


def item_messages(workshop: Workshop, item: Item) -> list[realtime.Message]:
    """What one item's change means to the staff, the public room and its author.

    The author's room comes last: an author is in the public room too, and in
    private ideation the public removal must be followed by their own copy.
    """
    v = workshop.version
    removed = {"v": v, "id": item.id}
    changed = {"v": v, "item": item_view(workshop, item)}
    staff = ("item_changed", changed) if item.state in ON_BOARD else ("item_removed", removed)
    public = ("item_changed", changed) if publicly_visible(workshop, item) else ("item_removed", removed)
    messages = [(realtime.room_staff(workshop.id), *staff), (realtime.room_public(workshop.id), *public)]
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


# --- discussion ----------------------------------------------------------------------


def comment_view(workshop: Workshop, comment: Comment, *, mine: bool = False) -> dict:
    return comment.to_dict(named=not workshop.anonymous) | {"mine": mine}


def comment_messages(workshop: Workshop, comment: Comment) -> list[realtime.Message]:
    """Staff see every comment (hidden ones marked); the room sees those not hidden."""
    v = workshop.version
    item = db.session.get(Item, comment.item_id)
    changed = ("comment_changed", {"v": v, "comment": comment_view(workshop, comment)})
    removed = ("comment_removed", {"v": v, "id": comment.id})
    public = changed if not comment.hidden and publicly_visible(workshop, item) else removed
    messages = [(realtime.room_staff(workshop.id), *changed), (realtime.room_public(workshop.id), *public)]
    if comment.participant_id and not comment.hidden:
        own = {"v": v, "comment": comment_view(workshop, comment, mine=True)}
        messages.append((realtime.room_participant(comment.participant_id), "comment_changed", own))
    return messages


def reaction_messages(
    workshop: Workshop, item_id: int, count: int, actor: Actor, mine: bool
) -> list[realtime.Message]:
    payload = {"v": workshop.version, "item_id": item_id, "count": count}
    return [
        (realtime.room_staff(workshop.id), "reaction_changed", payload),
        (realtime.room_public(workshop.id), "reaction_changed", payload),
        (realtime.room_participant(actor.participant_id), "reaction_changed", payload | {"mine": mine}),
    ]


# --- the clustering board ------------------------------------------------------------


def board(workshop: Workshop, *, staff: bool) -> dict:
    """Themes in order, and where each item the audience may see sits: [id, theme_id, position]."""
    themes = db.session.scalars(
        sa.select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position, Theme.id)
    )
    items = _items(workshop)
    shown = [i for i in items if (i.state in ON_BOARD if staff else publicly_visible(workshop, i))]
    return {
        "themes": [t.to_dict() for t in themes],
        "placement": [[i.id, i.theme_id, i.position] for i in shown],
    }


def board_messages(workshop: Workshop) -> list[realtime.Message]:
    v = workshop.version
    return [
        (realtime.room_staff(workshop.id), "board_changed", {"v": v, **board(workshop, staff=True)}),
        (realtime.room_public(workshop.id), "board_changed", {"v": v, **board(workshop, staff=False)}),
    ]


# --- snapshot ------------------------------------------------------------------------


def _items(workshop: Workshop) -> list[Item]:
    return list(
        db.session.scalars(
            sa.select(Item).where(Item.workshop_id == workshop.id, Item.state.in_(ON_BOARD)).order_by(Item.id)
        )
    )


def snapshot(actor: Actor) -> dict:
    """The whole workshop as this actor may see it, with the version it reflects."""
    workshop = db.session.get(Workshop, actor.workshop_id)
    staff = actor.role == STAFF
    visible = []
    for item in _items(workshop):
        mine = actor.participant_id is not None and item.participant_id == actor.participant_id
        if staff or publicly_visible(workshop, item) or (mine and item.state == ItemState.LIVE):
            visible.append(item_view(workshop, item, mine=mine))
    ids = {i["id"] for i in visible}
    data = {
        "v": workshop.version,
        "workshop": workshop.to_dict(),
        "items": visible,
        "themes": board(workshop, staff=staff)["themes"],
        "comments": _comments(workshop, actor, ids),
        "reactions": _reaction_counts(ids),
        "connected": realtime.presence.count(workshop.id),
        "role": actor.role,
    }
    from app.voting.views import snapshot_part

    data |= snapshot_part(workshop, actor.participant_id, staff)
    if actor.role == PARTICIPANT:
        data["me"] = db.session.get(Participant, actor.participant_id).to_dict()
        data["my_reactions"] = list(
            db.session.scalars(
                sa.select(Reaction.item_id).where(Reaction.participant_id == actor.participant_id)
            )
        )
    return data


def _comments(workshop: Workshop, actor: Actor, item_ids: set[int]) -> list[dict]:
    rows = db.session.scalars(
        sa.select(Comment).where(Comment.workshop_id == workshop.id).order_by(Comment.id)
    )
    return [
        comment_view(
            workshop, c, mine=actor.participant_id is not None and c.participant_id == actor.participant_id
        )
        for c in rows
        if c.item_id in item_ids and (actor.role == STAFF or not c.hidden)
    ]


def _reaction_counts(item_ids: set[int]) -> dict[str, int]:
    if not item_ids:
        return {}
    counts = Counter(db.session.scalars(sa.select(Reaction.item_id).where(Reaction.item_id.in_(item_ids))))
    return {str(item_id): n for item_id, n in counts.items()}
