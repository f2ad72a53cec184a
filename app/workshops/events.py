"""Socket.IO events of a workshop. Thin adapters: form, one service call, the ack.

The room a connection joins comes from the server-side session (the participant
cookie or the facilitator's login); the payload only says which workshop screen
this is, and is checked against that session.
"""

from __future__ import annotations

import logging

from flask import g, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit

from app import language, outages, realtime
from app.auth import connections
from app.auth.actor import PARTICIPANT, SCREEN, STAFF, Actor
from app.errors import Invalid, NotFound, RateLimited
from app.extensions import socketio
from app.forms import from_payload
from app.models import Participant
from app.realtime import attendance
from app.workshops import services, views
from app.workshops.forms import EditItemForm, ItemForm
from app.workshops.services.workshops import can_run

NS = realtime.NS
log = logging.getLogger(__name__)


@socketio.on("connect", namespace=NS)
def connect(auth=None) -> None:
    """Any screen connects (again): it joins its rooms and receives a snapshot."""
    account = _account_claimed() if isinstance(auth, dict) and auth.get("view") in (STAFF, SCREEN) else None
    if account:
        connections.watch(request.sid, account[0])  # before the session is checked: see connections
    try:
        # A phone's participant, read to admit it, stays referenced so that its snapshot finds
        # it in the session (whose identity map holds rows weakly): a read less per connect.
        actor, _participant = _actor_from_session(auth)
        # Its commands answer in the language of its page: its reader's on a phone (app/language.py).
        attendance.attach(request.sid, actor, str(get_locale()))
        snapshot = views.snapshot(actor)
    except ConnectionRefusedError:
        connections.forget(request.sid)
        raise
    except RateLimited:  # connecting again and again: the person's budget (app/budgets.py)
        connections.forget(request.sid)
        raise ConnectionRefusedError("unavailable") from None
    except Exception as exc:  # the database away (or a bug): refused, and the screen tries again
        attendance.detach(request.sid)
        connections.forget(request.sid)
        if not outages.failed(exc, "connects"):
            log.exception("connecting a screen failed")
        raise ConnectionRefusedError("unavailable") from None
    finally:
        outages.discard_session()
    if account and actor.user_id:
        connections.admit(request.sid, *account)
    # To this connection only, not through the message queue: no other process has it, and
    # publishing would let another greenlet run before the connection counts as connected.
    emit("snapshot", snapshot, ignore_queue=True)


def _account_claimed() -> tuple[int, int] | None:
    """The account and session version the session claims ("id:version", User.get_id), unchecked."""
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    return (int(user_id), int(version)) if user_id.isdigit() and version.isdigit() else None


@socketio.on("disconnect", namespace=NS)
def disconnect(reason=None) -> None:
    attendance.detach(request.sid)
    connections.forget(request.sid)


def _actor_from_session(auth) -> tuple[Actor, Participant | None]:
    if not isinstance(auth, dict) or type(auth.get("workshop")) is not int:
        raise ConnectionRefusedError("unauthorized")
    workshop_id, view = auth["workshop"], auth.get("view")
    if view in (STAFF, SCREEN):
        try:
            workshop = services.workshop_for_staff(current_user, workshop_id)
        except NotFound:
            raise ConnectionRefusedError("unauthorized") from None
        if can_run(current_user, workshop):
            if view == SCREEN:  # the projector speaks the workshop's language, its toasts too
                g.language = workshop.language
            version = current_user.session_version
            return Actor(workshop_id, view, user_id=current_user.id, session_version=version), None
    if view == PARTICIPANT:
        pid = session.get("pt", {}).get(str(workshop_id))
        if participant := services.participant_in(workshop_id, pid):
            language.fall_back_to(participant.workshop.language)
            return Actor(workshop_id, PARTICIPANT, participant_id=pid), participant
    raise ConnectionRefusedError("unauthorized")


@realtime.command("get_snapshot", PARTICIPANT, STAFF, SCREEN, kind=realtime.SNAPSHOT)
def get_snapshot(actor: Actor, data: dict, op_id: None) -> dict:
    """Any screen, after a version gap: the ack is the whole workshop as it may see it."""
    return {"ok": True, "snapshot": views.snapshot(actor)}


@realtime.command("propose_item", PARTICIPANT)
def propose_item(actor: Actor, data: dict, op_id: str) -> dict:
    """A participant proposes an idea or a market; broadcasts item_changed."""
    form = from_payload(ItemForm, data)
    return services.propose_item(
        actor, op_id, kind=form.kind.data, text=form.text.data, country=form.country.data or None
    )


@realtime.command("edit_item", PARTICIPANT, STAFF)
def edit_item(actor: Actor, data: dict, op_id: str) -> dict:
    """The author (while submissions are open) or the facilitator edits an item; broadcasts item_changed."""
    form = from_payload(EditItemForm, data)
    return services.edit_item(
        actor, op_id, data.get("item_id"), text=form.text.data, country=form.country.data or None
    )


@realtime.command("withdraw_item", PARTICIPANT)
def withdraw_item(actor: Actor, data: dict, op_id: str) -> dict:
    """The author withdraws their item; broadcasts item_removed."""
    return services.withdraw_item(actor, op_id, data.get("item_id"))


@realtime.command("hide_item", STAFF)
def hide_item(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator hides or shows an item; item_removed to the room, item_changed to staff."""
    return services.set_item_hidden(actor, op_id, data.get("item_id"), data.get("hidden"))


@realtime.command("set_submissions", STAFF)
def set_submissions(actor: Actor, data: dict, op_id: str) -> dict:
    """The facilitator locks or unlocks submissions; broadcasts workshop_changed."""
    return services.set_submissions_open(actor, op_id, _flag(data, "open"))


@realtime.command("set_private", STAFF, SCREEN)
def set_private(actor: Actor, data: dict, op_id: str) -> dict:
    """Private ideation on, or off (reveal all; the projector's R key too); staff get
    workshop_changed, the room a resync."""
    return services.set_private_ideation(actor, op_id, _flag(data, "private"))


def _flag(data: dict, name: str) -> bool:
    if type(data.get(name)) is not bool:
        raise Invalid(_("The request was not understood."), field=name)
    return data[name]
