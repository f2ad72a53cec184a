"""What one phone may ask of the room (app/budgets.py), with the budgets a server runs with."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import budgets
from app.budgets import TokenBucket
from app.config import Defaults
from app.extensions import db
from app.models import Item
from app.workshops import views
from tests.conftest import (
    NS,
    connect,
    events,
    join,
    make_item,
    make_user,
    make_workshop,
    op,
    phone,
    staff_socket,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")

BUDGETS = {
    "COMMAND_BURST": Defaults.COMMAND_BURST,
    "COMMAND_RATE": Defaults.COMMAND_RATE,
    "CONTRIBUTION_LIMIT": Defaults.CONTRIBUTION_LIMIT,
    "SNAPSHOT_INTERVAL": Defaults.SNAPSHOT_INTERVAL,
}


@pytest.fixture
def app_config():
    return BUDGETS


def send(sock, event: str, data: dict) -> dict:
    return sock.emit(event, data, namespace=NS, callback=True)


def test_a_bucket_gives_a_burst_then_its_rate():
    bucket = TokenBucket(burst=3, rate=2.0, now=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)  # one token comes every 1/rate s
    assert bucket.take(100.25) == pytest.approx(0.25)
    assert bucket.take(100.5) == 0.0
    assert bucket.take(200.0) == 0.0  # refilled, but never beyond the burst
    assert [bucket.take(200.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]


def test_a_connection_over_its_budget_is_refused_before_anything_is_done(app, monkeypatch):
    # The bucket's clock stands still: no token comes back while the 40 commands go, however
    # slowly a busy machine sends them.
    monkeypatch.setattr(budgets.time, "monotonic", lambda: 1000.0)
    workshop = make_workshop(phase="lobby")  # every idea is refused by the phase: no contribution spent
    sock = phone(app, workshop)
    acks = [send(sock, "propose_item", {"op_id": op(), "kind": "idea", "text": "Hi"}) for _ in range(40)]
    codes = [a["code"] for a in acks]
    burst = int(Defaults.COMMAND_BURST) - 1  # the connect took one
    assert codes[:burst] == ["NotNow"] * burst
    assert set(codes[burst:]) == {"RateLimited"}
    limited = acks[-1]
    assert limited["ok"] is False and 0 < limited["retry_after"] <= 1 / Defaults.COMMAND_RATE + 0.1
    assert "again in 1 s" in limited["error"]


def test_the_refusal_is_in_the_phones_language(app):
    workshop = make_workshop(phase="lobby", language="de")
    sock = phone(app, workshop)
    for _ in range(int(Defaults.COMMAND_BURST)):
        send(sock, "toggle_reaction", {"op_id": op(), "item_id": 1})
    ack = send(sock, "toggle_reaction", {"op_id": op(), "item_id": 1})
    assert ack["code"] == "RateLimited" and ack["error"].startswith("Zu viel auf einmal"), ack


def test_a_participant_adds_at_most_the_contribution_budget_across_tabs(app):
    workshop = make_workshop()
    http = join(app, workshop)
    tabs = [connect(app, http, workshop), connect(app, http, workshop)]
    acks = [
        send(tabs[n % 2], "propose_item", {"op_id": f"tab-idea-{n:04d}", "kind": "idea", "text": f"Idea {n}"})
        for n in range(12)
    ]
    assert [a["ok"] for a in acks] == [True] * 10 + [False] * 2
    assert acks[-1]["code"] == "RateLimited" and acks[-1]["retry_after"] >= 1
    stored = db.session.scalar(sa.select(sa.func.count(Item.id)).where(Item.workshop_id == workshop.id))
    assert stored == 10
    # A retry of an idea that was stored is answered as before, over the budget or not.
    again = send(tabs[0], "propose_item", {"op_id": "tab-idea-0000", "kind": "idea", "text": "Idea 0"})
    assert again == acks[0]
    # Another participant has a budget of their own.
    other = phone(app, workshop, "Bo")
    assert send(other, "propose_item", {"op_id": op(), "kind": "idea", "text": "Mine"})["ok"] is True


def test_comments_spend_the_same_budget_and_the_facilitator_has_none(app):
    user = make_user()
    workshop = make_workshop(user, phase="discuss")
    cockpit = staff_socket(app, workshop, user)
    sock = phone(app, workshop)
    item = make_item(workshop, text="Japan first")
    acks = [send(sock, "add_comment", {"op_id": op(), "item_id": item.id, "text": "C"}) for _ in range(11)]
    assert [a["ok"] for a in acks] == [True] * 10 + [False]
    comment = {"item_id": item.id, "text": "S"}
    staff = [send(cockpit, "add_comment", {"op_id": op(), **comment}) for _ in range(12)]
    assert all(a["ok"] for a in staff)


def test_a_person_takes_one_snapshot_a_second_the_connects_included(app, monkeypatch):
    from app import budgets

    workshop = make_workshop()
    sock = phone(app, workshop)
    soon = send(sock, "get_snapshot", {})  # the connect brought one a moment ago
    assert soon["code"] == "RateLimited" and 0 < soon["retry_after"] <= Defaults.SNAPSHOT_INTERVAL
    later = budgets.time.monotonic() + Defaults.SNAPSHOT_INTERVAL
    monkeypatch.setattr(budgets.time, "monotonic", lambda: later)
    first = send(sock, "get_snapshot", {})
    assert first["ok"] is True and first["snapshot"]["v"] == workshop.version
    second = send(sock, "get_snapshot", {})
    assert second["code"] == "RateLimited" and second["scope"] == "commands"


class TestCachedSnapshots:
    @pytest.fixture
    def app_config(self):
        return {}  # the tests' unlimited budgets: many snapshots in a row

    def test_the_rooms_part_is_built_once_per_version(self, app, monkeypatch):
        workshop = make_workshop()
        built = []
        items = views._items
        monkeypatch.setattr(views, "_items", lambda w: built.append(w.version) or items(w))
        phones = [phone(app, workshop, name) for name in ("Ada", "Bo", "Cy")]
        for sock in phones:
            send(sock, "get_snapshot", {})
        assert built == [workshop.version]  # three connects and three snapshots: built once
        send(phones[0], "propose_item", {"op_id": op(), "kind": "idea", "text": "New"})
        snaps = [send(sock, "get_snapshot", {})["snapshot"] for sock in phones]
        assert len(built) == 2 and [len(s["items"]) for s in snaps] == [1, 1, 1]
        assert [s["items"][0]["mine"] for s in snaps] == [True, False, False]

    def test_a_phone_sees_its_own_private_ideas_over_the_shared_part(self, app):
        user = make_user()
        workshop = make_workshop(user)
        cockpit = staff_socket(app, workshop, user)
        assert send(cockpit, "set_private", {"op_id": op(), "private": True})["ok"]
        ada, bo = phone(app, workshop, "Ada"), phone(app, workshop, "Bo")
        send(ada, "propose_item", {"op_id": op(), "kind": "idea", "text": "Ada's secret"})
        send(bo, "propose_item", {"op_id": op(), "kind": "idea", "text": "Bo's secret"})
        mine = send(ada, "get_snapshot", {})["snapshot"]
        theirs = send(bo, "get_snapshot", {})["snapshot"]
        assert [(i["text"], i["mine"]) for i in mine["items"]] == [("Ada's secret", True)]
        assert [(i["text"], i["mine"]) for i in theirs["items"]] == [("Bo's secret", True)]
        staff = send(cockpit, "get_snapshot", {})["snapshot"]
        assert sorted(i["text"] for i in staff["items"]) == ["Ada's secret", "Bo's secret"]
        assert events(ada, "snapshot")  # the connect's snapshot came through the same road


class TestWithoutTheLimitersStorage:
    @pytest.fixture
    def app_config(self):
        return BUDGETS | {"RATELIMIT_ENABLED": False}  # Flask-Limiter then has no storage at all

    def test_contributions_are_counted_in_the_process(self, app):
        workshop = make_workshop()
        sock = phone(app, workshop)
        acks = [send(sock, "propose_item", {"op_id": op(), "kind": "idea", "text": "Hi"}) for _ in range(11)]
        assert [a["ok"] for a in acks] == [True] * 10 + [False]
        assert acks[-1]["code"] == "RateLimited"


def test_connecting_again_does_not_refill_the_budget(app):
    """The budget is the participant's: a script that spends it, then disconnects and connects
    again (or opens another tab), finds it spent; connects themselves cost a command."""
    workshop = make_workshop(phase="lobby")
    http = join(app, workshop)
    sock = connect(app, http, workshop)
    for _ in range(int(Defaults.COMMAND_BURST)):
        send(sock, "propose_item", {"op_id": op(), "kind": "idea", "text": "Hi"})
    sock.disconnect(NS)
    again = socketio_client(app, http, workshop)
    assert not again.is_connected(NS)  # refused "unavailable": live.js connects again later
    tab = socketio_client(app, http, workshop)
    assert not tab.is_connected(NS)


class TestPlusOnes:
    @pytest.fixture
    def app_config(self):
        return BUDGETS | {"COMMAND_BURST": 100}  # as if a person had tapped for a minute

    def test_plus_ones_and_moves_have_a_budget_of_their_own(self, app):
        workshop = make_workshop(phase="discuss")
        item = make_item(workshop, text="Japan first")
        sock = phone(app, workshop)
        acks = [send(sock, "toggle_reaction", {"op_id": op(), "item_id": item.id}) for _ in range(31)]
        assert [a["ok"] for a in acks] == [True] * 30 + [False]
        assert acks[-1]["code"] == "RateLimited" and acks[-1]["scope"] == "contributions"
        # ideas and comments are another budget: a comment still goes
        assert send(sock, "add_comment", {"op_id": op(), "item_id": item.id, "text": "Yes"})["ok"]


def test_the_refusal_names_its_budget(app):
    workshop = make_workshop(phase="lobby")
    sock = phone(app, workshop)
    acks = [send(sock, "toggle_reaction", {"op_id": op(), "item_id": 1}) for _ in range(40)]
    assert acks[-1]["code"] == "RateLimited" and acks[-1]["scope"] == "commands"


def test_a_snapshot_needs_no_payload(app):
    app.config["SNAPSHOT_INTERVAL"] = 0
    sock = phone(app, make_workshop())
    assert sock.emit("get_snapshot", namespace=NS, callback=True)["ok"] is True


def test_every_command_waits_its_turn_behind_everyone_else(app, monkeypatch):
    """A connection's reader hands over its messages back to back (hundreds from one WebSocket
    read or one long-polling POST): each command first gives every other greenlet a turn."""
    from app.realtime import commands

    turns = []
    monkeypatch.setattr(commands.socketio, "sleep", lambda seconds: turns.append(seconds))
    sock = phone(app, make_workshop())
    for _ in range(3):
        send(sock, "get_snapshot", {})
        send(sock, "no_such_command", {})
    assert turns.count(0) >= 6


def socketio_client(app, http, workshop):
    from app.extensions import socketio

    return socketio.test_client(
        app, namespace=NS, flask_test_client=http, auth={"workshop": workshop.id, "view": "participant"}
    )


def test_a_snapshot_refused_as_too_soon_takes_no_token(app):
    """A screen that keeps asking for its snapshot (a version gap, again and again) must not
    spend the budget its commands need."""
    workshop = make_workshop(phase="lobby")
    sock = phone(app, workshop)
    for _ in range(50):
        assert send(sock, "get_snapshot", {})["code"] == "RateLimited"  # the connect's was just now
    ack = send(sock, "propose_item", {"op_id": op(), "kind": "idea", "text": "Hi"})
    assert ack["code"] == "NotNow"  # handled, not refused by the budget


def test_pings_have_a_small_budget_of_their_own_and_spend_no_command(app, monkeypatch):
    """A screen checks its link with `ping` while a command waits: the check must not starve the
    commands, and a script pinging in a loop is refused like any other flood."""
    from app import budgets

    user = make_user()
    workshop = make_workshop(user, phase="lobby")
    screens = [staff_socket(app, workshop, user), phone(app, workshop)]
    for sock in screens:
        acks = [sock.emit("ping", namespace=NS, callback=True) for _ in range(budgets.PING_BURST + 20)]
        assert acks[: budgets.PING_BURST] == [{"ok": True}] * budgets.PING_BURST
        limited = acks[-1]
        assert limited["code"] == "RateLimited" and limited["scope"] == "pings"
        assert 0 < limited["retry_after"] <= 1 / budgets.PING_RATE
        # The commands' budget is whole: its burst still goes (the connect took one token).
        commands = [
            send(sock, "toggle_reaction", {"op_id": op(), "item_id": 1})
            for _ in range(int(Defaults.COMMAND_BURST) - 1)
        ]
        assert "RateLimited" not in {a["code"] for a in commands}, commands
    # The pings' bucket refills at its rate.
    later = budgets.time.monotonic() + 1 / budgets.PING_RATE
    monkeypatch.setattr(budgets.time, "monotonic", lambda: later)
    assert [sock.emit("ping", {}, namespace=NS, callback=True) for sock in screens] == [{"ok": True}] * 2


def test_a_ping_is_answered_without_the_database(app, monkeypatch):
    """While the database is away every command fails (ServerError); the ping still says the link
    carries messages, so the screen does not take a server in trouble for a dead connection."""
    from app.realtime import commands

    user = make_user()
    workshop = make_workshop(user)
    cockpit = staff_socket(app, workshop, user)
    monkeypatch.setattr(commands.db.session, "execute", lambda *a, **k: 1 / 0)
    assert send(cockpit, "set_phase", {"op_id": op(), "phase": "discuss"})["code"] == "ServerError"
    assert send(cockpit, "ping", {}) == {"ok": True}
