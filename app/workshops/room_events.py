"""Socket.IO events for running the room: phases, countdown, spotlight, discussion, clustering.

Thin adapters like events.py: form, one service call, the ack. The projector page
("screen") belongs to the facilitator and may send the same commands as the cockpit:
its keyboard shortcuts drive the room.
"""

from __future__ import annotations

from app import realtime
from app.auth.actor import PARTICIPANT, SCREEN, STAFF, Actor
from app.forms import from_payload
from app.workshops.forms import CommentForm, RenameThemeForm, ThemeForm
from app.workshops.services import discussion, room, themes, undo

NS = realtime.NS
RUNNERS = (STAFF, SCREEN)


@realtime.command("set_phase", *RUNNERS)
def set_phase(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator moves the room to a phase; broadcasts workshop_changed."""
    return room.set_phase(actor, op_id, data.get("phase"))


@realtime.command("timer", *RUNNERS)
def timer(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator sets, starts, pauses, extends or clears the countdown; broadcasts workshop_changed."""
    return room.timer(actor, op_id, data.get("action"), data.get("seconds"), data.get("lock_at_zero"))


@realtime.command("spotlight", *RUNNERS)
def spotlight(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator shows one item large on the projector (item_id null: none); workshop_changed."""
    return room.spotlight(actor, op_id, data.get("item_id"))


@realtime.command("add_comment", PARTICIPANT, STAFF)
def add_comment(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant or the facilitator comments on an item or replies; broadcasts comment_changed."""
    form = from_payload(CommentForm, data)
    return discussion.add_comment(actor, op_id, data.get("item_id"), form.text.data, data.get("parent_id"))


@realtime.command("hide_comment", STAFF)
def hide_comment(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator hides or shows a comment; comment_removed to the room, comment_changed to staff."""
    return discussion.hide_comment(actor, op_id, data.get("comment_id"), data.get("hidden"))


@realtime.command("toggle_reaction", PARTICIPANT)
def toggle_reaction(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant gives or takes back their +1 on an item; broadcasts reaction_changed."""
    return discussion.toggle_reaction(actor, op_id, data.get("item_id"))


@realtime.command("create_theme", STAFF)
def create_theme(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator adds a theme (with items, when accepting a suggestion); board_changed."""
    form = from_payload(ThemeForm, data)
    return themes.create_theme(actor, op_id, form.name.data, form.color.data, data.get("item_ids", []))


@realtime.command("update_theme", STAFF)
def update_theme(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator renames or recolours a theme; board_changed."""
    form = from_payload(RenameThemeForm, data)
    return themes.update_theme(actor, op_id, data.get("theme_id"), form.name.data, form.color.data)


@realtime.command("delete_theme", STAFF)
def delete_theme(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator deletes a theme; its items go back to unsorted; board_changed."""
    return themes.delete_theme(actor, op_id, data.get("theme_id"))


@realtime.command("order_themes", STAFF)
def order_themes(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator reorders the themes; board_changed."""
    return themes.order_themes(actor, op_id, data.get("theme_ids"))


@realtime.command("move_item", PARTICIPANT, STAFF)
def move_item(actor: Actor, data: dict, op_id: str) -> dict:
    """Move an item into a theme (null: unsorted) at an index; participants only when the
    workshop lets them cluster, in the cluster phase; board_changed."""
    return themes.move_item(actor, op_id, data.get("item_id"), data.get("theme_id"), data.get("index"))


@realtime.command("merge_items", STAFF)
def merge_items(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator merges duplicates into one item; everyone resyncs."""
    return themes.merge_items(actor, op_id, data.get("target_id"), data.get("item_ids"))


@realtime.command("undo_board", STAFF)
def undo_board(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator undoes the board's last change (the one its button named); broadcasts
    board_changed, or resync for a merge."""
    return undo.undo_board(actor, op_id, data.get("change_id"))


@realtime.command("suggest_themes", STAFF)
def suggest_themes(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator asks for proposed themes for the unsorted items; the ack holds them."""
    return {"ok": True, "suggestions": themes.suggest(actor)}
