"""Undoing the clustering board's last change, on every screen at once.

Each change the facilitator makes to the board (a theme added, renamed, recoloured, deleted or
reordered; an item moved; duplicates merged) is kept with what it changed, as it was before: a
BoardChange. Undo puts that back and forgets it; pressed again, it undoes the change before, up
to UNDO_DEPTH changes back. Participants' own moves (when they may cluster) are not kept: the
facilitator's undo never takes back what someone in the room did. The command names the change
its button showed, so two facilitators pressing at once undo one change, not two.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth.actor import Actor
from app.core.changes import bump, fetch, finish, is_id, open_workshop, replay
from app.errors import Conflict
from app.extensions import db
from app.models import BoardChange, Comment, Item, ItemState, Participant, Reaction, Theme, Workshop
from app.workshops import views
from app.workshops.services.placement import container, place, themes_of

UNDO_DEPTH = 20


def capture(workshop: Workshop, items: list[Item] = ()) -> dict:
    """The board before a change: every theme, and the places of the items it is about to move."""
    return {
        "themes": [theme.to_dict() for theme in themes_of(workshop)],
        "places": [[item.id, item.theme_id, item.position] for item in items],
    }


def remember(workshop: Workshop, kind: str, about: dict, before: dict) -> None:
    """Keep a change that can be undone; only the last UNDO_DEPTH of a workshop are kept."""
    db.session.add(BoardChange(workshop_id=workshop.id, kind=kind, about=about, before=before))
    db.session.flush()
    older = (
        sa.select(BoardChange.id)
        .where(BoardChange.workshop_id == workshop.id)
        .order_by(BoardChange.id.desc())
        .offset(UNDO_DEPTH)
    )
    db.session.execute(sa.delete(BoardChange).where(BoardChange.id.in_(older.scalar_subquery())))


def forget(workshop_id: int) -> None:
    """No undo past this point (a participant's contributions were removed: the board changed
    wholesale, and a kept merge names who had given +1s)."""
    db.session.execute(sa.delete(BoardChange).where(BoardChange.workshop_id == workshop_id))


def undo_board(actor: Actor, op_id: str, change_id: object) -> dict:
    """The facilitator takes back the board's last change; every screen shows the board as it was."""
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    bump(workshop)  # the workshop's row, locked: one change of the board at a time
    shown = views.board_undo(workshop)
    change = db.session.get(BoardChange, shown["id"]) if shown else None
    if change is None or not is_id(change_id) or change.id != change_id:
        raise Conflict(_("The board changed meanwhile: look at it again before undoing."))
    merge = change.before.get("merge")
    if merge:
        _unmerge(workshop, merge)
    themes = _restore_themes(workshop, change.before["themes"])
    _restore_places(workshop, change.before["places"], themes)
    kind = change.kind
    db.session.delete(change)
    db.session.flush()
    ack = {"ok": True, "v": workshop.version, "undone": kind}
    # A merge taken back brings items, comments and +1s back: screens take a snapshot, as after a merge.
    messages = views.workshop_messages(workshop, resync=True) if merge else views.board_messages(workshop)
    return finish(actor, op_id, ack, messages)


def _restore_themes(workshop: Workshop, kept: list[dict]) -> dict[int, int]:
    """The themes as they were: those added since deleted (their items unsorted), those deleted
    made again, names, colours and order put back. Returns kept id -> id now (the same, unless
    SQLite gave a deleted theme's id to another workshop meanwhile)."""
    wanted = {theme["id"] for theme in kept}
    current = {theme.id: theme for theme in themes_of(workshop)}
    for theme in [t for t in current.values() if t.id not in wanted]:
        for item in container(workshop, theme.id):
            place(workshop, item, None, None)
        db.session.delete(theme)
    db.session.flush()
    ids = {}
    for data in kept:
        theme = current.get(data["id"])
        if theme is None:
            taken = db.session.get(Theme, data["id"]) is not None
            theme = Theme(workshop_id=workshop.id, **({} if taken else {"id": data["id"]}))
            db.session.add(theme)
        theme.name, theme.color, theme.position = data["name"], data["color"], data["position"]
        db.session.flush()
        ids[data["id"]] = theme.id
    return ids


def _restore_places(workshop: Workshop, places: list[list], themes: dict[int, int]) -> None:
    """Put the items the change moved back where they were (those still on the board)."""
    for item_id, theme_id, position in sorted(places, key=lambda p: p[2]):
        item = fetch(Item, item_id, workshop.id)
        if item is None or item.state not in views.ON_BOARD:
            continue
        place(workshop, item, themes.get(theme_id) if theme_id is not None else None, position)


def _unmerge(workshop: Workshop, merge: dict) -> None:
    """The duplicates back as items of their own, with their comments and +1s."""
    target = merge["target"]
    for kept in merge["items"]:
        item = fetch(Item, kept["id"], workshop.id)
        if item is None or item.state != ItemState.MERGED or item.merged_into_id != target:
            continue  # removed with its author since (app/privacy), or merged again elsewhere
        item.state, item.merged_into_id = kept["state"], None
        back = {"item_id": item.id}
        moved = (Comment.item_id == target, Comment.id.in_(kept.get("comments", [])))
        db.session.execute(sa.update(Comment).where(*moved).values(back))
        moved = (Reaction.item_id == target, Reaction.id.in_(kept.get("reactions", [])))
        db.session.execute(sa.update(Reaction).where(*moved).values(back))
        for participant_id in kept.get("dropped", []):
            _plus_one_again(item, participant_id)
    db.session.flush()


def _plus_one_again(item: Item, participant_id: int) -> None:
    """A +1 the merge dropped (its giver had +1'd the item kept too), if its giver is still here."""
    person = db.session.get(Participant, participant_id)
    if person is None or person.removed_at is not None:
        return
    given = sa.select(Reaction.id).where(Reaction.item_id == item.id, Reaction.participant_id == person.id)
    if db.session.scalar(given) is None:
        db.session.add(Reaction(item_id=item.id, participant_id=person.id))
