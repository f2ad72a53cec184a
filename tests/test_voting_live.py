"""Voting against the real server (gevent, a subprocess on 127.0.0.1): races between two tabs of
one phone, a budget lowered mid-round, an anonymous round seen from the cockpit, and a choice hidden
while phones vote for it; the races again on PostgreSQL.

The database is read directly afterwards, so only what was committed counts.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field

import pytest
import socketio

from tests import live

pytestmark = pytest.mark.live

TIMEOUT = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module; each test runs its own workshop on it."""
    with live.start(tmp_path_factory.mktemp("voting-live")) as server:
        server.create_user("fac@example.org")
        yield server
    assert "Traceback" not in server.log(), server.log()


# --- helpers ---------------------------------------------------------------------------


_ops = iter(range(1, 10**9))


def call(sio: socketio.Client, event: str, **payload) -> dict:
    return live.call(sio, event, {"op_id": f"live-{next(_ops):08d}", **payload}, TIMEOUT)


def ok(sio: socketio.Client, event: str, **payload) -> dict:
    ack = call(sio, event, **payload)
    assert ack["ok"] is True, (event, payload, ack)
    return ack


def snapshot(sio: socketio.Client) -> dict:
    ack = live.call(sio, "get_snapshot", {}, TIMEOUT)
    assert ack["ok"], ack
    return ack["snapshot"]


@dataclass
class LiveRoom:
    """A workshop in the vote phase with three ideas, its cockpit, and phones (cookies and sockets)."""

    server: live.LiveServer
    id: int
    code: str
    staff: socketio.Client
    cookies: list[dict] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    sockets: list[socketio.Client] = field(default_factory=list)
    items: list[int] = field(default_factory=list)

    def phone(self, name: str) -> socketio.Client:
        self.cookies.append(live.join(self.server, self.code, name))
        sio = self.tab(len(self.cookies) - 1)
        self.pids.append(snapshot(sio)["me"]["id"])
        return sio

    def tab(self, i: int) -> socketio.Client:
        """Another socket with phone i's cookie: a second tab of the same participant."""
        sio = live.connect(self.server, self.cookies[i], self.id, "participant")
        self.sockets.append(sio)
        return sio

    def close(self) -> None:
        # All at once: each websocket close waits a moment for the server's close frame.
        threads = [threading.Thread(target=sio.disconnect) for sio in [self.staff, *self.sockets]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)


def live_room(server: live.LiveServer, phones=("Ada Lovelace",)) -> tuple[LiveRoom, list[socketio.Client]]:
    """The facilitator makes a workshop over HTTP; phones join and propose ideas; the room moves to vote."""
    fac = live.http_login(server, "fac@example.org")
    workshop_id, code = live.create_workshop(server, fac, "Live vote", ["propose", "vote"])
    staff = live.connect(server, fac.cookies.get_dict(), workshop_id, "staff")
    room = LiveRoom(server, workshop_id, code, staff)
    ok(staff, "set_phase", phase="propose")
    socks = [room.phone(name) for name in phones]
    for text in ("A Tokyo desk", "A booth in Singapore", "Mentors in Seoul"):
        room.items.append(ok(socks[0], "propose_item", kind="idea", text=text)["item"]["id"])
    ok(staff, "set_phase", phase="vote")
    return room, socks


def ballots(server: live.LiveServer, round_id: int) -> list[tuple]:
    """The committed ballots of a round: (voter, participant_id, data, total, version)."""
    url = server.env["DATABASE_URL"]
    query = "select voter, participant_id, data, total, version from ballots where round_id = {} order by id"
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            rows = conn.execute(query.format("?"), (round_id,)).fetchall()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute(query.format("%s"), (round_id,)).fetchall()
    return [(v, p, d if isinstance(d, str) else json.dumps(d), t, n) for v, p, d, t, n in rows]


def race(tabs: list[socketio.Client], round_id: int, ballots_: list[dict], base: int) -> list[dict]:
    """Each tab sends its whole ballot from the same base version, released at the same moment."""
    acks: list = [None] * len(tabs)
    gate = threading.Barrier(len(tabs))

    def send(i: int) -> None:
        gate.wait()
        acks[i] = call(tabs[i], "cast_ballot", round_id=round_id, base_version=base, ballot=ballots_[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT + 5)
    return acks


# --- two tabs of one phone ---------------------------------------------------------------


def two_tabs_race(server: live.LiveServer, pairs: int = 6, anonymous: bool = False) -> None:
    room, [ada] = live_room(server)
    try:
        r = ok(
            room.staff,
            "open_round",
            title="Which first?",
            method="dots",
            target="items",
            item_ids=room.items,
            anonymous=anonymous,
        )["round"]
        o1, o2, o3 = (str(o["id"]) for o in r["options"])
        tabs = [ada, room.tab(0)]
        choices = [{o1: 3, o2: 2}, {o2: 1, o3: 3, o1: 1}]  # each alone is within 5 points, 3 per item
        wins = 0
        for pair in range(pairs):
            # Each tab builds on the version it saw last, as the phone's page does.
            bases = [(snapshot(tab)["my_ballots"][str(r["id"])] or {"version": 0})["version"] for tab in tabs]
            assert bases[0] == bases[1] == wins
            acks = race(tabs, r["id"], choices if pair % 2 else choices[::-1], bases[0])
            assert sorted(a["ok"] for a in acks) == [False, True], (pair, acks)
            [lost] = [a for a in acks if not a["ok"]]
            [won] = [a for a in acks if a["ok"]]
            assert lost["code"] == "Conflict", lost
            wins += 1
            assert won["version"] == wins
            [(voter, pid, data, total, version)] = ballots(server, r["id"])
            if anonymous:
                assert pid is None and re.fullmatch("[0-9a-f]{64}", voter), (voter, pid)
            else:
                assert (voter, pid) == (f"p{room.pids[0]}", room.pids[0])
            assert json.loads(data) == won["ballot"] and version == wins
            assert total == sum(won["ballot"].values()) <= r["budget"]
        mine = snapshot(ada)["my_ballots"][str(r["id"])]
        assert mine["version"] == wins and mine["over_limit"] is False
    finally:
        room.close()


def test_two_tabs_of_one_phone_race(server):
    two_tabs_race(server)


def test_two_tabs_of_one_phone_race_on_postgresql(tmp_path):
    from tests.services import postgres

    with postgres() as url, live.start(tmp_path, DATABASE_URL=url) as server:
        server.create_user("fac@example.org")
        two_tabs_race(server, pairs=3)
        two_tabs_race(server, pairs=3, anonymous=True)
        assert "Traceback" not in server.log(), server.log()


# --- limits changed mid-round --------------------------------------------------------------


def test_budget_lowered_mid_round(server):
    room, [ada, bob] = live_room(server, phones=("Ada Lovelace", "Bob Builder"))
    try:
        changes: list[dict] = []
        bob.on("round_changed", lambda payload: changes.append(payload), namespace="/live")
        r = ok(room.staff, "open_round", title="Dots", method="dots", target="items", item_ids=room.items)[
            "round"
        ]
        o1, o2, o3 = (str(o["id"]) for o in r["options"])
        assert (
            ok(ada, "cast_ballot", round_id=r["id"], base_version=0, ballot={o2: 3, o3: 2})["over_limit"]
            is False
        )
        ok(bob, "cast_ballot", round_id=r["id"], base_version=0, ballot={o1: 1})
        before = ballots(server, r["id"])

        limits = ok(room.staff, "set_limits", round_id=r["id"], budget=3, cap=2)["round"]
        assert (limits["budget"], limits["cap"]) == (3, 2)
        assert ballots(server, r["id"]) == before  # kept as they were
        mine = snapshot(ada)["my_ballots"][str(r["id"])]
        assert mine == {"version": 1, "ballot": {o2: 3, o3: 2}, "over_limit": True}
        assert snapshot(bob)["my_ballots"][str(r["id"])]["over_limit"] is False
        assert snapshot(bob)["rounds"][0]["budget"] == 3
        assert any(c["round"]["budget"] == 3 for c in changes), changes

        again = call(ada, "cast_ballot", round_id=r["id"], base_version=1, ballot={o2: 3, o3: 2})
        assert again["ok"] is False and again["code"] == "Invalid"
        trimmed = ok(ada, "cast_ballot", round_id=r["id"], base_version=1, ballot={o2: 2, o3: 1})
        assert (trimmed["version"], trimmed["over_limit"]) == (2, False)
        assert snapshot(ada)["my_ballots"][str(r["id"])]["over_limit"] is False
        assert sorted(row[3] for row in ballots(server, r["id"])) == [1, 3]
    finally:
        room.close()


# --- an anonymous round from the cockpit ---------------------------------------------------

PERSONAL = {"voter", "participant", "participant_id", "display_name", "organisation", "me", "author"}


def _keys(payload) -> set[str]:
    if isinstance(payload, dict):
        return set(payload).union(*(_keys(v) for v in payload.values()))
    if isinstance(payload, list):
        return set().union(*(_keys(v) for v in payload))
    return set()


def test_an_anonymous_round_names_nobody_in_the_cockpit(server):
    names = ("Ada Lovelace", "Bob Builder", "Cy Twombly")
    room, phones = live_room(server, phones=names)
    try:
        tallies: list[dict] = []
        room.staff.on("tally_changed", lambda payload: tallies.append(payload), namespace="/live")
        r = ok(
            room.staff,
            "open_round",
            title="Secret",
            method="ranking",
            target="items",
            item_ids=room.items,
            anonymous=True,
        )["round"]
        ids = [o["id"] for o in r["options"]]
        for i, sio in enumerate(phones):
            ok(sio, "cast_ballot", round_id=r["id"], base_version=0, ballot=ids[i:] + ids[:i])
        ok(room.staff, "close_round", round_id=r["id"])
        rows = ballots(server, r["id"])
        assert len(rows) == 3 and [row[1] for row in rows] == [None] * 3
        voter_keys = [row[0] for row in rows]
        pids = [f"p{pid}" for pid in room.pids]
        assert len(set(voter_keys)) == 3 and not set(voter_keys) & set(pids)

        snap = snapshot(room.staff)
        assert snap["tallies"][0]["voted"] == 3 and "results" in snap["tallies"][0]
        assert "my_ballots" not in snap
        voting = {"rounds": snap["rounds"], "tallies": snap["tallies"], "broadcasts": tallies}
        for secret in (*voter_keys, *pids):
            assert f'"{secret}"' not in json.dumps(snap) and f'"{secret}"' not in json.dumps(tallies), secret
        text = json.dumps(voting)
        assert not any(name in text for name in names)
        assert not _keys(voting) & PERSONAL
        # Each phone still has its own ballot back.
        for i, sio in enumerate(phones):
            assert snapshot(sio)["my_ballots"][str(r["id"])]["ballot"] == ids[i:] + ids[:i]
    finally:
        room.close()


# --- moderation racing the ballots -----------------------------------------------------------


def moderation_race(server: live.LiveServer, voters: int = 6) -> None:
    """Phones re-cast a choice at the moment the facilitator hides it: whichever commits first, no
    ballot keeps the choice, and each voter's ballot and version are what their phone is told."""
    room, phones = live_room(server, phones=tuple(f"Voter {i}" for i in range(voters)))
    try:
        r = ok(room.staff, "open_round", title="Race", method="dots", target="items", item_ids=room.items)[
            "round"
        ]
        o1, o2, _o3 = (str(o["id"]) for o in r["options"])
        for sio in phones:
            ok(sio, "cast_ballot", round_id=r["id"], base_version=0, ballot={o1: 1, o2: 2})
        acks: list = [None] * voters
        gate = threading.Barrier(voters + 1)

        def recast(i: int) -> None:
            gate.wait()
            acks[i] = call(phones[i], "cast_ballot", round_id=r["id"], base_version=1, ballot={o2: 3})

        threads = [threading.Thread(target=recast, args=(i,)) for i in range(voters)]
        for t in threads:
            t.start()
        gate.wait()
        ok(room.staff, "hide_item", item_id=room.items[1], hidden=True)
        for t in threads:
            t.join(TIMEOUT + 5)
        assert all(a["ok"] or a["code"] == "Conflict" for a in acks), acks
        rows = ballots(server, r["id"])
        assert len(rows) == voters
        for data, total, version in ((json.loads(d), t, n) for _v, _p, d, t, n in rows):
            assert o2 not in data and total == sum(data.values()), rows
            # Re-cast first, then emptied by the hide (3); or emptied of o2 by the hide first (2).
            assert (data, version) in (({}, 3), ({o1: 1}, 2)), rows
        for i, sio in enumerate(phones):
            mine = snapshot(sio)["my_ballots"][str(r["id"])]
            assert mine["ballot"] == ({} if acks[i]["ok"] else {o1: 1}), (i, acks[i], mine)
    finally:
        room.close()


def test_a_choice_hidden_while_phones_vote_for_it(server):
    moderation_race(server)


def test_a_choice_hidden_while_phones_vote_for_it_on_postgresql(tmp_path):
    from tests.services import postgres

    with postgres() as url, live.start(tmp_path, DATABASE_URL=url) as server:
        server.create_user("fac@example.org")
        moderation_race(server)
        moderation_race(server)
        assert "Traceback" not in server.log(), server.log()
