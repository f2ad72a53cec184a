"""Discussion: comments one level deep, and a +1 per participant and item."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import budgets
from app.auth.actor import Actor
from app.core import phases
from app.core.changes import bump, fetch, finish, open_workshop, replay, unchanged
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Comment, Item, ItemState, Reaction, Workshop
from app.workshops import views


def add_comment(actor: Actor, op_id: str, item_id: object, text: str, parent_id: object = None) -> dict:
    """Comment on an item, or reply to a comment; a reply to a reply joins its thread."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _workshop(actor, "comment")
    item = _visible_item(actor, workshop, item_id)
    parent = None
    if parent_id is not None:
        parent = fetch(Comment, parent_id, workshop.id)
        if parent is None or parent.item_id != item.id or parent.hidden:
            raise NotFound(_("This comment does not exist (any more)."), field="parent_id")
        parent = db.session.get(Comment, parent.parent_id) if parent.parent_id else parent
    budgets.contribute(actor)
    comment = Comment(
        workshop_id=workshop.id,
        item_id=item.id,
        parent_id=parent.id if parent else None,
        participant_id=actor.participant_id,
        user_id=None if actor.participant_id else actor.user_id,
        text=text,
    )
    db.session.add(comment)
    bump(workshop)
    ack = {"ok": True, "v": workshop.version, "comment": views.comment_view(workshop, comment, mine=True)}
    return finish(actor, op_id, ack, views.comment_messages(workshop, comment), beat=True)


def hide_comment(actor: Actor, op_id: str, comment_id: object, hidden: object) -> dict:
    """The facilitator hides a comment from every screen, or shows it again."""
    if stored := replay(actor, op_id):
        return stored
    if type(hidden) is not bool:
        raise Invalid(_("The request was not understood."), field="hidden")
    workshop = _workshop(actor, None)
    comment = fetch(Comment, comment_id, workshop.id)
    if comment is None:
        raise NotFound(_("This comment does not exist (any more)."))
    if comment.hidden == hidden:
        ack = {"ok": True, "v": workshop.version, "comment": views.comment_view(workshop, comment)}
        return unchanged(actor, op_id, ack)
    comment.hidden = hidden
    bump(workshop)
    ack = {"ok": True, "v": workshop.version, "comment": views.comment_view(workshop, comment)}
    return finish(actor, op_id, ack, views.comment_messages(workshop, comment))


def toggle_reaction(actor: Actor, op_id: str, item_id: object) -> dict:
    """A participant's +1 on an item, or taking it back."""
    if stored := replay(actor, op_id):
        return stored
    workshop = _workshop(actor, "react")
    item = _visible_item(actor, workshop, item_id)
    budgets.contribute(actor, budgets.REACTION)
    existing = db.session.scalar(
        sa.select(Reaction).where(
            Reaction.item_id == item.id, Reaction.participant_id == actor.participant_id
        )
    )
    if existing:
        db.session.delete(existing)
    else:
        db.session.add(Reaction(item_id=item.id, participant_id=actor.participant_id))
    bump(workshop)
    count = db.session.scalar(sa.select(sa.func.count()).where(Reaction.item_id == item.id))
    mine = existing is None
    ack = {"ok": True, "v": workshop.version, "item_id": item.id, "count": count, "mine": mine}
    messages = views.reaction_messages(workshop, item.id, count, actor, mine)
    return finish(actor, op_id, ack, messages, beat=True)


def _workshop(actor: Actor, action: str | None) -> Workshop:
    workshop = open_workshop(actor)
    if action and not actor.is_staff:
        phases.require(workshop, action)
    return workshop


def _visible_item(actor: Actor, workshop: Workshop, item_id: object) -> Item:
    item = fetch(Item, item_id, workshop.id)
    if item is None or item.state not in (ItemState.LIVE, ItemState.HIDDEN):
        raise NotFound(_("This item does not exist (any more)."))
    mine = item.participant_id is not None and item.participant_id == actor.participant_id
    if not actor.is_staff and not (
        views.publicly_visible(workshop, item) or (mine and item.state == ItemState.LIVE)
    ):
        raise NotFound(_("This item does not exist (any more)."))
    return item
