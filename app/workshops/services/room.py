"""Running the room: phases, the countdown and the spotlight."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from app.auth.actor import Actor
from app.core.changes import fetch
from app.errors import Invalid, NotFound
from app.models import Item, ItemState, Phase, Workshop, utcnow
from app.workshops.services import teams
from app.workshops.services.workshops import change_room

MAX_TIMER_S = 4 * 3600


def set_phase(actor: Actor, op_id: str, phase: object) -> dict:
    """Move the room to a phase it runs (forward, back or skipping); the countdown stops. To the
    phase it is in: nothing changes. Entering Teams makes the default teams if none were chosen;
    the move to closed gives the teams' members their mutual contacts."""
    before: list[str] = []

    def change(workshop: Workshop) -> None:
        if phase not in workshop.phases:
            raise Invalid(_("This workshop does not run that phase."), field="phase")
        if phase == workshop.phase:  # a second click, or one queued offline: the countdown runs on
            return
        before.append(workshop.phase)
        workshop.phase = phase
        _clear_timer(workshop)
        workshop.spotlight_item_id = None
        if phase == Phase.TEAMS:
            teams.prepare(workshop)

    return change_room(actor, op_id, change, more=lambda w: teams.phase_messages(w, before[0]))


def set_phases(workshop: Workshop, phases: list[str]) -> None:
    """Choose the phases a workshop runs (in their fixed order); lobby and closed always stay."""
    chosen = {Phase.LOBBY, Phase.CLOSED, *phases}
    workshop.phases = [p.value for p in Phase if p in chosen]
    if workshop.phase not in workshop.phases:
        workshop.phase = Phase.LOBBY


def timer(
    actor: Actor, op_id: str, action: object, seconds: object = None, lock_at_zero: object = None
) -> dict:
    """The facilitator sets, starts, pauses, extends or clears the countdown."""
    if lock_at_zero is not None and type(lock_at_zero) is not bool:
        raise Invalid(_("The request was not understood."), field="lock_at_zero")
    actions = {"set": _set, "start": _start, "pause": _pause, "extend": _extend, "clear": _clear_timer}
    if not isinstance(action, str) or action not in actions:  # a list or object would not hash
        raise Invalid(_("The request was not understood."), field="action")
    if action in ("set", "extend") and (type(seconds) is not int or not 0 < seconds <= MAX_TIMER_S):
        raise Invalid(_("Choose between 1 second and 4 hours."), field="seconds")

    def change(workshop: Workshop) -> None:
        if action in ("set", "extend"):
            actions[action](workshop, seconds)
        else:
            actions[action](workshop)
        if lock_at_zero is not None:
            workshop.timer_lock_at_zero = lock_at_zero

    return change_room(actor, op_id, change)


def _set(workshop: Workshop, seconds: int) -> None:
    # Kept per phase (a new dict: the JSON column sees only a new value): the next time the room
    # is in this phase, its countdown starts from the same duration (`timer_durations`).
    workshop.timer_durations = {**(workshop.timer_durations or {}), workshop.phase: seconds}
    workshop.timer_duration_s = seconds
    workshop.timer_remaining_s = float(seconds)
    workshop.timer_ends_at = None


def _start(workshop: Workshop) -> None:
    if workshop.timer_ends_at is None and workshop.timer_remaining_s > 0:
        workshop.timer_ends_at = utcnow() + timedelta(seconds=workshop.timer_remaining_s)


def _pause(workshop: Workshop) -> None:
    if workshop.timer_ends_at is not None:
        workshop.timer_remaining_s = workshop.timer_left()
        workshop.timer_ends_at = None


def _extend(workshop: Workshop, seconds: int) -> None:
    workshop.timer_duration_s = min(MAX_TIMER_S, workshop.timer_duration_s + seconds)
    if workshop.timer_ends_at is not None:
        now = utcnow()
        ends_at = max(workshop.timer_ends_at, now) + timedelta(seconds=seconds)
        workshop.timer_ends_at = min(ends_at, now + timedelta(seconds=MAX_TIMER_S))  # as when paused
    else:
        workshop.timer_remaining_s = min(MAX_TIMER_S, workshop.timer_remaining_s + seconds)


def _clear_timer(workshop: Workshop) -> None:
    workshop.timer_duration_s = 0
    workshop.timer_remaining_s = 0.0
    workshop.timer_ends_at = None


def spotlight(actor: Actor, op_id: str, item_id: object) -> dict:
    """Show one item large on the projector, or none."""

    def change(workshop: Workshop) -> None:
        if item_id is not None:
            item = fetch(Item, item_id, workshop.id)
            if item is None or item.state != ItemState.LIVE:
                raise NotFound(_("This item does not exist (any more)."))
        workshop.spotlight_item_id = item_id

    return change_room(actor, op_id, change)
