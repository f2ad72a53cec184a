"""Voting rounds over Socket.IO: what each screen receives, who may do what, and what is committed.

The facilitator's cockpit and the projector share one laptop; phones join over HTTP first, so
their socket carries the participant's session. Tallies reach screens from the tally timer
(TallyPump); tests wait for them in a short polling loop instead of relying on fixed timing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from contextlib import closing

import pytest

from app import realtime
from app.extensions import db
from app.models import Workshop
from app.voting import tally_pump as tally_pump_module
from app.voting.tally_pump import TallyPump, tally_pump
from tests.conftest import NS, connect, join, login, make_item, make_user, make_workshop, op
from tests.conftest import received as received_raw

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def quick_tallies(monkeypatch):
    """A short tally interval (the coalescing test puts the real one back); no timer left running after."""
    realtime.forget_all()
    monkeypatch.setattr(tally_pump, "interval", 0.05)
    yield
    settle()
    realtime.forget_all()


def settle(timeout: float = 5.0) -> None:
    """Wait until the tally timer has sent everything pending and stopped."""
    deadline = time.monotonic() + timeout
    while tally_pump._running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not tally_pump._running


# --- helpers ---------------------------------------------------------------------------


class Screen:
    """One socket and everything it has received so far (presence counts left out)."""

    def __init__(self, sock, name: str):
        self.sock, self.name, self.seen = sock, name, []

    def send(self, event: str, payload) -> dict:
        return self.sock.emit(event, payload, namespace=NS, callback=True)

    def cmd(self, event: str, **payload) -> dict:
        return self.send(event, {"op_id": op(), **payload})

    def ok(self, event: str, **payload) -> dict:
        ack = self.cmd(event, **payload)
        assert ack["ok"] is True, (self.name, event, payload, ack)
        return ack

    def pull(self) -> list[tuple[str, dict]]:
        self.seen += [
            (e["name"], e["args"][0]) for e in received_raw(self.sock) if e["name"] != "presence_changed"
        ]
        return self.seen

    def got(self, event: str) -> list[dict]:
        return [payload for name, payload in self.pull() if name == event]

    def clear(self) -> None:
        self.pull()
        self.seen = []

    def snapshot(self) -> dict:
        ack = self.send("get_snapshot", {})
        assert ack["ok"], ack
        return ack["snapshot"]

    def wait_for(self, event: str, until=lambda payload: True, timeout: float = 5.0) -> dict:
        """The latest `event` once one satisfies `until`, polling while the tally timer runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in self.got(event) if until(p)]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"{self.name}: no {event} matching within {timeout}s; got {self.seen}")


class Room:
    """A workshop in the vote phase: cockpit and projector, phones, and three ideas (the first is Ada's)."""

    def __init__(self, app, *, phones=("Ada Lovelace", "Bob Builder", "Cy Twombly"), **settings):
        self.app = app
        self.facilitator = make_user()
        workshop = make_workshop(self.facilitator, phase="vote", **settings)
        self.id, code = workshop.id, workshop.join_code
        self.laptop = login(app.test_client(), self.facilitator)
        # The staff socket first: socket handlers end the test's session and detach its objects.
        self.staff = Screen(connect(app, self.laptop, workshop, "staff"), "staff")
        self.screen = Screen(connect(app, self.laptop, _ref(self.id, code), "screen"), "screen")
        self.phones: list[Screen] = []
        self.pid: dict[Screen, int] = {}
        self.http: dict[Screen, object] = {}
        for name in phones:
            self.add_phone(name)
        self.ada, self.bob = (self.phones + [None, None])[:2]
        w = db.session.get(Workshop, self.id)
        self.items = [
            make_item(w, self.pid[self.ada] if self.ada else None, "Ada's idea: a Tokyo desk").id,
            make_item(w, None, "A shared booth in Singapore").id,
            make_item(w, None, "Mentors in Seoul").id,
        ]
        self.markets = [
            make_item(w, None, "India", kind="market", country="IN").id,
            make_item(w, None, "Brazil", kind="market", country="BR").id,
        ]
        self.clear()

    @property
    def all(self) -> list[Screen]:
        return [self.staff, self.screen, *self.phones]

    def add_phone(self, name: str) -> Screen:
        http = join(self.app, db.session.get(Workshop, self.id), name)
        phone = Screen(connect(self.app, http, _ref(self.id)), name)
        [snap] = phone.got("snapshot")
        self.phones.append(phone)
        self.pid[phone], self.http[phone] = snap["me"]["id"], http
        return phone

    def second_tab(self, phone: Screen) -> Screen:
        """Another tab of the same phone: the same cookie, another socket."""
        tab = Screen(connect(self.app, self.http[phone], _ref(self.id)), phone.name + " (tab 2)")
        tab.clear()
        return tab

    def open(self, **settings) -> dict:
        chosen = {"title": "Which first?", "method": "dots", "target": "items", "item_ids": self.items}
        return self.staff.ok("open_round", **(chosen | settings))["round"]

    def clear(self) -> None:
        for s in self.all:
            s.clear()


class _ref:
    """What connect() reads of a workshop (its id), without touching a detached object."""

    def __init__(self, workshop_id: int, join_code: str = ""):
        self.id, self.join_code = workshop_id, join_code


def options(round_: dict) -> list[str]:
    return [str(o["id"]) for o in round_["options"]]


def cast(phone: Screen, round_: dict, ballot, base: int = 0, op_id: str | None = None) -> dict:
    return phone.send(
        "cast_ballot",
        {"op_id": op_id or op(), "round_id": round_["id"], "base_version": base, "ballot": ballot},
    )


def committed(app) -> dict[str, list[tuple]]:
    """The voting tables (and the workshop's version) as another process reads them."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    queries = {
        "rounds": "select id, workshop_id, number, status, budget, cap, results_hidden, rerun_of_id"
        " from rounds",
        "options": "select id, round_id, item_id, theme_id, label from round_options",
        "ballots": "select round_id, voter, participant_id, data, total, version from ballots",
        "versions": "select id, version from workshops",
    }
    with closing(sqlite3.connect(path)) as conn:
        return {name: conn.execute(q + " order by 1, 2").fetchall() for name, q in queries.items()}


def refused(code: str, app, room: Room, screen: Screen, event: str, **payload) -> dict:
    """Refused with `code` and a message; nothing committed; no screen told."""
    settle()
    before = committed(app)
    room.clear()
    ack = screen.cmd(event, **payload)
    assert ack["ok"] is False and ack["code"] == code, (event, payload, ack)
    assert isinstance(ack["error"], str) and ack["error"]
    assert committed(app) == before, (event, payload)
    # Broadcasts reach the test's sockets before the ack; a tally the command set off would be
    # sent by the tally timer: once it has sent what was pending and stopped, nothing more comes.
    settle()
    assert {s.name: s.pull() for s in room.all} == {s.name: [] for s in room.all}, (event, payload)
    return ack


PERSONAL = {"voter", "participant", "participant_id", "display_name", "organisation", "me", "author"}


def keys(payload) -> set[str]:
    if isinstance(payload, dict):
        return set(payload).union(*(keys(v) for v in payload.values()))
    if isinstance(payload, list):
        return set().union(*(keys(v) for v in payload))
    return set()


# --- each method over sockets ----------------------------------------------------------


def test_dot_vote_from_opening_to_revealed_results(app):
    room = Room(app)
    r = room.open()
    for s in room.all:
        [changed] = s.got("round_changed")
        assert changed["round"] == r and changed["v"] == committed(app)["versions"][0][1]
    room.clear()
    tab = room.second_tab(room.ada)
    o1, o2, o3 = options(r)

    ack = cast(room.ada, r, {o2: 3, o3: 2})
    assert ack == {
        "ok": True,
        "round_id": r["id"],
        "version": 1,
        "ballot": {o2: 3, o3: 2},
        "over_limit": False,
    }
    assert committed(app)["ballots"] == [
        (r["id"], f"p{room.pid[room.ada]}", room.pid[room.ada], json.dumps({o2: 3, o3: 2}), 5, 1)
    ]
    # The voter's other tabs learn the new version (the tab that voted has it in its ack);
    # nobody else hears of the ballot itself.
    expected = {k: ack[k] for k in ("round_id", "version", "ballot", "over_limit")}
    assert tab.got("ballot_changed") == [expected] and room.ada.got("ballot_changed") == []
    for s in (room.staff, room.screen, room.bob, room.phones[2]):
        assert s.got("ballot_changed") == []

    staff = room.staff.wait_for("tally_changed", lambda p: p["voted"] == 1)
    assert staff["eligible"] == 3
    assert [(x["item_id"], x["points"]) for x in staff["results"]] == [
        (int(o2), 3),
        (int(o3), 2),
        (int(o1), 0),
    ]
    for s in (room.screen, room.ada, room.bob, tab):
        assert s.wait_for("tally_changed", lambda p: p["voted"] == 1) == {
            "round_id": r["id"],
            "voted": 1,
            "eligible": 3,
            "method": "dots",
            "seq": 1,  # the sum of the ballots' versions
        }

    room.clear()
    shown = room.staff.ok("reveal_results", round_id=r["id"], revealed=True)
    assert shown["round"]["results_hidden"] is False
    public = room.screen.wait_for("tally_changed", lambda p: "results" in p)
    assert public["results"] == staff["results"]
    assert room.bob.wait_for("tally_changed", lambda p: "results" in p)["results"] == staff["results"]
    assert [c["round"]["results_hidden"] for c in room.bob.got("round_changed")] == [False]

    closed = room.staff.ok("close_round", round_id=r["id"])["round"]
    assert closed["status"] == "closed"
    ack = cast(room.bob, r, {o1: 1})
    assert ack["ok"] is False and ack["code"] == "NotNow"
    assert len(committed(app)["ballots"]) == 1


def test_ranking_over_sockets(app):
    room = Room(app)
    r = room.open(method="ranking", results_hidden=False)
    a, b, c = (o["id"] for o in r["options"])
    assert cast(room.ada, r, [a, b, c])["ballot"] == [a, b, c]
    assert cast(room.bob, r, [c, a])["ballot"] == [c, a]
    assert cast(room.phones[2], r, [str(a), str(c)])["ballot"] == [a, c]
    tally = room.screen.wait_for("tally_changed", lambda p: p["voted"] == 3)
    # m = 3: places earn 2, 1, 0; a ranking of two leaves b the leftover (3 - 2 - 1) / 2 = 0.
    assert [(x["item_id"], x["points"]) for x in tally["results"]] == [(a, 5.0), (c, 3.0), (b, 1.0)]
    assert tally["schulze"]["condorcet_winner"] == a


def test_scoring_over_sockets(app):
    room = Room(app)
    r = room.open(method="scores", target="markets", results_hidden=False)
    india, brazil = options(r)
    c = [str(x["id"]) for x in r["criteria"]]
    assert [x["name"] for x in r["criteria"]] == [
        "Market potential",
        "Capital opportunities",
        "Knowledge and expertise in AI and blockchain",
    ]
    cast(room.ada, r, {india: {c[0]: 5, c[1]: 4, c[2]: 3}, brazil: {c[0]: 1, c[1]: 1, c[2]: 1}})
    cast(room.bob, r, {india: {c[0]: 3, c[1]: 4, c[2]: 5}})
    tally = room.staff.wait_for("tally_changed", lambda p: p["voted"] == 2)
    assert [(x["item_id"], x["weighted_score"], x["voters"]) for x in tally["results"]] == [
        (int(india), 4.0, 2),
        (int(brazil), 1.0, 1),
    ]


# --- bad ballots ------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
BAD = {
    "nan": lambda o: {o[1]: NAN},
    "infinity": lambda o: {o[1]: INF},
    "minus infinity": lambda o: {o[1]: -INF},
    "true": lambda o: {o[1]: True},
    "negative": lambda o: {o[1]: -1},
    "fraction": lambda o: {o[1]: 1.5},
    "over cap": lambda o: {o[1]: 4},
    "over budget": lambda o: {o[1]: 3, o[2]: 3},
    "unknown option": lambda o: {"424242": 1},
    "own item": lambda o: {o[0]: 1},
    "text": lambda o: "all on 2",
}


@pytest.fixture
def voted(app):
    """Ada has a ballot (version 1) in a dot vote where one's own items get no points."""
    room = Room(app)
    r = room.open(allow_own=False)
    assert cast(room.ada, r, {options(r)[1]: 2})["ok"]
    return room, r


@pytest.mark.parametrize("name", list(BAD))
def test_bad_ballots_are_refused_and_change_nothing(app, voted, name):
    room, r = voted
    ack = refused(
        "Invalid",
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=r["id"],
        base_version=1,
        ballot=BAD[name](options(r)),
    )
    assert ack["field"] == "allocation"
    assert room.ada.snapshot()["my_ballots"][str(r["id"])]["ballot"] == {options(r)[1]: 2}


def test_another_workshops_option_ids_are_unknown(app, voted):
    room, r = voted
    other = Room(app, phones=())
    rb = other.open()
    refused(
        "Invalid",
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=r["id"],
        base_version=1,
        ballot={options(rb)[1]: 1},
    )


@pytest.mark.parametrize("round_id", [None, "1", True, 424242], ids=repr)
def test_a_ballot_needs_a_round_of_this_workshop(app, voted, round_id):
    room, r = voted
    ack = refused(
        "NotFound",
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=round_id,
        base_version=1,
        ballot={options(r)[1]: 1},
    )
    assert ack["field"] == "round_id"


def test_a_ballot_without_round_id_is_not_found(app, voted):
    room, r = voted
    refused("NotFound", app, room, room.ada, "cast_ballot", base_version=1, ballot={options(r)[1]: 1})


@pytest.mark.parametrize("base", [0, 2, -1, None, 1.5], ids=repr)
def test_a_ballot_from_the_wrong_version_is_refused(app, voted, base):
    room, r = voted
    code = "Conflict" if base in (0, 2) else "Invalid"
    refused(
        code,
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=r["id"],
        base_version=base,
        ballot={options(r)[2]: 1},
    )


def test_ballots_only_in_the_vote_phase(app, voted):
    room, r = voted
    room.staff.ok("set_phase", phase="discuss")
    refused(
        "NotNow",
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=r["id"],
        base_version=1,
        ballot={options(r)[2]: 1},
    )
    refused(
        "NotNow",
        app,
        room,
        room.bob,
        "cast_ballot",
        round_id=r["id"],
        base_version=0,
        ballot={options(r)[2]: 1},
    )


def test_a_closed_round_takes_no_ballots(app, voted):
    room, r = voted
    room.staff.ok("close_round", round_id=r["id"])
    refused(
        "NotNow",
        app,
        room,
        room.ada,
        "cast_ballot",
        round_id=r["id"],
        base_version=1,
        ballot={options(r)[2]: 1},
    )


# --- ONE ----------------------------------------------------------------------------------


def test_a_retry_gets_the_first_ack_and_changes_nothing(app):
    room = Room(app)
    r = room.open()
    tab = room.second_tab(room.ada)
    o1, o2, _ = options(r)
    op_id = op()
    first = cast(room.ada, r, {o1: 1}, op_id=op_id)
    for _ in range(3):
        assert cast(room.ada, r, {o1: 1}, op_id=op_id) == first
    assert cast(tab, r, {o1: 1}, op_id=op_id) == first  # the retry may come from a reconnected socket
    assert [b[5] for b in committed(app)["ballots"]] == [1]
    assert len(tab.got("ballot_changed")) == 1

    second = cast(tab, r, {o2: 2}, base=1)
    assert second["version"] == 2
    assert cast(room.ada, r, {o1: 1}, op_id=op_id) == first  # an old retry does not undo the change
    [(_, voter, _, data, _, version)] = committed(app)["ballots"]
    assert (voter, json.loads(data), version) == (f"p{room.pid[room.ada]}", {o2: 2}, 2)
    # The other tab, still on version 1, is told its ballot moved on.
    assert [b["version"] for b in room.ada.got("ballot_changed")] == [2]
    assert room.ada.snapshot()["my_ballots"][str(r["id"])] == {
        "version": 2,
        "ballot": {o2: 2},
        "over_limit": False,
    }


# --- ROLE --------------------------------------------------------------------------------

STAFF_ONLY = {
    "open_round": lambda room, r: {
        "title": "Mine",
        "method": "dots",
        "target": "items",
        "item_ids": room.items,
    },
    "close_round": lambda room, r: {"round_id": r["id"]},
    "reveal_results": lambda room, r: {"round_id": r["id"], "revealed": True},
    "set_limits": lambda room, r: {"round_id": r["id"], "budget": 1, "cap": 1},
    "rerun_round": lambda room, r: {"round_id": r["id"]},
}


@pytest.mark.parametrize("event", list(STAFF_ONLY))
def test_phones_and_the_projector_cannot_run_rounds(app, event):
    room = Room(app, phones=("Ada Lovelace",))
    r = room.open()
    if event in ("open_round", "rerun_round"):
        room.staff.ok("close_round", round_id=r["id"])
    for who in (room.ada, room.screen):
        refused("Forbidden", app, room, who, event, **STAFF_ONLY[event](room, r))


def test_staff_and_the_projector_cannot_vote(app):
    room = Room(app, phones=())
    r = room.open()
    for who in (room.staff, room.screen):
        refused(
            "Forbidden",
            app,
            room,
            who,
            "cast_ballot",
            round_id=r["id"],
            base_version=0,
            ballot={options(r)[1]: 1},
        )


# --- TENANT -------------------------------------------------------------------------------


def test_another_workshops_rounds_are_invisible_and_untouchable(app):
    a = Room(app, phones=("Ada Lovelace",))
    b = Room(app, phones=("Bea Bauer",))
    rb = b.open()
    assert cast(b.ada, rb, {options(rb)[1]: 2})["ok"]
    settle()
    b.clear()

    for event, payload in STAFF_ONLY.items():
        if event != "open_round":
            refused("NotFound", app, a, a.staff, event, **payload(a, rb))
    refused(
        "NotFound",
        app,
        a,
        a.ada,
        "cast_ballot",
        round_id=rb["id"],
        base_version=0,
        ballot={options(rb)[1]: 1},
    )
    refused(
        "NotFound",
        app,
        a,
        a.ada,
        "cast_ballot",
        round_id=rb["id"],
        base_version=1,
        ballot={options(rb)[1]: 1},
    )
    for s in (a.staff, a.screen, a.ada):
        snap = s.snapshot()
        assert snap["rounds"] == [] and snap["tallies"] == []
    assert a.ada.snapshot()["my_ballots"] == {}

    # A's round, ballots and tallies reach none of B's screens.
    ra = a.open()
    assert cast(a.ada, ra, {options(ra)[2]: 3})["ok"]
    a.staff.wait_for("tally_changed", lambda p: p["voted"] == 1)
    settle()
    assert {s.name: s.pull() for s in b.all} == {s.name: [] for s in b.all}


# --- set_limits mid-round ----------------------------------------------------------------


def test_lowered_limits_keep_ballots_and_tell_their_owner(app):
    room = Room(app)
    r = room.open()
    o1, o2, o3 = options(r)
    assert cast(room.ada, r, {o2: 3, o3: 2})["ok"]
    assert cast(room.bob, r, {o3: 1})["ok"]
    before = committed(app)["ballots"]
    room.clear()

    ack = room.staff.ok("set_limits", round_id=r["id"], budget=3, cap=2)
    for s in room.all:
        assert [(c["round"]["budget"], c["round"]["cap"]) for c in s.got("round_changed")] == [(3, 2)]
    assert committed(app)["ballots"] == before  # kept as they were
    assert committed(app)["rounds"][0][4:6] == (3, 2)
    assert ack["round"]["budget"] == 3

    mine = room.ada.snapshot()["my_ballots"][str(r["id"])]
    assert mine == {"version": 1, "ballot": {o2: 3, o3: 2}, "over_limit": True}
    assert room.bob.snapshot()["my_ballots"][str(r["id"])]["over_limit"] is False
    # Still counted as it stands until its owner trims it.
    assert [x["points"] for x in room.staff.wait_for("tally_changed")["results"]][:2] == [3, 3]

    refused(
        "Invalid", app, room, room.ada, "cast_ballot", round_id=r["id"], base_version=1, ballot={o2: 3, o3: 2}
    )
    trimmed = cast(room.ada, r, {o2: 2, o3: 1}, base=1)
    assert (trimmed["ok"], trimmed["version"], trimmed["over_limit"]) == (True, 2, False)
    assert room.ada.snapshot()["my_ballots"][str(r["id"])]["over_limit"] is False


@pytest.mark.parametrize(
    "budget, cap", [(0, 1), (True, 1), (3.0, 2), (NAN, 2), (3, None), (101, 3)], ids=repr
)
def test_set_limits_refuses_odd_numbers(app, budget, cap):
    room = Room(app, phones=())
    r = room.open()
    refused("Invalid", app, room, room.staff, "set_limits", round_id=r["id"], budget=budget, cap=cap)


# --- rerun ----------------------------------------------------------------------------------


def test_rerun_opens_the_next_round_with_the_same_choices(app):
    room = Room(app)
    r = room.open(budget=7, cap=4, allow_own=False, shuffle=True)
    assert cast(room.ada, r, {options(r)[1]: 4})["ok"]
    refused("NotNow", app, room, room.staff, "rerun_round", round_id=r["id"])  # the round is still open
    room.staff.ok("close_round", round_id=r["id"])
    room.clear()

    again = room.staff.ok("rerun_round", round_id=r["id"])["round"]
    assert (again["number"], again["rerun_of"], again["status"]) == (2, r["id"], "open")
    for key in (
        "method",
        "target",
        "budget",
        "cap",
        "allow_own",
        "top_n",
        "anonymous",
        "results_hidden",
        "shuffle",
    ):
        assert again[key] == r[key], key
    assert [o["label"] for o in again["options"]] == [o["label"] for o in r["options"]]
    for s in room.all:
        assert [c["round"]["id"] for c in s.got("round_changed")] == [again["id"]]
    # A fresh ballot: the voter starts again from version 0.
    assert cast(room.ada, again, {options(again)[2]: 4})["version"] == 1
    assert [(b[0], b[5]) for b in committed(app)["ballots"]] == [(r["id"], 1), (again["id"], 1)]
    snap = room.ada.snapshot()
    assert [x["number"] for x in snap["rounds"]] == [1, 2]
    assert set(snap["my_ballots"]) == {str(r["id"]), str(again["id"])}


# --- results hidden from the room until revealed ------------------------------------------


def test_results_stay_with_staff_until_revealed(app):
    room = Room(app)
    r = room.open(method="ranking")
    ids = [o["id"] for o in r["options"]]
    for phone in room.phones:
        assert cast(phone, r, ids)["ok"]
    staff = room.staff.wait_for("tally_changed", lambda p: p["voted"] == 3)
    assert staff["results"][0]["item_id"] == ids[0] and "schulze" in staff
    for s in (room.screen, *room.phones):
        tally = s.wait_for("tally_changed", lambda p: p["voted"] == 3)
        assert "results" not in tally and "schulze" not in tally
        snap = s.snapshot()
        assert snap["tallies"] == [
            {"round_id": r["id"], "voted": 3, "eligible": 3, "method": "ranking", "seq": 3}
        ]
    staff_snap = room.staff.snapshot()
    assert staff_snap["tallies"][0]["results"] == staff["results"] and "my_ballots" not in staff_snap
    assert "my_ballots" in room.ada.snapshot() and "my_ballots" not in room.screen.snapshot()

    room.clear()
    room.staff.ok("reveal_results", round_id=r["id"], revealed=True)
    assert room.screen.wait_for("tally_changed", lambda p: "results" in p)["results"] == staff["results"]
    assert room.bob.snapshot()["tallies"][0]["results"] == staff["results"]
    room.clear()
    room.staff.ok("reveal_results", round_id=r["id"], revealed=False)
    assert "results" not in room.screen.wait_for("tally_changed")
    assert "results" not in room.bob.snapshot()["tallies"][0]


def test_a_repeated_reveal_limit_or_close_changes_nothing_the_second_time(app, monkeypatch):
    room = Room(app)
    r = room.open()
    touched = []
    monkeypatch.setattr(tally_pump, "touch", lambda *args: touched.append(args))
    for event, payload in (
        ("reveal_results", {"revealed": True}),
        ("set_limits", {"budget": 4, "cap": 2}),
        ("close_round", {}),
        ("reveal_results", {"revealed": False}),
    ):
        first = room.staff.ok(event, round_id=r["id"], **payload)
        settle()
        before = committed(app)
        room.clear()
        marks = len(touched)
        # A second click while the first was queued offline, or sent again by a second tab.
        again = room.staff.ok(event, round_id=r["id"], **payload)
        assert again == first, event  # the same round, at the same version
        assert committed(app) == before, event
        assert touched[marks:] == [], event  # no tally sent again either
        time.sleep(0.1)  # two tally intervals: a stray broadcast would have arrived
        assert {s.name: s.pull() for s in room.all} == {s.name: [] for s in room.all}, event


# --- tallies are coalesced ------------------------------------------------------------------


class HeldTimer:
    """The tally timer's sleep, held until the test lets it go: whatever arrives meanwhile is
    what arrives within one interval, however fast or slow the machine."""

    def __init__(self, real) -> None:
        self._real, self._go = real, threading.Event()

    def sleep(self, seconds: float) -> None:
        self._go.wait(10)  # only a broken run waits this long

    def release(self) -> None:
        self._go.set()

    def __getattr__(self, name: str):
        return getattr(self._real, name)


def test_a_burst_of_ballots_yields_one_tally_broadcast(app, monkeypatch):
    """Twenty ballots within one tally interval: each acked at once, one tally for all of them."""
    room = Room(app, phones=[f"Voter {i}" for i in range(20)])
    r = room.open()
    o1, o2, o3 = options(r)
    assert room.staff.wait_for("tally_changed")["voted"] == 0  # "0 of 20 have voted"
    settle()
    room.clear()
    timer = HeldTimer(tally_pump_module.socketio)
    monkeypatch.setattr(tally_pump_module, "socketio", timer)
    for i, phone in enumerate(room.phones):
        ack = cast(phone, r, {o2: 1 + i % 3, o3: 2})
        assert ack["ok"] and ack["version"] == 1  # each ballot is acked at once, not with the tally
    assert room.staff.got("tally_changed") == []  # the interval is not over
    timer.release()
    settle()
    sent = room.staff.got("tally_changed")
    assert [t["voted"] for t in sent] == [20], sent
    # o3 got 2 points from everyone; o2 got 1, 2, 3, 1, 2, 3, ...
    assert [(x["item_id"], x["points"]) for x in sent[0]["results"][:2]] == [(int(o3), 40), (int(o2), 39)]
    public = room.screen.got("tally_changed")
    assert [t["voted"] for t in public] == [20] and "results" not in public[0]


def test_an_overloaded_server_spaces_its_tallies_out_and_comes_back():
    pump = TallyPump()
    pump._room = 1000
    assert pump._wait() == pytest.approx(0.15)  # the room's beat
    beats = []
    on_time, a_little_late = (0.001,), (0.005,)
    for lateness in (0.02, 0.001, 0.02, 0.02, 0.005, 0.02, 0.02) + on_time * 3 + a_little_late + on_time * 8:
        pump.pace(lateness)
        beats.append(round(pump._wait(), 3))
    # late once: kept; late twice: doubled, then capped; on time four times in a row: halved (a
    # little late in between starts the count again), and back to the room's beat
    held = [0.5] * 4  # on time three times, then a little late
    assert beats == [0.15, 0.15, 0.15, 0.3, 0.3, 0.5, 0.5, *held, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.15]
    pump._room = 9000  # a room whose own beat is longer than an overload's keeps it
    pump.pace(0.05)
    pump.pace(0.05)
    assert pump._wait() == pytest.approx(0.95)


def test_the_tally_timer_measures_its_own_lateness():
    """Woken late again and again, the pump stretches its beat up to the overload beat; on time
    again for a few beats in a row, it relaxes back to the room's beat. One late wake (a
    collection) changes nothing, and nor does one on-time wake."""
    pump = TallyPump()
    pump.pace(1.0)
    assert pump._beat == 0.0
    for _ in range(4):  # 0.05 -> 0.1 -> 0.2 -> 0.4 -> 0.5 s
        pump.pace(1.0)
    assert pump._beat == pump.overload_beat
    for _ in range(pump.relax_after - 1):  # the loop now and then free at a beat, at the ceiling
        pump.pace(0.0)
    assert pump._beat == pump.overload_beat
    for _ in range(3 * pump.relax_after + 1):  # 0.5 -> 0.25 -> 0.125 -> 0.0625 -> the room's beat
        pump.pace(0.0)
    assert pump._beat == 0.0


def test_an_idle_tally_timer_starts_afresh(app, monkeypatch):
    """Every wake of the pump counts as late here; once nothing is left to send it stops, and
    the next ballot starts it on the room's beat again."""
    monkeypatch.setattr(tally_pump, "late", -1.0)
    room = Room(app, phones=["Ada Lovelace"])
    r = room.open()
    (o1, *_rest) = options(r)
    cast(room.phones[0], r, {o1: 1})
    room.staff.wait_for("tally_changed")
    settle()
    assert not tally_pump._running and tally_pump._beat == 0.0
    assert tally_pump._late_wakes == tally_pump._on_time_wakes == 0


# --- UNLINK: an anonymous round -----------------------------------------------------------


def test_an_anonymous_round_links_no_ballot_to_anyone(app):
    room = Room(app, phones=("Ada Lovelace", "Bob Builder", "Cy Twombly", "Di Fossey"))
    r = room.open(anonymous=True, results_hidden=False)
    assert r["anonymous"] is True
    o1, o2, o3 = options(r)
    acks = [cast(phone, r, {(o2, o3)[i % 2]: 1 + i % 3}) for i, phone in enumerate(room.phones)]
    assert all(a["ok"] and set(a) == {"ok", "round_id", "version", "ballot", "over_limit"} for a in acks)
    room.staff.wait_for("tally_changed", lambda p: p["voted"] == 4)
    room.screen.wait_for("tally_changed", lambda p: p["voted"] == 4)
    room.staff.ok("close_round", round_id=r["id"])
    settle()

    rows = committed(app)["ballots"]
    assert len(rows) == 4
    assert [row[2] for row in rows] == [None] * 4  # no participant id
    voter_keys = [row[1] for row in rows]
    assert len(set(voter_keys)) == 4 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in voter_keys)
    names = [p.name for p in room.phones]
    pids = [f"p{room.pid[p]}" for p in room.phones]
    assert not set(voter_keys) & set(pids)

    snap, wall = room.staff.snapshot(), room.screen.snapshot()
    assert "my_ballots" not in snap and "my_ballots" not in wall
    everything = {"staff snapshot": snap, "projector snapshot": wall}
    voting = {
        "staff snapshot": {"rounds": snap["rounds"], "tallies": snap["tallies"]},
        "projector snapshot": {"rounds": wall["rounds"], "tallies": wall["tallies"]},
        "staff broadcasts": room.staff.pull(),
        "projector broadcasts": room.screen.pull(),
        "Bob's view of the room": [(n, p) for n, p in room.bob.pull() if n != "ballot_changed"],
    }
    assert any(n == "tally_changed" and "results" in p for n, p in voting["staff broadcasts"])
    for what, payload in (everything | voting).items():
        text = json.dumps(payload)
        for secret in (*voter_keys, *pids):
            assert f'"{secret}"' not in text, (what, secret)
    # The items keep their authors (this workshop is named); the voting never names anyone.
    for what, payload in voting.items():
        text = json.dumps(payload)
        assert not any(name in text for name in names), what
        assert not keys(payload) & PERSONAL, what

    # Each voter still sees, and can change, their own ballot; only theirs.
    mine = room.ada.snapshot()["my_ballots"][str(r["id"])]
    assert mine == {"version": 1, "ballot": {o2: 1}, "over_limit": False}
    assert room.bob.snapshot()["my_ballots"][str(r["id"])]["ballot"] == {o3: 2}


def test_an_anonymous_ballot_can_be_edited_by_its_owner_only(app):
    room = Room(app)
    r = room.open(anonymous=True)
    o1, o2, o3 = options(r)
    assert cast(room.ada, r, {o2: 1})["ok"]
    edit = cast(room.ada, r, {o3: 3}, base=1)
    assert (edit["ok"], edit["version"], edit["ballot"]) == (True, 2, {o3: 3})
    # Bob's first ballot is his own row, not a replacement of Ada's.
    assert cast(room.bob, r, {o2: 2})["version"] == 1
    rows = committed(app)["ballots"]
    assert sorted((row[3], row[5]) for row in rows) == sorted(
        [(json.dumps({o3: 3}), 2), (json.dumps({o2: 2}), 1)]
    )
    assert room.ada.snapshot()["my_ballots"][str(r["id"])]["ballot"] == {o3: 3}


# --- snapshots after a reconnect --------------------------------------------------------------


def test_a_phone_that_reconnects_gets_its_ballot_back(app):
    room = Room(app)
    r = room.open()
    assert cast(room.ada, r, {options(r)[1]: 2})["ok"]
    again = Screen(connect(app, room.http[room.ada], _ref(room.id)), "Ada again")
    [snap] = again.got("snapshot")
    assert [x["id"] for x in snap["rounds"]] == [r["id"]]
    assert snap["my_ballots"] == {
        str(r["id"]): {"version": 1, "ballot": {options(r)[1]: 2}, "over_limit": False}
    }
    assert snap["tallies"][0]["round_id"] == r["id"] and "results" not in snap["tallies"][0]


def race(app, tabs: list[Screen], round_: dict, ballots: list, base: int) -> list[dict]:
    """Each tab sends its whole ballot from the same base version, released at the same moment."""
    acks: list = [None] * len(tabs)
    gate = threading.Barrier(len(tabs))

    def send(i: int) -> None:
        with app.app_context():  # each thread is its own request, as on a server
            gate.wait()
            acks[i] = cast(tabs[i], round_, ballots[i], base=base)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return acks


def test_concurrent_tabs_leave_one_ballot_within_budget(app):
    """Two tabs of one phone send whole ballots from the same version at once: one wins, one conflicts."""
    room = Room(app, phones=("Ada Lovelace",))
    r = room.open()
    o1, o2, o3 = options(r)
    tabs = [room.ada, room.second_tab(room.ada)]
    base = 0
    for attempt in range(5):
        acks = race(app, tabs, r, [{o2: 3, o3: 2}, {o3: 3, o1: 0, o2: 2}], base)
        assert sorted(a["ok"] for a in acks) == [False, True], (attempt, acks)
        loser = next(a for a in acks if not a["ok"])
        assert loser["code"] == "Conflict", loser
        winner = next(a for a in acks if a["ok"])
        base = winner["version"]
        [row] = committed(app)["ballots"]
        assert (json.loads(row[3]), row[4], row[5]) == (winner["ballot"], 5, base)
