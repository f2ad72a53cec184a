"""Items: proposing, editing, withdrawing, and the facilitator's moderation."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import budgets
from app.auth.actor import Actor
from app.core import phases
from app.core.changes import bump, fetch, finish, open_workshop, replay, unchanged
from app.core.countries import is_country
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import Item, ItemKind, ItemState, Workshop
from app.voting import moderation
from app.workshops import views


def propose_item(actor: Actor, op_id: str, *, kind: str, text: str, country: str | None) -> dict:
    """A participant's new strategy idea or target market: stored, acknowledged, then shown to the room."""
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    phases.require(workshop, "propose")
    _check_content(kind, text, country)
    budgets.contribute(actor)
    item = Item(
        workshop_id=workshop.id,
        participant_id=actor.participant_id,
        kind=kind,
        text=text,
        country=country if kind == ItemKind.MARKET else None,
        position=_end_of_unsorted(workshop),
    )
    db.session.add(item)
    return _commit(actor, op_id, workshop, item, beat=True)


def _end_of_unsorted(workshop: Workshop) -> int:
    """A new item goes last among the unsorted ones, after any the board has already arranged."""
    last = db.session.scalar(
        sa.select(sa.func.max(Item.position)).where(
            Item.workshop_id == workshop.id, Item.theme_id.is_(None), Item.state.in_(views.ON_BOARD)
        )
    )
    return 0 if last is None else last + 1


def edit_item(actor: Actor, op_id: str, item_id: object, *, text: str, country: str | None) -> dict:
    """Change an item's text (and country): its author while submissions are open, or the facilitator."""
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    item = _item_for(actor, item_id, own=True)
    if not actor.is_staff:
        phases.require(workshop, "edit_own")
    _check_content(item.kind, text, country)
    budgets.contribute(actor)
    item.text = text
    if item.kind == ItemKind.MARKET:
        item.country = country
    return _commit(actor, op_id, workshop, item)


def withdraw_item(actor: Actor, op_id: str, item_id: object) -> dict:
    """The author takes their own item back while submissions are open."""
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    item = _item_for(actor, item_id, own=True)
    if actor.is_staff:
        raise Forbidden(_("Hide the item instead: only its author can withdraw it."))
    phases.require(workshop, "edit_own")
    item.state = ItemState.WITHDRAWN
    return _commit(actor, op_id, workshop, item, moderated=True)


def set_item_hidden(actor: Actor, op_id: str, item_id: object, hidden: object) -> dict:
    """The facilitator hides an item from every screen at once, or shows it again."""
    if stored := replay(actor, op_id):
        return stored
    if type(hidden) is not bool:
        raise Invalid(_("The request was not understood."), field="hidden")
    workshop = open_workshop(actor)
    item = _item_for(actor, item_id, own=False)
    state = ItemState.HIDDEN if hidden else ItemState.LIVE
    if item.state == state:  # hidden twice: its rounds and the spotlight already follow it
        ack = {"ok": True, "v": workshop.version, "item": views.item_view(workshop, item)}
        return unchanged(actor, op_id, ack)
    item.state = state
    return _commit(actor, op_id, workshop, item, moderated=True)


def _commit(
    actor: Actor, op_id: str, workshop: Workshop, item: Item, *, moderated: bool = False, beat: bool = False
) -> dict:
    """Commit an item's change; hidden, withdrawn or shown again, it reaches the spotlight and the rounds.

    beat: a new item, shown with the others of its beat (realtime.on_beat).
    """
    spotlit = moderated and leave_spotlight(workshop, item)
    bump(workshop)  # first: the rounds' ballots are rewritten under the workshop's lock
    mine = item.participant_id is not None and item.participant_id == actor.participant_id
    ack = {"ok": True, "v": workshop.version, "item": views.item_view(workshop, item, mine=mine)}
    messages = views.item_messages(workshop, item)
    if spotlit:
        messages += views.workshop_messages(workshop)
    reach = moderation.follow(workshop, item) if moderated else moderation.Reach()
    ack = finish(actor, op_id, ack, messages + reach.messages, beat=beat)
    reach.touch()
    return ack


def leave_spotlight(workshop: Workshop, item: Item) -> bool:
    """An item that leaves the room leaves the projector's spotlight too, for good (KEPT)."""
    if item.state == ItemState.LIVE or item.id is None or workshop.spotlight_item_id != item.id:
        return False
    workshop.spotlight_item_id = None
    return True


def _item_for(actor: Actor, item_id: object, *, own: bool) -> Item:
    """An item of the actor's workshop; another workshop's ids behave as ids that do not exist."""
    item = fetch(Item, item_id, actor.workshop_id)
    if item is None or item.state not in (ItemState.LIVE, ItemState.HIDDEN):
        raise NotFound(_("This item does not exist (any more)."))
    if not actor.is_staff and (not own or item.participant_id != actor.participant_id):
        raise Forbidden(_("You can only change your own items."))
    if not actor.is_staff and item.state == ItemState.HIDDEN:
        raise NotFound(_("This item does not exist (any more)."))
    return item


def _check_content(kind: str, text: str, country: str | None) -> None:
    if kind == ItemKind.MARKET and not is_country(country):
        raise Invalid(_("Please choose a country from the list."), field="country")
    if not text:
        raise Invalid(_("Please write something first."), field="text")
