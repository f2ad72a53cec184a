"""The cockpit over Socket.IO: the countdown's duration kept per phase, and undoing the board's
last change on every screen at once."""

from __future__ import annotations

import pytest

from tests.conftest import NS, events, make_user, make_workshop, op, phone, staff_socket

pytestmark = pytest.mark.usefixtures("fast_passwords")


def ok(sock, event: str, **payload) -> dict:
    ack = sock.emit(event, {"op_id": op(), **payload}, namespace=NS, callback=True)
    assert ack["ok"], (event, payload, ack)
    return ack


def kept(ack: dict) -> int | None:
    """The duration the room's current phase starts its countdown from."""
    workshop = ack["workshop"]
    return workshop["timer_durations"].get(workshop["phase"])


def test_each_phase_keeps_the_last_duration_set_in_it(app):
    user = make_user()
    workshop = make_workshop(user, phase="propose")
    cockpit = staff_socket(app, workshop, user)
    ada = phone(app, workshop)
    ok(cockpit, "timer", action="set", seconds=300)
    ok(cockpit, "timer", action="set", seconds=420)  # the last one counts
    assert kept(ok(cockpit, "set_phase", phase="discuss")) is None  # never timed
    ok(cockpit, "timer", action="set", seconds=120)
    back = ok(cockpit, "set_phase", phase="propose")
    assert (back["workshop"]["timer"]["state"], kept(back)) == ("idle", 420)  # stopped, remembered
    assert kept(events(ada, "workshop_changed")[-1]) == 420
    ok(cockpit, "timer", action="extend", seconds=60)  # not a duration set
    later = staff_socket(app, workshop, user)  # another screen, or the cockpit reloaded
    snapshot = next(e for e in later.get_received(NS) if e["name"] == "snapshot")["args"][0]
    assert kept(snapshot) == 420
    assert kept(ok(cockpit, "set_phase", phase="discuss")) == 120
