"""The clustering board: themes, moving items between them, merging duplicates, suggestions."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from app import budgets
from app.auth.actor import Actor
from app.core import phases
from app.core.changes import bump, fetch, finish, is_id, lock, open_workshop, replay
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import Comment, Item, ItemState, Reaction, Theme, Workshop
from app.workshops import views
from app.workshops.services import undo
from app.workshops.services.items import leave_spotlight
from app.workshops.services.placement import container, place, renumber_themes, themes_of

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
PALETTE = ("#1d4ed8", "#7c3aed", "#0f766e", "#b45309", "#be123c", "#4d7c0f", "#0369a1", "#a21caf")
MAX_THEMES = 60


def create_theme(
    actor: Actor, op_id: str, name: str, color: str | None = None, item_ids: object = ()
) -> dict:
    """A new theme at the end of the board, optionally with items (an accepted suggestion)."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _board(actor)
    themes = themes_of(workshop)
    if len(themes) >= MAX_THEMES:
        raise Invalid(_("That is as many themes as a board can hold."))
    items = _items(workshop, item_ids)
    before = undo.capture(workshop, items)
    theme = Theme(workshop_id=workshop.id, name=name, color=_color(color, len(themes)), position=len(themes))
    db.session.add(theme)
    db.session.flush()
    for item in items:
        place(workshop, item, theme.id, None)
    undo.remember(workshop, "create_theme", {"theme_id": theme.id, "name": theme.name}, before)
    return _done(actor, op_id, workshop, {"theme": theme.to_dict()})


def update_theme(actor: Actor, op_id: str, theme_id: object, name: str | None, color: str | None) -> dict:
    """Rename or recolour a theme; a change to what it already is changes nothing, version included."""
    if stored := replay(actor, op_id):
        return stored
    if name is None and color is None:
        raise Invalid(_("Give the theme a new name or colour."), field="name")
    if name is not None and not name.strip():
        raise Invalid(_("Give the theme a name."), field="name")
    # Locked before the theme is read: a rename and a recolour at once must not answer with a
    # name the other one has just replaced (CONVERGE).
    workshop = lock(_board(actor, lock=False))
    theme = _theme(workshop, theme_id)
    new = {"name": name or theme.name, "color": _color(color, 0) if color else theme.color}
    if new == {"name": theme.name, "color": theme.color}:  # kept under its op id, so a retry stays a no-op
        return finish(actor, op_id, {"ok": True, "v": workshop.version, "theme": theme.to_dict()}, [])
    bump(workshop)
    about = {"theme_id": theme.id, "name": theme.name}
    undo.remember(workshop, "update_theme", about, undo.capture(workshop))
    theme.name, theme.color = new["name"], new["color"]
    return _done(actor, op_id, workshop, {"theme": theme.to_dict()})


def delete_theme(actor: Actor, op_id: str, theme_id: object) -> dict:
    """Delete a theme; its items go back to unsorted, in their order."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _board(actor)
    theme = _theme(workshop, theme_id)
    items = container(workshop, theme.id)
    undo.remember(workshop, "delete_theme", {"name": theme.name}, undo.capture(workshop, items))
    for item in items:
        place(workshop, item, None, None)
    db.session.delete(theme)
    db.session.flush()
    renumber_themes(themes_of(workshop))
    return _done(actor, op_id, workshop, {})


def order_themes(actor: Actor, op_id: str, theme_ids: object) -> dict:
    """Put the themes in the given order (all of them, each once)."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _board(actor)
    themes = {t.id: t for t in themes_of(workshop)}
    if not isinstance(theme_ids, list) or sorted(theme_ids, key=str) != sorted(themes, key=str):
        raise Invalid(_("The board changed meanwhile. Please try again."), field="theme_ids")
    undo.remember(workshop, "order_themes", {}, undo.capture(workshop))
    renumber_themes([themes[i] for i in theme_ids])
    return _done(actor, op_id, workshop, {})


def move_item(actor: Actor, op_id: str, item_id: object, theme_id: object, index: object) -> dict:
    """Move an item into a theme (or back to unsorted) at a place in its order.

    The workshop row is locked first, so two people moving at once are applied one
    after the other and every screen ends on the same board.
    """
    if stored := replay(actor, op_id):
        return stored
    # Counted before the workshop's row is locked: counting may let another greenlet run, and on
    # SQLite a lock held across that turn makes the next writer fail ("database is locked").
    budgets.contribute(actor, budgets.REACTION)  # a participant's; the facilitator has no budget
    workshop = _board(actor, action="cluster")
    if index is not None and (type(index) is not int or index < 0):
        raise Invalid(_("The request was not understood."), field="index")
    item = _items(workshop, [item_id])[0]
    if not actor.is_staff and not views.publicly_visible(workshop, item):  # hidden from the room
        raise NotFound(_("This item does not exist (any more)."))
    target = _theme(workshop, theme_id).id if theme_id is not None else None
    if actor.is_staff:  # the facilitator's undo never takes back a participant's move
        undo.remember(workshop, "move_item", {"item_id": item.id}, undo.capture(workshop, [item]))
    place(workshop, item, target, index)
    return _done(actor, op_id, workshop, {})


def merge_items(actor: Actor, op_id: str, target_id: object, item_ids: object) -> dict:
    """Merge duplicates into one item: comments and +1s move to it, the others become its history."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _board(actor)
    if not isinstance(item_ids, list) or not item_ids or target_id in item_ids:
        raise Invalid(_("Choose the item to keep and at least one other."), field="item_ids")
    target = _items(workshop, [target_id])[0]
    others = _items(workshop, item_ids)
    if any(i.state == ItemState.HIDDEN for i in (target, *others)):
        # A merged item is no longer hidden, only history: its text would come back in the rounds
        # it was a choice of, and under the item it joins once that one is shown (KEPT).
        raise Invalid(
            _("A hidden item cannot be merged: show it first, or leave it hidden."), field="item_ids"
        )
    before = undo.capture(workshop, others)
    kept = set(db.session.scalars(sa.select(Reaction.participant_id).where(Reaction.item_id == target.id)))
    folded = [_fold(workshop, target, other, kept) for other in others]
    before["merge"] = {"target": target.id, "items": folded}
    db.session.flush()
    undo.remember(workshop, "merge_items", {"item_id": target.id, "count": len(others)}, before)
    return _done(actor, op_id, workshop, {"item_id": target.id}, resync=True)


def _fold(workshop: Workshop, target: Item, other: Item, kept: set[int]) -> dict:
    """Fold one duplicate into the item kept; returns what moved, for the undo (services/undo.py).

    Its +1s move to the item kept, but one person's +1 on both counts once: the second is dropped.
    """
    folded = {"id": other.id, "state": other.state, "reactions": [], "dropped": []}
    folded["comments"] = list(db.session.scalars(sa.select(Comment.id).where(Comment.item_id == other.id)))
    place(workshop, other, None, None)
    other.theme_id = None
    other.state = ItemState.MERGED
    other.merged_into_id = target.id
    leave_spotlight(workshop, other)
    db.session.execute(sa.update(Comment).where(Comment.item_id == other.id).values(item_id=target.id))
    for reaction in db.session.scalars(sa.select(Reaction).where(Reaction.item_id == other.id)):
        if reaction.participant_id in kept:
            folded["dropped"].append(reaction.participant_id)
            db.session.delete(reaction)
        else:
            kept.add(reaction.participant_id)
            folded["reactions"].append(reaction.id)
            reaction.item_id = target.id
    return folded


def suggest(actor: Actor) -> list[dict]:
    """Proposed themes for the unsorted items, by the similarity of their text (nothing is written)."""
    # Imported when asked for: it loads scikit-learn (about a second, tens of MB), which
    # only this command needs.
    from app.workshops.suggest import suggest_themes
    from app.workshops.suggest_lexicon import TOPIC_LABELS

    workshop = _board(actor, lock=False)
    unsorted = [(item.id, item.text) for item in container(workshop, None)]
    return [
        s.to_dict()
        | {
            "name": s.name[:80],
            "topics": [{"key": t, "label": str(TOPIC_LABELS.get(t, t))} for t in s.topics],
        }
        for s in suggest_themes(unsorted)
    ]


# --- helpers ----------------------------------------------------------------------


def _board(actor: Actor, *, action: str | None = None, lock: bool = True) -> Workshop:
    """The open workshop, locked for this change (its version is taken first)."""
    workshop = open_workshop(actor)
    if not actor.is_staff:
        if action is None or not workshop.participants_cluster:
            raise Forbidden()
        phases.require(workshop, action)
    if lock:
        bump(workshop)
    return workshop


def _theme(workshop: Workshop, theme_id: object) -> Theme:
    theme = fetch(Theme, theme_id, workshop.id)
    if theme is None:
        raise NotFound(_("This theme does not exist (any more)."), field="theme_id")
    return theme


def _items(workshop: Workshop, item_ids: object) -> list[Item]:
    if not isinstance(item_ids, list | tuple) or not all(is_id(i) for i in item_ids):
        raise Invalid(_("The request was not understood."), field="item_ids")
    items = []
    for item_id in dict.fromkeys(item_ids):
        item = fetch(Item, item_id, workshop.id)
        if item is None or item.state not in (ItemState.LIVE, ItemState.HIDDEN):
            raise NotFound(_("This item does not exist (any more)."))
        items.append(item)
    return items


def _color(color: str | None, n: int) -> str:
    if not color:
        return PALETTE[n % len(PALETTE)]
    if not isinstance(color, str) or not COLOR.match(color):
        raise Invalid(_("Choose a colour like #1d4ed8."), field="color")
    return color.lower()


def _done(actor: Actor, op_id: str, workshop: Workshop, extra: dict, *, resync: bool = False) -> dict:
    ack = {"ok": True, "v": workshop.version, **extra}
    messages = views.workshop_messages(workshop, resync=True) if resync else views.board_messages(workshop)
    return finish(actor, op_id, ack, messages)
