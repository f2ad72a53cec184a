"""New items, comments and +1s reach the screens once a beat (app/change_pump.py): one message
per room and beat, its changes in version order, and every screen ends showing what the
database holds (CONVERGE).

The beat is made longer than any test here, and the test sends it (`beat()`): what is
asserted is what a beat holds and what a screen makes of it, never when it comes.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import realtime
from app.change_pump import ChangePump, batches
from app.extensions import db
from app.models import Comment, Item, Reaction
from app.realtime.attendance import presence
from tests.conftest import NS, connect, join, login, make_user, make_workshop, op

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def long_beat(monkeypatch):
    """No beat comes by itself during a test."""
    monkeypatch.setattr(ChangePump, "interval", 60.0)
    monkeypatch.setattr(ChangePump, "longest", 60.0)
    realtime.forget_all()
    yield
    realtime.forget_all()


def beat(app) -> None:
    app.extensions["change_pump"].flush()


def send(sock, event: str, **payload) -> dict:
    ack = sock.emit(event, {"op_id": op(), **payload}, namespace=NS, callback=True)
    assert ack["ok"], ack
    return ack


def messages(sock) -> list[tuple[str, dict]]:
    """What the socket got since the last look, as it came over the wire (presence counts aside)."""
    return [(e["name"], e["args"][0]) for e in sock.get_received(NS) if e["name"] != "presence_changed"]


class Screen:
    """What a screen shows after its snapshot and the messages it applied, as live.js applies them."""

    def __init__(self, snapshot: dict) -> None:
        self.v = snapshot["v"]
        self.items = {i["id"]: i for i in snapshot["items"]}
        self.comments = {c["id"]: c for c in snapshot["comments"]}
        self.reactions = {int(k): n for k, n in snapshot["reactions"].items()}
        self.mine = set(snapshot.get("my_reactions", []))
        self.resyncs = 0

    def apply(self, name: str, payload: dict) -> None:
        if name == "changed":
            for event, change in sorted(payload["changes"], key=lambda c: c[1]["v"]):
                if change["v"] > self.v + 1:
                    self.resyncs += 1
                    return
                if change["v"] < self.v:  # one's own room, after the room's: what is one's own
                    self._own(event, change)
                    continue
                self._change(event, change, beat=True)
                self.v = change["v"]
        elif "v" in payload:
            assert payload["v"] <= self.v + 1, (name, payload)
            self._change(name, payload, beat=False)
            self.v = max(self.v, payload["v"])

    def _change(self, event: str | None, change: dict, beat: bool) -> None:
        if event == "item_changed":
            self.items[change["item"]["id"]] = self._keep_mine(self.items, change["item"], beat)
        elif event == "comment_changed":
            self.comments[change["comment"]["id"]] = self._keep_mine(self.comments, change["comment"], beat)
        elif event == "reaction_changed":
            self.reactions[change["item_id"]] = change["count"]
            self._own(event, change)
        elif event == "item_removed":
            self.items.pop(change["id"], None)

    @staticmethod
    def _keep_mine(held: dict, entry: dict, beat: bool) -> dict:
        return entry | {"mine": True} if beat and held.get(entry["id"], {}).get("mine") else entry

    def _own(self, event: str | None, change: dict) -> None:
        own = change.get("item") or change.get("comment")
        if own and own.get("mine") is True:
            held = self.items if "item" in change else self.comments
            held[own["id"]] = held.get(own["id"], own) | {"mine": True}
        elif event == "reaction_changed" and change.get("mine") is not None:
            (self.mine.add if change["mine"] else self.mine.discard)(change["item_id"])

    def shown(self) -> dict:
        return {
            "items": {i: (x["text"], x["mine"]) for i, x in self.items.items()},
            "comments": {c: (x["text"], x["mine"]) for c, x in self.comments.items()},
            "reactions": {i: n for i, n in self.reactions.items() if n},
            "my_reactions": self.mine,
        }

    @classmethod
    def from_snapshot(cls, sock) -> Screen:
        ack = sock.emit("get_snapshot", {}, namespace=NS, callback=True)
        return cls(ack["snapshot"])


class Room:
    """A workshop with the cockpit, the projector and five phones, each with its screen."""

    def __init__(self, app, phase: str = "propose", **settings) -> None:
        facilitator = make_user()
        self.workshop = make_workshop(facilitator, phase=phase, **settings)
        laptop = login(app.test_client(), facilitator)
        self.staff = connect(app, laptop, self.workshop, "staff")
        self.projector = connect(app, laptop, self.workshop, "screen")
        self.phones = [connect(app, join(app, self.workshop, f"Phone {n}"), self.workshop) for n in range(5)]
        self.all = [self.staff, self.projector, *self.phones]
        self.screens = {}
        for sock in self.all:
            sock.get_received(NS)
            self.screens[sock] = Screen.from_snapshot(sock)

    def hear(self) -> dict:
        """Every socket's messages since the last look, applied to its screen."""
        heard = {}
        for sock in self.all:
            heard[sock] = messages(sock)
            for name, payload in heard[sock]:
                self.screens[sock].apply(name, payload)
        return heard

    def assert_converged(self) -> None:
        """Each screen shows what a fresh snapshot (read from the database) shows, without having
        needed one; the cockpit shows every item the database holds."""
        for sock in self.all:
            screen = self.screens[sock]
            assert screen.resyncs == 0
            assert screen.shown() == Screen.from_snapshot(sock).shown()
        db.session.expire_all()
        stored = set(db.session.scalars(sa.select(Item.text).where(Item.workshop_id == self.workshop.id)))
        assert {text for text, _mine in self.screens[self.staff].shown()["items"].values()} == stored


def versions(changes: list[list]) -> list[int]:
    return [change[1]["v"] for change in changes]


def test_fifty_ideas_within_a_beat_reach_each_screen_as_one_message_in_version_order(app):
    room = Room(app)
    acks = [send(room.phones[n % 5], "propose_item", kind="idea", text=f"Idea {n}") for n in range(50)]
    assert all(messages(sock) == [] for sock in room.all)  # acknowledged, and waiting for the beat

    beat(app)
    heard = room.hear()
    every = [ack["v"] for ack in acks]
    for sock in (room.staff, room.projector):
        [(name, payload)] = heard[sock]
        assert name == "changed" and versions(payload["changes"]) == every
    for n, sock in enumerate(room.phones):
        # The room's beat, then the phone's own room's: its ideas again, marked as its own.
        (room_name, in_room), (own_name, own) = heard[sock]
        assert room_name == own_name == "changed"
        assert versions(in_room["changes"]) == every
        assert versions(own["changes"]) == every[n::5]
        assert all(change[1]["item"]["mine"] for change in own["changes"])
    room.assert_converged()
    for n, sock in enumerate(room.phones):
        mine = sorted(i for i, (_text, is_mine) in room.screens[sock].shown()["items"].items() if is_mine)
        assert mine == [ack["item"]["id"] for ack in acks[n::5]]


def test_comments_and_plus_ones_within_a_beat_go_out_together(app):
    room = Room(app)
    item = send(room.phones[0], "propose_item", kind="idea", text="A shared pavilion")["item"]["id"]
    send(room.staff, "set_phase", phase="discuss")  # at once, after the idea's beat
    room.hear()
    for n, sock in enumerate(room.phones):
        send(sock, "add_comment", item_id=item, text=f"Comment {n}")
        send(sock, "toggle_reaction", item_id=item)
    send(room.phones[0], "toggle_reaction", item_id=item)  # and taken back
    send(room.staff, "add_comment", item_id=item, text="From the facilitator")

    beat(app)
    heard = room.hear()
    [(name, payload)] = heard[room.projector]
    assert name == "changed" and len(payload["changes"]) == 12
    assert versions(payload["changes"]) == sorted(versions(payload["changes"]))
    room.assert_converged()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 6
    assert db.session.scalar(sa.select(sa.func.count(Reaction.id))) == 4
    assert room.screens[room.phones[0]].mine == set()
    assert room.screens[room.phones[1]].mine == {item}


def test_a_change_sent_at_once_follows_the_changes_waiting_for_their_beat(app):
    """An edit goes out at once: the beat's changes under it go first, so no screen sees a gap."""
    room = Room(app)
    first = send(room.phones[0], "propose_item", kind="idea", text="First")
    second = send(room.phones[1], "propose_item", kind="idea", text="Second")
    edit = send(room.staff, "edit_item", item_id=first["item"]["id"], text="First, edited")

    heard = room.hear()
    [(batch, in_room), (edited, change)] = heard[room.projector]
    assert (batch, versions(in_room["changes"])) == ("changed", [first["v"], second["v"]])
    assert (edited, change["v"], change["item"]["text"]) == ("item_changed", edit["v"], "First, edited")
    room.assert_converged()


def test_an_idea_while_ideation_is_private_is_a_bare_version_to_the_room(app):
    room = Room(app, private_ideation=True)
    for sock in room.all:
        room.screens[sock] = Screen.from_snapshot(sock)
    ack = send(room.phones[0], "propose_item", kind="idea", text="Only mine")
    beat(app)
    heard = room.hear()
    assert heard[room.projector] == [("changed", {"changes": [[None, {"v": ack["v"]}]]})]
    assert heard[room.phones[1]] == heard[room.projector]
    assert heard[room.phones[0]] == [
        ("changed", {"changes": [[None, {"v": ack["v"]}]]}),
        ("changed", {"changes": [["item_changed", {"v": ack["v"], "item": ack["item"]}]]}),
    ]
    assert "Only mine" in str(heard[room.staff])
    room.assert_converged()


def test_a_beats_changes_are_sorted_by_version_in_each_room():
    """Commits may reach the pump out of order (two handlers between commit and broadcast)."""
    item = {"id": 7, "text": "x"}
    got = batches(
        [
            ("w1:staff", "item_changed", {"v": 5, "item": item}),
            ("w1:public", "item_removed", {"v": 5, "id": 7}),
            ("w1:staff", "item_changed", {"v": 4, "item": item}),
            ("w1:public", "reaction_changed", {"v": 4, "item_id": 7, "count": 1}),
            ("p3", "reaction_changed", {"v": 4, "item_id": 7, "count": 1, "mine": True}),
        ]
    )
    assert list(got) == ["w1:staff", "w1:public", "p3"]
    assert got["w1:staff"] == [
        ["item_changed", {"v": 4, "item": item}],
        ["item_changed", {"v": 5, "item": item}],
    ]
    assert got["w1:public"] == [
        ["reaction_changed", {"v": 4, "item_id": 7, "count": 1}],
        [None, {"v": 5}],  # nothing of what the room may not see
    ]


def test_the_beat_follows_the_whole_rooms_size(app, monkeypatch):
    """With several processes every one of them sends its beat to every screen: the beat is as
    long as the room on all of them makes it (presence), not this process's share of it."""
    room = Room(app)
    send(room.phones[0], "propose_item", kind="idea", text="One")
    pump = app.extensions["change_pump"]
    monkeypatch.setattr(ChangePump, "interval", 0.05)
    monkeypatch.setattr(ChangePump, "longest", 1.0)
    assert pump._wait() == pytest.approx(0.05 + 5 / 10_000)  # one process: its five phones
    monkeypatch.setattr(presence, "count", lambda workshop_id: 8_000)  # phones elsewhere too
    assert pump._wait() == pytest.approx(0.85)
