"""Running the room over Socket.IO: phases, the countdown, the spotlight, discussion and clustering.

Each rule is checked where a user meets it: on a socket, with the ack, what every screen
receives, and what the database holds afterwards (read through a separate connection, so
only what is committed counts).
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections import defaultdict
from contextlib import closing
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app import realtime
from app.extensions import db
from app.models import Item, Phase, Role, Theme
from app.models import workshop as models
from app.workshops.services import room as room_services
from tests import live
from tests.conftest import (
    NS,
    connect,
    events,
    join,
    login,
    make_item,
    make_theme,
    make_user,
    make_workshop,
    op,
)
from tests.conftest import received as received_raw

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHASES = [p.value for p in Phase]

# --- helpers ---------------------------------------------------------------------------


def send(sock, event: str, payload=None) -> dict:
    return sock.emit(event, payload, namespace=NS, callback=True)


def cmd(sock, event: str, **payload) -> dict:
    """A command with a fresh op id."""
    return send(sock, event, {"op_id": op(), **payload})


def ok(sock, event: str, **payload) -> dict:
    ack = cmd(sock, event, **payload)
    assert ack["ok"], (event, payload, ack)
    return ack


def received(sock) -> list[tuple[str, dict]]:
    """What the socket got since the last look, without the timer-driven presence counts."""
    return [(e["name"], e["args"][0]) for e in received_raw(sock) if e["name"] != "presence_changed"]


def drain(*socks) -> None:
    for sock in socks:
        received_raw(sock)


def snapshot(sock) -> dict:
    ack = send(sock, "get_snapshot", {})
    assert ack["ok"], ack
    return ack["snapshot"]


TABLES = {
    "workshops": "id, phase, participants_cluster, spotlight_item_id, timer_duration_s, timer_ends_at,"
    " timer_remaining_s, timer_lock_at_zero, submissions_open, version",
    "items": "id, workshop_id, text, state, theme_id, position, merged_into_id",
    "themes": "id, workshop_id, name, color, position",
    "comments": "id, item_id, parent_id, text, hidden",
    "reactions": "item_id, participant_id",
    "operations": "workshop_id, op_id",
}


def committed(app) -> dict[str, list[tuple]]:
    """Every row that matters here, as another process would read it."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        return {
            t: conn.execute(f"select {cols} from {t} order by 1, 2").fetchall() for t, cols in TABLES.items()
        }


def refused(code: str, sock, event: str, **payload) -> dict:
    ack = cmd(sock, event, **payload)
    assert ack["ok"] is False and ack.get("code") == code, (event, payload, ack)
    assert isinstance(ack["error"], str) and ack["error"]
    return ack


def assert_refused_and_unchanged(app, room, code: str, sock, event: str, **payload) -> dict:
    """Refused with `code`, nothing committed, nobody told."""
    before = committed(app)
    drain(*room.all)
    ack = refused(code, sock, event, **payload)
    assert committed(app) == before, (event, payload)
    assert [received(s) for s in room.all] == [[] for _ in room.all], (event, payload)
    return ack


class Room:
    """A workshop with the facilitator's cockpit and projector (one laptop) and phones."""

    def __init__(self, app, *, phase: str | None = None, phones=("Ada Lovelace", "Bob Builder"), **settings):
        self.app = app
        self.facilitator = make_user()
        settings.setdefault("phases", PHASES)  # every phase, Teams too (a new workshop's needs choosing)
        self.workshop = make_workshop(self.facilitator, **settings)
        self.id = self.workshop.id
        self.laptop = login(app.test_client(), self.facilitator)
        self.staff = connect(app, self.laptop, self.workshop, "staff")
        self.screen = connect(app, self.laptop, self.workshop, "screen")
        self.phones: list = []
        self.pid: dict = {}  # socket -> participant id
        self.first: dict = {}  # socket -> the snapshot it got on connecting
        self.http: dict = {}  # socket -> its HTTP client (the phone's cookie)
        for name in phones:
            self.add_phone(name)
        self.ada, self.bob = (self.phones + [None, None])[:2]
        if phase:
            self.set_phase(phase)
        drain(*self.all)

    @property
    def all(self) -> list:
        return [self.staff, self.screen, *self.phones]

    def add_phone(self, name: str):
        http = join(self.app, self.workshop, name)
        sock = connect(self.app, http, self.workshop)
        [snap] = events(sock, "snapshot")
        self.phones.append(sock)
        self.pid[sock], self.http[sock], self.first[sock] = snap["me"]["id"], http, snap
        return sock

    def set_phase(self, phase: str) -> dict:
        return ok(self.staff, "set_phase", phase=phase)

    def item(self, author=None, text: str = "An idea", **fields) -> int:
        """An item written to the database (as if proposed earlier); returns its id."""
        item = make_item(self.workshop, self.pid[author] if author else None, text, **fields)
        return item.id

    def theme(self, name: str = "Theme") -> int:
        return make_theme(self.workshop, name).id


@pytest.fixture(autouse=True)
def _no_connections_of_earlier_tests():
    """Connections are tracked per process; earlier tests' sockets were never disconnected."""
    realtime.forget_all()
    yield
    realtime.forget_all()


class Clock:
    """The server's clock, frozen and moved by hand: timer tests do not sleep."""

    def __init__(self) -> None:
        self.now = datetime(2030, 5, 17, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(models, "utcnow", clock)
    monkeypatch.setattr(room_services, "utcnow", clock)
    return clock


# --- the phase table: what participants may do when -----------------------------------

ALLOWED_IN = {
    "propose_item": {"propose"},
    "edit_item": {"propose"},
    "withdraw_item": {"propose"},
    "add_comment": {"discuss", "cluster"},
    "toggle_reaction": {"discuss", "cluster"},
    "move_item": {"cluster"},
}


def _participant_attempt(action: str, item: int, theme: int) -> dict:
    return {
        "propose_item": {"kind": "idea", "text": "A brand new idea"},
        "edit_item": {"item_id": item, "text": "Edited"},
        "withdraw_item": {"item_id": item},
        "add_comment": {"item_id": item, "text": "Good point"},
        "toggle_reaction": {"item_id": item},
        "move_item": {"item_id": item, "theme_id": theme, "index": 0},
    }[action]


def _took_effect(action: str, state: dict, item: int, theme: int, ada: int) -> bool:
    row = next(r for r in state["items"] if r[0] == item)
    return {
        "propose_item": any(r[2] == "A brand new idea" for r in state["items"]),
        "edit_item": row[2] == "Edited",
        "withdraw_item": row[3] == "withdrawn",
        "add_comment": [c[3] for c in state["comments"]] == ["Good point"],
        "toggle_reaction": state["reactions"] == [(item, ada)],
        "move_item": row[4] == theme,
    }[action]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("action", list(ALLOWED_IN))
def test_participant_actions_follow_the_phase(app, action, phase):
    room = Room(app, phase=phase, phones=("Ada Lovelace",), participants_cluster=True)
    item, theme = room.item(room.ada, "Ada's idea"), room.theme("Markets")
    before = committed(app)
    ack = cmd(room.ada, action, **_participant_attempt(action, item, theme))
    after = committed(app)
    if phase in ALLOWED_IN[action]:
        assert ack["ok"], ack
        assert _took_effect(action, after, item, theme, room.pid[room.ada])
    else:
        assert ack["ok"] is False and ack["code"] == "NotNow", ack
        if phase != "closed":
            assert ack["error"].startswith("Not now"), ack
        assert after == before
        assert [received(s) for s in room.all] == [[], [], []]


@pytest.mark.parametrize("phase", PHASES)
def test_staff_moderation_works_in_every_phase(app, phase):
    room = Room(app, phase=phase)
    mine, other = room.item(room.ada, "Ada's idea"), room.item(room.bob, "Bob's idea")
    ok(room.staff, "edit_item", item_id=mine, text="Ada's idea, tidied")
    comment = ok(room.staff, "add_comment", item_id=mine, text="From the facilitator")["comment"]
    ok(room.staff, "hide_comment", comment_id=comment["id"], hidden=True)
    ok(room.staff, "spotlight", item_id=mine)
    ok(room.staff, "timer", action="set", seconds=90)
    theme = ok(room.staff, "create_theme", name="Markets", item_ids=[mine])["theme"]["id"]
    ok(room.staff, "update_theme", theme_id=theme, color="#0f766e")
    ok(room.staff, "hide_item", item_id=other, hidden=True)
    ok(room.staff, "hide_item", item_id=other, hidden=False)
    ok(room.staff, "move_item", item_id=other, theme_id=theme, index=0)
    ok(room.staff, "merge_items", target_id=mine, item_ids=[other])
    ok(room.staff, "set_submissions", open=False)
    ok(room.staff, "delete_theme", theme_id=theme)

    state = committed(app)
    assert [r[2:5] for r in state["items"]] == [
        ("Ada's idea, tidied", "live", None),
        ("Bob's idea", "merged", None),
    ]
    assert state["themes"] == [] and state["comments"][0][3:] == ("From the facilitator", 1)
    [workshop] = state["workshops"]
    assert (workshop[1], workshop[3], workshop[4]) == (phase, mine, 90)


# --- set_phase -------------------------------------------------------------------------


def test_every_screen_follows_the_phase_and_a_late_phone_starts_in_it(app):
    room = Room(app)
    ack = ok(room.staff, "set_phase", phase="discuss")
    assert ack["workshop"]["phase"] == "discuss"
    for sock in room.all:
        assert received(sock) == [("workshop_changed", {"v": ack["v"], "workshop": ack["workshop"]})]
    late = room.add_phone("Late Lucy")
    snap = room.first[late]
    assert snap["workshop"]["phase"] == "discuss" and snap["v"] == ack["v"]
    assert snapshot(room.ada)["workshop"]["phase"] == "discuss"


def test_the_projector_may_move_the_room(app):
    room = Room(app)
    ack = ok(room.screen, "set_phase", phase="discuss")
    assert committed(app)["workshops"][0][1] == "discuss"
    assert [p["workshop"]["phase"] for n, p in received(room.ada) if n == "workshop_changed"] == ["discuss"]
    # Forward, back and skipping are all the facilitator's call.
    for phase in ("vote", "propose", "results", "lobby"):
        ack = ok(room.screen, "set_phase", phase=phase)
        assert ack["workshop"]["phase"] == phase


def test_a_phase_the_workshop_does_not_run_is_invalid(app):
    room = Room(app, phases=["lobby", "vote", "results", "closed"])
    ack = assert_refused_and_unchanged(app, room, "Invalid", room.staff, "set_phase", phase="discuss")
    assert ack["field"] == "phase"
    assert ok(room.staff, "set_phase", phase="vote")["workshop"]["phases"] == [
        "lobby",
        "vote",
        "results",
        "closed",
    ]


@pytest.mark.parametrize("phase", ["bogus", "", None, 3, True, ["vote"], {"phase": "vote"}, "VOTE"], ids=repr)
def test_odd_phases_are_invalid(app, phase):
    room = Room(app, phones=("Ada",))
    assert_refused_and_unchanged(app, room, "Invalid", room.staff, "set_phase", phase=phase)


def test_a_participant_cannot_move_the_room(app):
    room = Room(app)
    assert_refused_and_unchanged(app, room, "Forbidden", room.ada, "set_phase", phase="propose")


def test_a_new_phase_stops_the_timer_and_clears_the_spotlight(app):
    room = Room(app, phase="discuss")
    item = room.item(room.ada)
    ok(room.staff, "timer", action="set", seconds=120)
    ok(room.staff, "timer", action="start")
    ok(room.staff, "spotlight", item_id=item)
    ack = ok(room.staff, "set_phase", phase="cluster")
    assert ack["workshop"]["spotlight_item_id"] is None
    assert ack["workshop"]["timer"]["state"] == "idle" and ack["workshop"]["timer"]["remaining_ms"] == 0
    assert snapshot(room.bob)["workshop"]["timer"]["state"] == "idle"


# --- asking for what already is --------------------------------------------------------


def assert_ok_and_unchanged(app, room, sock, event: str, op_id: str | None = None, **payload) -> dict:
    """Answered ok with the room's current version; nothing committed but the op id; nobody told."""
    before = committed(app)
    drain(*room.all)
    ack = send(sock, event, {"op_id": op_id or op(), **payload})
    assert ack["ok"] is True, (event, payload, ack)
    after = committed(app)
    [version] = [row[-1] for row in before["workshops"] if row[0] == room.id]
    assert ack["v"] == version, (event, payload)
    assert len(after.pop("operations")) == len(before.pop("operations")) + 1  # a retry stays a no-op
    assert after == before, (event, payload)
    assert [received(s) for s in room.all] == [[] for _ in room.all], (event, payload)
    return ack


def test_a_phase_change_to_the_phase_the_room_is_in_changes_nothing(app):
    room = Room(app, phase="discuss")
    item = room.item(room.ada)
    ok(room.staff, "timer", action="set", seconds=300)
    ok(room.staff, "timer", action="start")
    ok(room.staff, "spotlight", item_id=item)
    # A second click on the phase bar, or a click queued offline and sent after the first one.
    ack = assert_ok_and_unchanged(app, room, room.staff, "set_phase", op_id="again-discuss", phase="discuss")
    assert ack["workshop"]["phase"] == "discuss" and ack["workshop"]["spotlight_item_id"] == item
    assert ack["workshop"]["timer"]["state"] == "running"
    assert_ok_and_unchanged(app, room, room.screen, "set_phase", phase="discuss")
    # Its retry, after the room moved on, gets the same answer and does not take the room back.
    room.set_phase("cluster")
    assert send(room.staff, "set_phase", {"op_id": "again-discuss", "phase": "discuss"}) == ack
    assert snapshot(room.ada)["workshop"]["phase"] == "cluster"


def _switches(room) -> list[tuple[str, dict]]:
    """Commands that set the room to a state; each one sent twice."""
    item = room.item(room.ada)
    comment = ok(room.ada, "add_comment", item_id=room.item(room.ada, "Other"), text="Hm")["comment"]["id"]
    return [
        ("set_submissions", {"open": False}),
        ("set_private", {"private": True}),
        ("spotlight", {"item_id": item}),
        ("timer", {"action": "set", "seconds": 60}),
        ("timer", {"action": "start"}),
        ("timer", {"action": "pause"}),
        ("timer", {"action": "clear"}),
        ("hide_item", {"item_id": item, "hidden": True}),
        ("spotlight", {"item_id": None}),
        ("hide_comment", {"comment_id": comment, "hidden": True}),
        ("hide_comment", {"comment_id": comment, "hidden": False}),
    ]


def test_a_repeated_switch_changes_nothing_the_second_time(app):
    room = Room(app, phase="discuss", phones=("Ada",))
    for event, payload in _switches(room):
        first = ok(room.staff, event, **payload)
        again = assert_ok_and_unchanged(app, room, room.staff, event, **payload)
        assert again["v"] == first["v"], (event, payload)
        assert {k: v for k, v in again.items() if k != "workshop"} == {
            k: v for k, v in first.items() if k != "workshop"
        }, (event, payload)


# --- the countdown ---------------------------------------------------------------------


def timer_of(sock) -> dict:
    return snapshot(sock)["workshop"]["timer"]


def test_the_timer_reaches_every_screen_as_a_duration(app, clock):
    room = Room(app)
    ok(room.staff, "timer", action="set", seconds=60)
    drain(*room.all)
    ack = ok(room.screen, "timer", action="start")
    running = {"state": "running", "remaining_ms": 60_000, "duration_s": 60, "lock_at_zero": False}
    assert ack["workshop"]["timer"] == running
    for sock in room.all:
        [(name, payload)] = received(sock)
        assert name == "workshop_changed" and payload["workshop"]["timer"] == running
    clock.advance(25)
    assert timer_of(room.ada)["remaining_ms"] == 35_000


def test_the_timer_survives_a_reconnect(app, clock):
    room = Room(app)
    ok(room.staff, "timer", action="set", seconds=60)
    ok(room.staff, "timer", action="start")
    room.ada.disconnect(NS)
    clock.advance(12.5)  # the phone slept
    again = connect(app, room.http[room.ada], room.workshop)
    [snap] = events(again, "snapshot")
    assert snap["workshop"]["timer"] == {
        "state": "running",
        "remaining_ms": 47_500,
        "duration_s": 60,
        "lock_at_zero": False,
    }
    clock.advance(50)
    assert timer_of(again) == {"state": "expired", "remaining_ms": 0, "duration_s": 60, "lock_at_zero": False}


def test_the_timer_after_a_reconnect_on_the_real_clock(app):
    room = Room(app)
    ok(room.staff, "timer", action="set", seconds=60)
    started = time.monotonic()
    ok(room.staff, "timer", action="start")
    room.ada.disconnect(NS)
    time.sleep(0.05)
    again = connect(app, room.http[room.ada], room.workshop)
    [snap] = events(again, "snapshot")
    elapsed_ms = (time.monotonic() - started) * 1000
    remaining = snap["workshop"]["timer"]["remaining_ms"]
    assert 60_000 - elapsed_ms - 5 <= remaining <= 60_000 - 50
    assert snap["workshop"]["timer"]["state"] == "running"


def test_pause_holds_the_time_and_extend_adds_to_it(app, clock):
    room = Room(app)
    ok(room.staff, "timer", action="set", seconds=60)
    ok(room.staff, "timer", action="start")
    clock.advance(10)
    paused = ok(room.staff, "timer", action="pause")["workshop"]["timer"]
    assert (paused["state"], paused["remaining_ms"]) == ("paused", 50_000)
    clock.advance(300)
    assert timer_of(room.ada) == paused
    ok(room.staff, "timer", action="pause")  # pausing twice changes nothing
    assert timer_of(room.ada)["remaining_ms"] == 50_000

    extended = ok(room.staff, "timer", action="extend", seconds=30)["workshop"]["timer"]
    assert (extended["remaining_ms"], extended["duration_s"]) == (80_000, 90)
    ok(room.staff, "timer", action="start")
    clock.advance(5)
    assert timer_of(room.bob)["remaining_ms"] == 75_000
    ok(room.staff, "timer", action="extend", seconds=60)  # while running
    assert timer_of(room.bob) == {
        "state": "running",
        "remaining_ms": 135_000,
        "duration_s": 150,
        "lock_at_zero": False,
    }

    clock.advance(200)  # run out, then extend: the new time counts from now
    assert timer_of(room.bob)["state"] == "expired"
    ok(room.staff, "timer", action="extend", seconds=20)
    assert timer_of(room.bob)["remaining_ms"] == 20_000
    cleared = ok(room.staff, "timer", action="clear")["workshop"]["timer"]
    assert cleared == {"state": "idle", "remaining_ms": 0, "duration_s": 0, "lock_at_zero": False}


def _expired_countdown(room, clock, *, lock: bool) -> None:
    ok(room.staff, "timer", action="set", seconds=30, lock_at_zero=lock)
    ok(room.staff, "timer", action="start")
    clock.advance(31)


def test_lock_at_zero_refuses_proposals_once_time_is_up(app, clock):
    """Pending the propose-phase enforcement in propose_item (phases.require)."""
    room = Room(app, phase="propose")
    ok(room.staff, "timer", action="set", seconds=30, lock_at_zero=True)
    ok(room.staff, "timer", action="start")
    clock.advance(29)
    ok(room.ada, "propose_item", kind="idea", text="Just in time")
    clock.advance(2)
    ack = assert_refused_and_unchanged(
        app, room, "NotNow", room.ada, "propose_item", kind="idea", text="Too late"
    )
    assert "Time is up" in ack["error"]


def test_without_lock_proposals_go_on_after_zero(app, clock):
    room = Room(app, phase="propose")
    _expired_countdown(room, clock, lock=False)
    assert timer_of(room.ada)["state"] == "expired"
    ok(room.ada, "propose_item", kind="idea", text="Still welcome")


def test_lock_at_zero_stops_comments_and_moves_but_not_the_facilitator(app, clock):
    room = Room(app, phase="cluster", participants_cluster=True)
    item, theme = room.item(room.bob), room.theme()
    _expired_countdown(room, clock, lock=True)
    assert timer_of(room.ada)["lock_at_zero"] is True
    for event, payload in (
        ("add_comment", {"item_id": item, "text": "Too late"}),
        ("move_item", {"item_id": item, "theme_id": theme, "index": 0}),
    ):
        ack = assert_refused_and_unchanged(app, room, "NotNow", room.ada, event, **payload)
        assert "Time is up" in ack["error"]
    ok(room.ada, "toggle_reaction", item_id=item)  # a +1 is not a timed action
    ok(room.staff, "add_comment", item_id=item, text="Facilitator's summary")
    ok(room.staff, "move_item", item_id=item, theme_id=theme, index=0)
    # More time reopens the room.
    ok(room.staff, "timer", action="extend", seconds=60)
    ok(room.ada, "add_comment", item_id=item, text="Thanks for the extra minute")


BAD_TIMERS = {
    "seconds true": {"action": "set", "seconds": True},
    "seconds float": {"action": "set", "seconds": 1.5},
    "seconds negative": {"action": "set", "seconds": -1},
    "seconds zero": {"action": "set", "seconds": 0},
    "seconds huge": {"action": "set", "seconds": 10**9},
    "seconds over 4 h": {"action": "set", "seconds": 4 * 3600 + 1},
    "seconds text": {"action": "set", "seconds": "60"},
    "seconds missing": {"action": "set"},
    "extend by nothing": {"action": "extend", "seconds": None},
    "extend by true": {"action": "extend", "seconds": True},
    "action boom": {"action": "boom", "seconds": 60},
    "action missing": {"seconds": 60},
    "action list": {"action": ["set"], "seconds": 60},
    "lock not bool": {"action": "start", "lock_at_zero": "yes"},
    "lock int": {"action": "set", "seconds": 60, "lock_at_zero": 1},
}


@pytest.mark.parametrize("payload", BAD_TIMERS.values(), ids=BAD_TIMERS.keys())
def test_bad_timer_input_is_invalid_and_changes_nothing(app, clock, payload):
    room = Room(app, phones=("Ada",))
    ok(room.staff, "timer", action="set", seconds=60)
    ack = assert_refused_and_unchanged(app, room, "Invalid", room.staff, "timer", **payload)
    assert ack["field"] in ("seconds", "action", "lock_at_zero")
    assert timer_of(room.ada) == {
        "state": "set",
        "remaining_ms": 60_000,
        "duration_s": 60,
        "lock_at_zero": False,
    }


def test_the_longest_countdown_is_accepted(app):
    room = Room(app, phones=())
    assert ok(room.staff, "timer", action="set", seconds=4 * 3600)["workshop"]["timer"]["duration_s"] == 14400


# --- spotlight -------------------------------------------------------------------------


def test_the_spotlight_shows_one_item_everywhere(app):
    room = Room(app, phase="discuss")
    item = room.item(room.ada)
    ack = ok(room.screen, "spotlight", item_id=item)
    for sock in room.all:
        [(name, payload)] = received(sock)
        assert name == "workshop_changed" and payload["workshop"]["spotlight_item_id"] == item
    assert ok(room.staff, "spotlight", item_id=None)["workshop"]["spotlight_item_id"] is None
    assert ack["v"] < snapshot(room.bob)["v"]


def test_the_spotlight_refuses_hidden_and_foreign_items(app):
    room, other = Room(app, phones=("Ada",)), Room(app, phones=("Zed",))
    hidden = room.item(room.ada, state="hidden")
    theirs = other.item(other.ada)
    for bad in (hidden, theirs, 10**6, True, "1"):
        assert_refused_and_unchanged(app, room, "NotFound", room.staff, "spotlight", item_id=bad)


# --- discussion ------------------------------------------------------------------------


def test_comments_are_one_level_deep(app):
    room = Room(app, phase="discuss")
    item = room.item(room.ada)
    top = ok(room.ada, "add_comment", item_id=item, text="Which cities?")["comment"]
    reply = ok(room.bob, "add_comment", item_id=item, text="Seoul", parent_id=top["id"])["comment"]
    deeper = ok(room.ada, "add_comment", item_id=item, text="Why Seoul?", parent_id=reply["id"])["comment"]
    assert (top["parent_id"], reply["parent_id"], deeper["parent_id"]) == (None, top["id"], top["id"])
    assert [c[2] for c in committed(app)["comments"]] == [None, top["id"], top["id"]]
    comments = snapshot(room.screen)["comments"]
    assert [(c["text"], c["parent_id"]) for c in comments] == [
        ("Which cities?", None),
        ("Seoul", top["id"]),
        ("Why Seoul?", top["id"]),
    ]


def test_a_comment_reaches_everyone_and_is_marked_for_its_author(app):
    room = Room(app, phase="cluster")
    item = room.item(room.bob)
    ack = ok(room.ada, "add_comment", item_id=item, text="  Agreed  ")
    assert ack["comment"]["text"] == "Agreed" and ack["comment"]["mine"] is True
    assert ack["comment"]["author"] == "Ada Lovelace" and ack["comment"]["by_facilitator"] is False
    for sock in (room.staff, room.screen, room.bob):
        [(name, payload)] = received(sock)
        assert name == "comment_changed" and payload["comment"]["mine"] is False
    assert [p["comment"]["mine"] for _, p in received(room.ada)] == [False, True]
    by_staff = ok(room.staff, "add_comment", item_id=item, text="Noted")["comment"]
    assert by_staff["by_facilitator"] is True and by_staff["author"] is None


BAD_COMMENTS = {
    "empty": {"text": ""},
    "blank": {"text": "  \n "},
    "too long": {"text": "x" * 501},
    "NUL": {"text": "a\x00b"},
    "not text": {"text": 5},
    "true": {"text": True},
    "missing": {"text": None},
}


@pytest.mark.parametrize("change", BAD_COMMENTS.values(), ids=BAD_COMMENTS.keys())
def test_bad_comments_are_invalid(app, change):
    room = Room(app, phase="discuss", phones=("Ada",))
    item = room.item(room.ada)
    payload = {"item_id": item, "text": "Fine"} | change
    payload = {k: v for k, v in payload.items() if v is not None}
    ack = assert_refused_and_unchanged(app, room, "Invalid", room.ada, "add_comment", **payload)
    assert ack["field"] == "text"


def test_a_comment_may_be_exactly_500_characters(app):
    room = Room(app, phase="discuss", phones=("Ada",))
    item = room.item(room.ada)
    assert len(ok(room.ada, "add_comment", item_id=item, text="x" * 500)["comment"]["text"]) == 500


def test_comments_outside_discussion_are_not_now(app):
    room = Room(app, phase="propose", phones=("Ada",))
    item = room.item(room.ada)
    ack = assert_refused_and_unchanged(app, room, "NotNow", room.ada, "add_comment", item_id=item, text="Hi")
    assert ack["error"].startswith("Not now")


def test_replies_stay_on_their_item(app):
    room = Room(app, phase="discuss")
    first, second = room.item(room.ada, "First"), room.item(room.bob, "Second")
    on_first = ok(room.ada, "add_comment", item_id=first, text="On the first")["comment"]["id"]
    ack = assert_refused_and_unchanged(
        app, room, "NotFound", room.bob, "add_comment", item_id=second, text="Reply", parent_id=on_first
    )
    assert ack["field"] == "parent_id"
    for bad in (10**6, "1", True, 0):
        assert_refused_and_unchanged(
            app, room, "NotFound", room.bob, "add_comment", item_id=first, text="Reply", parent_id=bad
        )


def test_comments_on_foreign_hidden_or_odd_items_are_not_found(app):
    room, other = Room(app, phase="discuss", phones=("Ada",)), Room(app, phase="discuss", phones=("Zed",))
    theirs, hidden = other.item(other.ada), room.item(None, "Hidden", state="hidden")
    withdrawn = room.item(room.ada, "Gone", state="withdrawn")
    for item in (theirs, hidden, withdrawn, None, "1", 1.0, 10**12):
        assert_refused_and_unchanged(app, room, "NotFound", room.ada, "add_comment", item_id=item, text="Hi")


def test_a_hidden_comment_leaves_the_room_but_not_the_cockpit(app):
    room = Room(app, phase="discuss")
    item = room.item(room.ada)
    comment = ok(room.bob, "add_comment", item_id=item, text="Rude remark")["comment"]["id"]
    drain(*room.all)
    ack = ok(room.staff, "hide_comment", comment_id=comment, hidden=True)
    assert ack["comment"]["hidden"] is True
    assert received(room.staff) == [("comment_changed", {"v": ack["v"], "comment": ack["comment"]})]
    for sock in (room.screen, room.ada, room.bob):
        assert received(sock) == [("comment_removed", {"v": ack["v"], "id": comment})]
        assert snapshot(sock)["comments"] == []
    assert [c["hidden"] for c in snapshot(room.staff)["comments"]] == [True]
    # Nobody replies to what they cannot see.
    assert_refused_and_unchanged(
        app, room, "NotFound", room.ada, "add_comment", item_id=item, text="Re", parent_id=comment
    )
    ok(room.staff, "hide_comment", comment_id=comment, hidden=False)
    assert [c["text"] for c in snapshot(room.ada)["comments"]] == ["Rude remark"]


def test_hide_comment_needs_a_boolean_and_a_comment_of_this_workshop(app):
    room, other = Room(app, phase="discuss", phones=("Ada",)), Room(app, phase="discuss", phones=("Zed",))
    theirs = ok(other.ada, "add_comment", item_id=other.item(other.ada), text="Theirs")["comment"]["id"]
    mine = ok(room.ada, "add_comment", item_id=room.item(room.ada), text="Mine")["comment"]["id"]
    for hidden in ("true", 1, None):
        assert_refused_and_unchanged(
            app, room, "Invalid", room.staff, "hide_comment", comment_id=mine, hidden=hidden
        )
    for comment_id in (theirs, 10**6, "1", True):
        assert_refused_and_unchanged(
            app, room, "NotFound", room.staff, "hide_comment", comment_id=comment_id, hidden=True
        )


def test_a_reaction_toggles_and_only_its_giver_hears_mine(app):
    room = Room(app, phase="discuss")
    item = room.item(room.bob)
    ack = ok(room.ada, "toggle_reaction", item_id=item)
    assert (ack["count"], ack["mine"], ack["item_id"]) == (1, True, item)
    public = {"v": ack["v"], "item_id": item, "count": 1}
    for sock in (room.staff, room.screen, room.bob):
        assert received(sock) == [("reaction_changed", public)]
    assert received(room.ada) == [("reaction_changed", public), ("reaction_changed", public | {"mine": True})]

    assert ok(room.bob, "toggle_reaction", item_id=item)["count"] == 2
    again = ok(room.ada, "toggle_reaction", item_id=item)
    assert (again["count"], again["mine"]) == (1, False)
    assert committed(app)["reactions"] == [(item, room.pid[room.bob])]
    snap = snapshot(room.ada)
    assert snap["reactions"] == {str(item): 1} and snap["my_reactions"] == []
    assert snapshot(room.bob)["my_reactions"] == [item]
    assert "my_reactions" not in snapshot(room.screen)


def test_reactions_on_hidden_or_foreign_items_are_not_found(app):
    room, other = Room(app, phase="discuss", phones=("Ada",)), Room(app, phase="discuss", phones=("Zed",))
    hidden, theirs = room.item(None, "Hidden", state="hidden"), other.item(other.ada)
    for item in (hidden, theirs, 10**6, True):
        assert_refused_and_unchanged(app, room, "NotFound", room.ada, "toggle_reaction", item_id=item)


def test_private_ideation_hides_others_items_from_comments_and_reactions(app):
    room = Room(app, phase="discuss", private_ideation=True)
    bobs, adas = room.item(room.bob, "Bob's secret"), room.item(room.ada, "Ada's own")
    assert_refused_and_unchanged(app, room, "NotFound", room.ada, "toggle_reaction", item_id=bobs)
    assert_refused_and_unchanged(app, room, "NotFound", room.ada, "add_comment", item_id=bobs, text="Hm")
    ok(room.ada, "add_comment", item_id=adas, text="A note to self")


def test_an_anonymous_workshop_names_no_commenter(app):
    room = Room(app, phase="discuss", anonymous=True)
    item = room.item(room.ada)
    acks = [ok(room.ada, "add_comment", item_id=item, text="Top")]
    acks.append(ok(room.bob, "add_comment", item_id=item, text="Reply", parent_id=acks[0]["comment"]["id"]))
    acks.append(ok(room.staff, "add_comment", item_id=item, text="Facilitator"))
    payloads = list(acks)
    for sock in room.all:
        payloads += [p for _, p in received(sock)]
        snap = snapshot(sock)
        snap.pop("me", None)
        payloads.append(snap)
    sent = json.dumps(payloads)
    assert sent.count('"text": "Reply"') >= 4  # the comments did travel
    assert "Ada" not in sent and "Bob" not in sent and "Lovelace" not in sent
    assert '"author": "' not in sent


def test_a_named_workshop_names_commenters(app):
    room = Room(app, phase="discuss")
    ack = ok(room.bob, "add_comment", item_id=room.item(room.ada), text="Yes")
    assert ack["comment"]["author"] == "Bob Builder"
    assert [c["author"] for c in snapshot(room.screen)["comments"]] == ["Bob Builder"]


# --- the clustering board --------------------------------------------------------------


def board_of(snap: dict) -> dict:
    """The board as a snapshot shows it, in board_changed's shape."""
    return {
        "themes": snap["themes"],
        "placement": sorted([i["id"], i["theme_id"], i["position"]] for i in snap["items"]),
    }


def last_board(sock) -> dict:
    """The board this screen shows after applying what it received: the newest version wins
    (a client ignores an event older than its state, whatever order they arrived in)."""
    boards = [p for n, p in received(sock) if n == "board_changed"]
    assert boards, "no board_changed arrived"
    newest = max(boards, key=lambda p: p["v"])
    return {"themes": newest["themes"], "placement": sorted(newest["placement"])}


def assert_contiguous(workshop_id: int) -> None:
    """In every container (each theme, and unsorted) positions run 0..n-1; so do themes'."""
    db.session.expire_all()
    places = defaultdict(list)
    for item in db.session.scalars(
        sa.select(Item).where(Item.workshop_id == workshop_id, Item.state.in_(("live", "hidden")))
    ):
        places[item.theme_id].append(item.position)
    for theme_id, positions in places.items():
        assert sorted(positions) == list(range(len(positions))), (theme_id, positions)
    themes = db.session.scalars(sa.select(Theme.position).where(Theme.workshop_id == workshop_id)).all()
    assert sorted(themes) == list(range(len(themes)))


def order(sock, theme_id) -> list[int]:
    """The items of one container in board order, as this screen's snapshot has them."""
    items = [i for i in snapshot(sock)["items"] if i["theme_id"] == theme_id]
    return [i["id"] for i in sorted(items, key=lambda i: i["position"])]


def test_themes_are_created_renamed_ordered_and_deleted(app):
    room = Room(app, phase="cluster")
    a, b, c = (room.item(room.ada, t) for t in ("Tokyo desk", "Seoul week", "Visa help"))
    first = ok(room.staff, "create_theme", name="  Asia  ", item_ids=[b, a])
    assert first["theme"] == {"id": first["theme"]["id"], "name": "Asia", "color": "#1d4ed8", "position": 0}
    asia = first["theme"]["id"]
    talent = ok(room.staff, "create_theme", name="Talent", color="#BE123C")["theme"]
    assert (talent["color"], talent["position"]) == ("#be123c", 1)
    for sock in room.all:
        board = last_board(sock)
        assert board == board_of(snapshot(sock))
        assert [t["name"] for t in board["themes"]] == ["Asia", "Talent"]
    assert order(room.staff, asia) == [b, a] and order(room.staff, None) == [c]

    ok(room.staff, "update_theme", theme_id=asia, name="East Asia")
    ok(room.staff, "update_theme", theme_id=asia, color="#0f766e")
    ok(room.staff, "order_themes", theme_ids=[talent["id"], asia])
    themes = snapshot(room.ada)["themes"]
    assert [(t["name"], t["color"], t["position"]) for t in themes] == [
        ("Talent", "#be123c", 0),
        ("East Asia", "#0f766e", 1),
    ]

    ok(room.staff, "delete_theme", theme_id=asia)  # its items go back to unsorted, in their order
    assert order(room.screen, None) == [c, b, a]
    assert [t["id"] for t in snapshot(room.bob)["themes"]] == [talent["id"]]
    assert last_board(room.bob) == board_of(snapshot(room.bob))
    assert_contiguous(room.id)


def test_move_item_places_at_an_index(app):
    room = Room(app, phase="cluster", phones=("Ada",))
    theme = ok(room.staff, "create_theme", name="Markets")["theme"]["id"]
    a, b, c, d = (room.item(room.ada, f"Idea {n}") for n in "abcd")
    ok(room.staff, "move_item", item_id=a, theme_id=theme, index=None)  # null: at the end
    ok(room.staff, "move_item", item_id=b, theme_id=theme, index=0)
    ok(room.staff, "move_item", item_id=c, theme_id=theme, index=1)
    ok(room.staff, "move_item", item_id=d, theme_id=theme, index=99)  # past the end: at the end
    assert order(room.staff, theme) == [b, c, a, d]
    ok(room.staff, "move_item", item_id=d, theme_id=theme, index=0)  # within one theme
    assert order(room.staff, theme) == [d, b, c, a]
    ok(room.staff, "move_item", item_id=b, theme_id=None, index=0)  # back to unsorted
    assert order(room.ada, theme) == [d, c, a] and order(room.ada, None) == [b]
    assert last_board(room.ada) == board_of(snapshot(room.ada))
    assert_contiguous(room.id)


def test_a_new_proposal_goes_to_the_end_of_unsorted(app):
    room = Room(app, phase="propose", phones=("Ada",))
    first = ok(room.ada, "propose_item", kind="idea", text="First")["item"]["id"]
    second = ok(room.ada, "propose_item", kind="idea", text="Second")["item"]["id"]
    ok(room.staff, "move_item", item_id=first, theme_id=None, index=1)  # the board has been arranged
    third = ok(room.ada, "propose_item", kind="idea", text="Third")
    assert order(room.staff, None) == [second, first, third["item"]["id"]]
    assert third["item"]["position"] == 2
    assert_contiguous(room.id)


def test_the_board_hides_hidden_items_from_the_room(app):
    room = Room(app, phase="cluster", phones=("Ada",))
    theme = room.theme()
    shown, hidden = room.item(room.ada, "Shown"), room.item(room.ada, "Hidden", state="hidden")
    ack = ok(room.staff, "move_item", item_id=hidden, theme_id=theme, index=0)
    staff_board, public_board = last_board(room.staff), last_board(room.screen)
    assert staff_board["placement"] == [[shown, None, 0], [hidden, theme, 0]]
    assert public_board["placement"] == [[shown, None, 0]]
    assert last_board(room.ada) == public_board
    assert ack["v"] == snapshot(room.ada)["v"]


def _all_boards_match_a_fresh_snapshot(socks) -> None:
    for sock in socks:
        assert last_board(sock) == board_of(snapshot(sock))


def test_two_facilitators_moving_one_item_converge(app):
    room = Room(app, phase="cluster")
    admin = login(app.test_client(), make_user(Role.ADMIN))
    second = connect(app, admin, room.workshop, "staff")
    items = [room.item(room.ada, f"Idea {n}") for n in range(4)]
    left, right = room.theme("Left"), room.theme("Right")
    ok(room.staff, "move_item", item_id=items[1], theme_id=left, index=0)
    ok(room.staff, "move_item", item_id=items[2], theme_id=right, index=0)
    drain(*room.all, second)
    # Both screens still show items[0] in unsorted; each drags it somewhere else.
    first = ok(room.staff, "move_item", item_id=items[0], theme_id=left, index=0)
    last = ok(second, "move_item", item_id=items[0], theme_id=right, index=0)
    assert last["v"] > first["v"]
    assert order(room.staff, right) == [items[0], items[2]] and order(room.staff, left) == [items[1]]
    _all_boards_match_a_fresh_snapshot([*room.all, second])
    assert_contiguous(room.id)


def test_interleaved_moves_by_staff_and_participants_converge(app):
    room = Room(app, phase="cluster", participants_cluster=True)
    admin = login(app.test_client(), make_user(Role.ADMIN))
    second = connect(app, admin, room.workshop, "staff")
    items = [room.item(room.ada if n % 2 else room.bob, f"Idea {n}") for n in range(8)]
    hidden = room.item(room.ada, "Hidden", state="hidden")
    themes = [room.theme(f"Theme {n}") for n in range(3)]
    movers = [room.staff, second, room.ada, room.bob]
    rnd = random.Random(20300517)
    for _ in range(40):
        sock = rnd.choice(movers)
        item = hidden if sock in (room.staff, second) and rnd.random() < 0.15 else rnd.choice(items)
        index = rnd.choice([None, 0, 1, 2, 5])
        ok(sock, "move_item", item_id=item, theme_id=rnd.choice([None, *themes]), index=index)
    _all_boards_match_a_fresh_snapshot([*room.all, second])
    assert_contiguous(room.id)


def test_concurrent_moves_from_threads_converge(app):
    """Real concurrency in one process: each thread is its own request on its own DB connection."""
    room = Room(app, phase="cluster", participants_cluster=True)
    extra = [connect(app, room.laptop, room.workshop, "staff") for _ in range(2)]
    items = [room.item(room.ada, f"Idea {n}") for n in range(6)]
    themes = [room.theme(f"Theme {n}") for n in range(3)]
    movers = [*extra, room.ada, room.bob]
    acks: list[dict] = []
    start = threading.Barrier(len(movers))

    def work(sock, seed: int) -> None:
        rnd = random.Random(seed)
        with app.app_context():
            start.wait()
            for _ in range(8):
                payload = {"item_id": rnd.choice(items), "theme_id": rnd.choice([None, *themes])}
                acks.append(cmd(sock, "move_item", **payload, index=rnd.choice([None, 0, 1])))

    threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(movers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(acks) == 8 * len(movers)
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
    assert len({a["v"] for a in acks}) == len(acks)  # one after the other, none lost
    _all_boards_match_a_fresh_snapshot([*room.all, *extra])
    assert_contiguous(room.id)


def test_merging_keeps_comments_and_reactions(app):
    room = Room(app, phase="discuss")
    cy = room.add_phone("Cy Young")
    a = room.item(room.ada, "Open a desk in Tokyo")
    b = room.item(room.bob, "A Tokyo office")
    c = room.item(room.ada, "Office in Japan")
    d = room.item(room.bob, "Something else")
    theme = ok(room.staff, "create_theme", name="Japan", item_ids=[b, d])["theme"]["id"]
    on_a = ok(room.ada, "add_comment", item_id=a, text="On A")["comment"]["id"]
    on_b = ok(room.bob, "add_comment", item_id=b, text="On B")["comment"]["id"]
    reply_b = ok(cy, "add_comment", item_id=b, text="Reply on B", parent_id=on_b)["comment"]["id"]
    on_c = ok(room.bob, "add_comment", item_id=c, text="On C")["comment"]["id"]
    for sock, item in ((room.ada, a), (room.ada, b), (room.bob, b), (room.bob, c), (cy, c)):
        ok(sock, "toggle_reaction", item_id=item)
    drain(*room.all)

    ack = ok(room.staff, "merge_items", target_id=a, item_ids=[b, c])
    assert ack["item_id"] == a
    for sock in room.all:
        assert received(sock) == [("resync", {"v": ack["v"]})]

    for sock in room.all:
        snap = snapshot(sock)
        assert [i["id"] for i in snap["items"]] == [a, d]
        kept = snap["items"][0]
        assert kept["merged_from"] == [
            {"id": b, "text": "A Tokyo office"},
            {"id": c, "text": "Office in Japan"},
        ]
        assert {(x["id"], x["item_id"]) for x in snap["comments"]} == {
            (on_a, a),
            (on_b, a),
            (reply_b, a),
            (on_c, a),
        }
        assert next(x["parent_id"] for x in snap["comments"] if x["id"] == reply_b) == on_b
        assert snap["reactions"] == {str(a): 3}  # Ada's two +1s count once
    assert snapshot(room.ada)["my_reactions"] == [a]
    assert snapshot(room.bob)["my_reactions"] == [a]

    state = committed(app)
    pids = sorted(room.pid[s] for s in (room.ada, room.bob, cy))
    assert state["reactions"] == [(a, p) for p in pids]
    assert {r[0]: (r[3], r[6]) for r in state["items"]} == {
        a: ("live", None),
        b: ("merged", a),
        c: ("merged", a),
        d: ("live", None),
    }
    assert order(room.staff, theme) == [d]
    assert_contiguous(room.id)
    # The merged-away items are history: nobody can act on them any more.
    assert_refused_and_unchanged(app, room, "NotFound", room.ada, "toggle_reaction", item_id=b)
    assert_refused_and_unchanged(
        app, room, "NotFound", room.staff, "move_item", item_id=c, theme_id=None, index=0
    )
    assert ok(room.ada, "toggle_reaction", item_id=a)["count"] == 2


def test_suggest_themes_proposes_and_writes_nothing(app):
    room = Room(app, phase="cluster", phones=("Ada",))
    texts = [
        "Investor days with US venture capital funds",
        "Meet venture capital investors in Silicon Valley",
        "Pitch training before we meet venture capital investors abroad",
        "Visa support to hire AI engineers from India",
        "Help with work permits and visas to hire engineers",
        "Hire engineers from abroad: visa and relocation support",
    ]
    ids = [room.item(room.ada, t) for t in texts]
    sorted_away = room.item(room.ada, "Venture capital from Gulf investors")
    ok(room.staff, "create_theme", name="Capital", item_ids=[sorted_away])
    before = committed(app)
    drain(*room.all)
    ack = ok(room.staff, "suggest_themes")
    assert ack["suggestions"], ack
    suggested = [i for s in ack["suggestions"] for i in s["item_ids"]]
    assert set(suggested) <= set(ids) and len(suggested) == len(set(suggested))
    for s in ack["suggestions"]:
        assert isinstance(s["name"], str) and 0 < len(s["name"]) <= 80
        assert len(s["item_ids"]) >= 2 and isinstance(s["keywords"], list)
    assert committed(app) == before
    assert [received(s) for s in room.all] == [[], [], []]


# --- bad board input: a clear refusal, nothing changes ---------------------------------

BAD_NAMES = {
    "empty": "",
    "blank": "   ",
    "81 chars": "x" * 81,
    "NUL": "Asia\x00",
    "true": True,
    "number": 80,
    "list": ["Asia"],
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_theme_names_are_invalid(app, name):
    room = Room(app, phase="cluster", phones=("Ada",))
    theme = room.theme("Asia")
    ack = assert_refused_and_unchanged(app, room, "Invalid", room.staff, "create_theme", name=name)
    assert ack["field"] == "name"
    ack = assert_refused_and_unchanged(
        app, room, "Invalid", room.staff, "update_theme", theme_id=theme, name=name
    )
    assert ack["field"] == "name"


def test_a_theme_name_may_be_80_characters(app):
    room = Room(app, phones=())
    assert ok(room.staff, "create_theme", name="x" * 80)["theme"]["name"] == "x" * 80


@pytest.mark.parametrize(
    "color", ["red", "#12345", "#1234567", "#gggggg", "1d4ed8", "#1d4ed", 255, True], ids=repr
)
def test_bad_colours_are_invalid(app, color):
    room = Room(app, phones=("Ada",))
    theme = room.theme("Asia")
    for event, extra in (("create_theme", {"name": "Markets"}), ("update_theme", {"theme_id": theme})):
        ack = assert_refused_and_unchanged(app, room, "Invalid", room.staff, event, color=color, **extra)
        assert ack["field"] == "color"


def test_moves_stay_within_the_workshop(app):
    room, other = Room(app, phase="cluster", phones=("Ada",)), Room(app, phase="cluster", phones=("Zed",))
    mine, theirs = room.item(room.ada), other.item(other.ada)
    my_theme, their_theme = room.theme("Mine"), other.theme("Theirs")
    ack = assert_refused_and_unchanged(
        app, room, "NotFound", room.staff, "move_item", item_id=mine, theme_id=their_theme, index=0
    )
    assert ack["field"] == "theme_id"
    for bad_theme in (10**6, "1", True, 0):
        assert_refused_and_unchanged(
            app, room, "NotFound", room.staff, "move_item", item_id=mine, theme_id=bad_theme
        )
    for bad_item in (theirs, 10**6):
        assert_refused_and_unchanged(
            app, room, "NotFound", room.staff, "move_item", item_id=bad_item, theme_id=my_theme, index=0
        )
    for bad_item in ("1", None, True, [mine]):
        assert_refused_and_unchanged(
            app, room, "Invalid", room.staff, "move_item", item_id=bad_item, theme_id=my_theme
        )
    for index in (-1, "0", 1.5, True, [0]):
        ack = assert_refused_and_unchanged(
            app, room, "Invalid", room.staff, "move_item", item_id=mine, theme_id=my_theme, index=index
        )
        assert ack["field"] == "index"
    assert_refused_and_unchanged(
        app, room, "NotFound", room.staff, "create_theme", name="Grab", item_ids=[mine, theirs]
    )
    assert_refused_and_unchanged(
        app, room, "NotFound", room.staff, "update_theme", theme_id=their_theme, name="X"
    )
    assert_refused_and_unchanged(app, room, "NotFound", room.staff, "delete_theme", theme_id=their_theme)


def test_merges_stay_within_the_workshop(app):
    room, other = Room(app, phase="cluster", phones=("Ada",)), Room(app, phase="cluster", phones=("Zed",))
    a, b = room.item(room.ada, "A"), room.item(room.ada, "B")
    theirs = other.item(other.ada, "Theirs")
    gone = room.item(room.ada, "Withdrawn", state="withdrawn")
    for target, others in ((a, [theirs]), (theirs, [a]), (a, [b, theirs]), (a, [gone]), (10**6, [b])):
        assert_refused_and_unchanged(
            app, room, "NotFound", room.staff, "merge_items", target_id=target, item_ids=others
        )
    for target, others in ((a, []), (a, [a]), (a, b), (a, None), (a, [b, "3"]), (a, [True])):
        ack = assert_refused_and_unchanged(
            app, room, "Invalid", room.staff, "merge_items", target_id=target, item_ids=others
        )
        assert ack["field"] == "item_ids"


@pytest.mark.parametrize(
    "shape",
    ["missing one", "foreign", "duplicate", "extra", "not a list", "as text", "empty"],
)
def test_order_themes_needs_every_theme_once(app, shape):
    room, other = Room(app, phase="cluster", phones=("Ada",)), Room(app, phones=())
    a, b, c = room.theme("A"), room.theme("B"), room.theme("C")
    foreign = other.theme("Theirs")
    theme_ids = {
        "missing one": [c, a],
        "foreign": [c, b, foreign],
        "duplicate": [c, c, a],
        "extra": [c, b, a, foreign],
        "not a list": {"0": c, "1": b, "2": a},
        "as text": [str(c), str(b), str(a)],
        "empty": [],
    }[shape]
    ack = assert_refused_and_unchanged(app, room, "Invalid", room.staff, "order_themes", theme_ids=theme_ids)
    assert ack["field"] == "theme_ids"
    assert [t["id"] for t in snapshot(room.ada)["themes"]] == [a, b, c]


# --- ROLE: who may run the room --------------------------------------------------------

STAFF_ONLY = {
    "create_theme": lambda item, theme, comment: {"name": "Mine now"},
    "update_theme": lambda item, theme, comment: {"theme_id": theme, "name": "Renamed"},
    "delete_theme": lambda item, theme, comment: {"theme_id": theme},
    "order_themes": lambda item, theme, comment: {"theme_ids": [theme]},
    "merge_items": lambda item, theme, comment: {"target_id": item[0], "item_ids": [item[1]]},
    "hide_comment": lambda item, theme, comment: {"comment_id": comment, "hidden": True},
    "suggest_themes": lambda item, theme, comment: {},
    "hide_item": lambda item, theme, comment: {"item_id": item[0], "hidden": True},
}
RUNNERS_ONLY = {
    "spotlight": lambda item, theme, comment: {"item_id": item[0]},
    "timer": lambda item, theme, comment: {"action": "set", "seconds": 60},
    "set_phase": lambda item, theme, comment: {"phase": "vote"},
}


@pytest.fixture
def busy_room(app):
    """A room in the cluster phase where participants may cluster: as permissive as it gets."""
    room = Room(app, phase="cluster", participants_cluster=True)
    items = [room.item(room.ada, "Ada's"), room.item(room.bob, "Bob's")]
    theme = room.theme("Theme")
    comment = ok(room.ada, "add_comment", item_id=items[0], text="A comment")["comment"]["id"]
    drain(*room.all)
    return room, items, theme, comment


@pytest.mark.parametrize("event", [*STAFF_ONLY, *RUNNERS_ONLY])
def test_participants_cannot_run_the_room(app, busy_room, event):
    room, items, theme, comment = busy_room
    payload = (STAFF_ONLY | RUNNERS_ONLY)[event](items, theme, comment)
    assert_refused_and_unchanged(app, room, "Forbidden", room.ada, event, **payload)


@pytest.mark.parametrize("event", [*STAFF_ONLY, "add_comment", "toggle_reaction", "move_item"])
def test_the_projector_only_drives_phases_timer_and_spotlight(app, busy_room, event):
    room, items, theme, comment = busy_room
    payload = {
        "add_comment": {"item_id": items[0], "text": "From the wall"},
        "toggle_reaction": {"item_id": items[0]},
        "move_item": {"item_id": items[0], "theme_id": theme, "index": 0},
    }.get(event) or STAFF_ONLY[event](items, theme, comment)
    assert_refused_and_unchanged(app, room, "Forbidden", room.screen, event, **payload)


def test_staff_do_not_react(app, busy_room):
    room, items, _theme, _comment = busy_room
    assert_refused_and_unchanged(app, room, "Forbidden", room.staff, "toggle_reaction", item_id=items[0])


def test_without_participants_cluster_phones_cannot_move_items(app):
    room = Room(app, phase="cluster", participants_cluster=False)
    item, theme = room.item(room.ada), room.theme()
    for index in (0, None):
        assert_refused_and_unchanged(
            app, room, "Forbidden", room.ada, "move_item", item_id=item, theme_id=theme, index=index
        )
    ok(room.staff, "move_item", item_id=item, theme_id=theme, index=0)


def test_a_phone_cannot_move_what_it_cannot_see(app):
    room = Room(app, phase="cluster", participants_cluster=True)
    theme = room.theme()
    hidden = room.item(room.bob, "Hidden by the facilitator", state="hidden")
    assert_refused_and_unchanged(app, room, "NotFound", room.ada, "move_item", item_id=hidden, theme_id=theme)
    assert_refused_and_unchanged(app, room, "NotFound", room.bob, "move_item", item_id=hidden, theme_id=theme)
    ok(room.staff, "move_item", item_id=hidden, theme_id=theme, index=0)


def test_a_phone_may_move_any_item_when_participants_cluster(app):
    room = Room(app, phase="cluster", participants_cluster=True)
    bobs, theme = room.item(room.bob, "Bob's"), room.theme()
    ok(room.ada, "move_item", item_id=bobs, theme_id=theme, index=0)
    assert order(room.bob, theme) == [bobs]
    assert last_board(room.bob) == board_of(snapshot(room.bob))


def test_an_archived_workshop_refuses_room_commands(app):
    room = Room(app, phase="discuss")
    item, theme = room.item(room.ada), room.theme()
    assert room.laptop.post(f"/workshops/{room.id}/archive", data={"confirm": "yes"}).status_code == 302
    drain(*room.all)
    for sock, event, payload in (
        (room.staff, "set_phase", {"phase": "vote"}),
        (room.staff, "timer", {"action": "set", "seconds": 30}),
        (room.staff, "spotlight", {"item_id": item}),
        (room.staff, "create_theme", {"name": "Late"}),
        (room.staff, "move_item", {"item_id": item, "theme_id": theme, "index": 0}),
        (room.ada, "add_comment", {"item_id": item, "text": "Late"}),
        (room.ada, "toggle_reaction", {"item_id": item}),
    ):
        assert_refused_and_unchanged(app, room, "NotNow", sock, event, **payload)


# --- a real server, real sockets, real threads -----------------------------------------


class LiveScreen:
    """A python-socketio client on the live server that keeps every board_changed it receives."""

    def __init__(self, server, cookies: dict, workshop_id: int, view: str):
        self.boards: list[dict] = []
        handlers = {"board_changed": self.boards.append}
        self.sio = live.connect(server, cookies, workshop_id, view, handlers=handlers)

    def call(self, event: str, **payload) -> dict:
        return live.call(self.sio, event, {"op_id": op(), **payload})

    def ok(self, event: str, **payload) -> dict:
        ack = self.call(event, **payload)
        assert ack["ok"], (event, payload, ack)
        return ack

    def newest_board(self) -> dict:
        newest = max(self.boards, key=lambda p: p["v"])
        return {"themes": newest["themes"], "placement": sorted(newest["placement"])}


def _live_workshop(server) -> tuple[dict, int]:
    """A facilitator's workshop with participants clustering, made over HTTP."""
    fac = live.http_login(server, server.create_user("runner@example.org"))
    fields = {"participants_cluster": "y"}
    workshop_id, _code = live.create_workshop(server, fac, "Live board", ["propose", "cluster"], **fields)
    return fac.cookies.get_dict(), workshop_id


@pytest.mark.live
def test_concurrent_moves_on_a_live_server_converge(live_server):
    cookies, workshop_id = _live_workshop(live_server)
    cockpit = LiveScreen(live_server, cookies, workshop_id, "staff")
    screens = [cockpit]
    try:
        cockpit.ok("set_phase", phase="propose")
        code = live.call(cockpit.sio, "get_snapshot", {})["snapshot"]["workshop"]["join_code"]
        phones = [
            LiveScreen(live_server, live.join(live_server, code, n), workshop_id, "participant") for n in "AB"
        ]
        screens += [*phones, LiveScreen(live_server, cookies, workshop_id, "staff")]
        screens.append(LiveScreen(live_server, cookies, workshop_id, "screen"))
        items = [
            phones[n % 2].ok("propose_item", kind="idea", text=f"Idea {n}")["item"]["id"] for n in range(6)
        ]
        cockpit.ok("set_phase", phase="cluster")
        themes = [cockpit.ok("create_theme", name=f"Theme {n}")["theme"]["id"] for n in range(3)]
        movers = screens[:4]  # the cockpit, both phones and a second cockpit tab
        acks: list[dict] = []
        start = threading.Barrier(len(movers))

        def work(screen, seed: int) -> None:
            rnd = random.Random(seed)
            start.wait()
            for _ in range(10):
                target = rnd.choice([None, *themes])
                acks.append(
                    screen.call(
                        "move_item",
                        item_id=rnd.choice(items),
                        theme_id=target,
                        index=rnd.choice([None, 0, 1]),
                    )
                )

        threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(movers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(acks) == 10 * len(movers) and all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
        final = max(a["v"] for a in acks)
        deadline = time.monotonic() + 10  # the broadcasts of other movers may still be on the way
        while time.monotonic() < deadline and any(max(p["v"] for p in s.boards) < final for s in screens):
            time.sleep(0.02)
        for screen in screens:
            snap = live.call(screen.sio, "get_snapshot", {})["snapshot"]
            assert snap["v"] == final
            assert screen.newest_board() == board_of(snap)
            by_theme = defaultdict(list)
            for item in snap["items"]:
                by_theme[item["theme_id"]].append(item["position"])
            assert all(sorted(p) == list(range(len(p))) for p in by_theme.values()), by_theme
    finally:
        # A client's disconnect waits about 3 s for the websocket to close: close them all at once.
        closing_ = [threading.Thread(target=s.sio.disconnect) for s in screens]
        for t in closing_:
            t.start()
        for t in closing_:
            t.join(10)
