"""Who sees what: the one place that decides visibility for each audience.

Snapshots and broadcasts both come from here, so a screen that follows the
broadcasts shows what a fresh snapshot would show (CONVERGE).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import current_app

from app import realtime
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.core import teams
from app.extensions import db
from app.models import (
    BoardChange,
    Comment,
    Item,
    ItemState,
    Participant,
    Reaction,
    TeamMember,
    Theme,
    Workshop,
)
from app.realtime.attendance import presence
from app.voting.visibility import snapshot_part

ON_BOARD = (ItemState.LIVE, ItemState.HIDDEN)  # what staff see; the others are gone or history


def publicly_visible(workshop: Workshop, item: Item) -> bool:
    """On the projector and on every phone: live items, unless ideation is private."""
    return item.state == ItemState.LIVE and not workshop.private_ideation


def item_view(workshop: Workshop, item: Item, *, mine: bool = False) -> dict:
    data = item.to_dict(named=not workshop.anonymous, language=workshop.language)
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


def comments_gone_messages(workshop: Workshop, comment_ids: list[int]) -> list[realtime.Message]:
    """Comments no screen may show any more (deleted, or on an item that left the room)."""
    rooms = (realtime.room_staff(workshop.id), realtime.room_public(workshop.id))
    return [
        (room, "comment_removed", {"v": workshop.version, "id": i}) for i in comment_ids for room in rooms
    ]


def reaction_messages(
    workshop: Workshop, item_id: int, count: int, actor: Actor | None, mine: bool = False
) -> list[realtime.Message]:
    """An item's +1s counted again; the participant who gave or took one back (if any) learns which."""
    payload = {"v": workshop.version, "item_id": item_id, "count": count}
    messages = [
        (realtime.room_staff(workshop.id), "reaction_changed", payload),
        (realtime.room_public(workshop.id), "reaction_changed", payload),
    ]
    if actor is not None:
        messages.append(
            (realtime.room_participant(actor.participant_id), "reaction_changed", payload | {"mine": mine})
        )
    return messages


# --- the clustering board ------------------------------------------------------------


def board(workshop: Workshop, *, staff: bool) -> dict:
    """Themes in order, and where each item the audience may see sits: [id, theme_id, position]."""
    items = _items(workshop)
    shown = [i for i in items if (i.state in ON_BOARD if staff else publicly_visible(workshop, i))]
    return {
        "themes": _themes(workshop),
        "placement": [[i.id, i.theme_id, i.position] for i in shown],
    }


def _themes(workshop: Workshop) -> list[dict]:
    themes = db.session.scalars(
        sa.select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position, Theme.id)
    )
    return [t.to_dict() for t in themes]


def board_undo(workshop: Workshop) -> dict | None:
    """The facilitator's board change that an undo would take back now (services/undo.py), if any."""
    latest = db.session.scalar(
        sa.select(BoardChange)
        .where(BoardChange.workshop_id == workshop.id)
        .order_by(BoardChange.id.desc())
        .limit(1)
    )
    return latest.to_dict() if latest else None


def board_messages(workshop: Workshop) -> list[realtime.Message]:
    v = workshop.version
    staff = {"v": v, **board(workshop, staff=True), "undo": board_undo(workshop)}
    return [
        (realtime.room_staff(workshop.id), "board_changed", staff),
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
    """The whole workshop as this actor may see it, with the version it reflects.

    What every screen of an audience sees alike (staff, or the room) is built once per
    workshop version and kept; a phone's own items, comments, +1s and ballots are laid
    over it. A room reconnecting at once, or one phone asking again and again, costs a
    few small reads each, not a rebuild of the board.
    """
    # Read now, even if the session holds it: a screen asks once it is in its rooms, so a change
    # committed since is either in this snapshot or broadcast to it (CONVERGE).
    workshop = db.session.get(Workshop, actor.workshop_id, populate_existing=True)
    staff = actor.role == STAFF
    data = _shared(workshop, staff) | {
        "workshop": workshop.to_dict(),  # its countdown is counted from now
        "connected": presence.count(workshop.id),
        "role": actor.role,
    }
    data |= snapshot_part(workshop, actor.participant_id, staff)
    if actor.role == PARTICIPANT:
        data |= _personal(workshop, actor, data)
    return data


def forget(workshop_id: int) -> None:
    """Drop this process's cached snapshots of a workshop that was deleted."""
    cache = current_app.extensions.get("snapshots", {})
    for staff in (True, False):
        cache.pop((workshop_id, staff), None)


def _shared(workshop: Workshop, staff: bool) -> dict:
    """The audience's part of a snapshot, kept per workshop version."""
    cache = current_app.extensions.setdefault("snapshots", {})  # (workshop, staff) -> (version, part)
    key = (workshop.id, staff)
    hit = cache.get(key)
    if hit is not None and hit[0] == workshop.version:
        return hit[1]
    items = [
        item_view(workshop, item) for item in _items(workshop) if staff or publicly_visible(workshop, item)
    ]
    ids = {i["id"] for i in items}
    part = {
        "v": workshop.version,
        "items": items,
        "themes": _themes(workshop),
        "comments": _comments(workshop, None, ids, staff=staff),
        "reactions": _reaction_counts(ids),
        **teams.snapshot_part(workshop, staff),
    }
    if staff:
        part["board_undo"] = board_undo(workshop)
    cache[key] = (workshop.version, part)
    return part


# Whether a phone has anything of its own in the room: items, +1s, comments, teams (each
# looked up by an index: the workshop's items and comments, the participant's +1s and teams).
_FOOTPRINT = sa.select(
    sa.or_(
        sa.exists().where(
            Item.workshop_id == sa.bindparam("wid"),
            Item.participant_id == sa.bindparam("pid"),
            Item.state == ItemState.LIVE,
        ),
        sa.exists().where(Reaction.participant_id == sa.bindparam("pid")),
        sa.exists().where(
            Comment.workshop_id == sa.bindparam("wid"), Comment.participant_id == sa.bindparam("pid")
        ),
        sa.exists().where(TeamMember.participant_id == sa.bindparam("pid")),
    )
)


def _personal(workshop: Workshop, actor: Actor, data: dict) -> dict:
    """A phone's own things over the room's part: its items and comments marked as its own
    (its private ideas too, while ideation is private), its +1s and its name."""
    pid = actor.participant_id
    me = db.session.get(Participant, pid).to_dict()
    anything_own = db.session.scalar(_FOOTPRINT, {"wid": workshop.id, "pid": pid})
    if not anything_own:  # every phone as it arrives: one read, not five
        return {"me": me, "my_reactions": [], "my_teams": {}, "contacts": {}}
    own = list(
        db.session.scalars(
            sa.select(Item)
            .where(Item.workshop_id == workshop.id, Item.participant_id == pid, Item.state == ItemState.LIVE)
            .order_by(Item.id)
        )
    )
    reactions = sa.select(Reaction.item_id).where(Reaction.participant_id == pid)
    part: dict = {
        "me": me,
        "my_reactions": list(db.session.scalars(reactions)),
        **teams.own_part(workshop, pid),
    }
    shown = {i["id"] for i in data["items"]}
    private = {item.id for item in own} - shown  # only its author sees these
    if own:
        mine = {item.id: item_view(workshop, item, mine=True) for item in own}
        items = [mine.pop(i["id"], i) for i in data["items"]]
        part["items"] = sorted(items + list(mine.values()), key=lambda i: i["id"])
    comments = data["comments"]
    if private:
        comments = sorted(comments + _comments(workshop, actor, private, staff=False), key=lambda c: c["id"])
    own_comments = set(
        db.session.scalars(
            sa.select(Comment.id).where(Comment.workshop_id == workshop.id, Comment.participant_id == pid)
        )
    )
    if own_comments or private:
        part["comments"] = [c | {"mine": True} if c["id"] in own_comments else c for c in comments]
    if private:
        part["reactions"] = data["reactions"] | _reaction_counts(private)
    return part


def _comments(workshop: Workshop, actor: Actor | None, item_ids: set[int], *, staff: bool) -> list[dict]:
    """The comments on these items the audience may see (staff: the hidden ones too)."""
    if not item_ids:
        return []
    rows = db.session.scalars(
        sa.select(Comment).where(Comment.workshop_id == workshop.id).order_by(Comment.id)
    )
    pid = actor.participant_id if actor else None
    return [
        comment_view(workshop, c, mine=pid is not None and c.participant_id == pid)
        for c in rows
        if c.item_id in item_ids and (staff or not c.hidden)
    ]


def _reaction_counts(item_ids: set[int]) -> dict[str, int]:
    if not item_ids:
        return {}
    counts = Counter(db.session.scalars(sa.select(Reaction.item_id).where(Reaction.item_id.in_(item_ids))))
    return {str(item_id): n for item_id, n in counts.items()}
