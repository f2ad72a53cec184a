"""The cockpit over Socket.IO: the countdown's duration kept per phase, and undoing the board's
last change on every screen at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import BoardChange, Comment, Item, Reaction, Workshop
from app.privacy.removal import remove_participant
from app.workshops.services.undo import UNDO_DEPTH
from tests.conftest import (
    NS,
    events,
    make_item,
    make_participant,
    make_theme,
    make_user,
    make_workshop,
    op,
    phone,
    staff_socket,
)

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


# --- undoing the board's last change -----------------------------------------------------


class Board:
    """A workshop in the cluster phase: the cockpit, a phone and the projector connected."""

    def __init__(self, app) -> None:
        self.app = app
        self.user = make_user()
        self.workshop = make_workshop(self.user, phase="cluster")
        self.wid = self.workshop.id
        self.theme = make_theme(self.workshop, "Funding").id
        self.items = [make_item(self.workshop, text=text).id for text in ("Angels", "VCs", "Grants")]
        self.cockpit = staff_socket(app, self.workshop, self.user)
        self.projector = staff_socket(app, self.workshop, self.user, view="screen")
        self.phone = phone(app, self.workshop)
        self.screens = (self.cockpit, self.projector, self.phone)

    def undo_shown(self) -> dict | None:
        """What the cockpit's undo button names now (its last board, or a fresh snapshot)."""
        return snapshot(self.cockpit)["board_undo"]

    def undo(self) -> dict:
        return ok(self.cockpit, "undo_board", change_id=self.undo_shown()["id"])

    def places(self) -> dict[int, tuple[int | None, int]]:
        db.session.expire_all()
        rows = db.session.scalars(sa.select(Item).where(Item.workshop_id == self.wid, Item.state == "live"))
        return {item.id: (item.theme_id, item.position) for item in rows}


def snapshot(sock) -> dict:
    return sock.emit("get_snapshot", {}, namespace=NS, callback=True)["snapshot"]


@pytest.fixture
def board(app, monkeypatch):
    monkeypatch.setitem(app.config, "SNAPSHOT_INTERVAL", 0)
    return Board(app)


def test_undoing_a_move_puts_the_card_back_on_every_screen(board):
    before = board.places()
    ok(board.cockpit, "move_item", item_id=board.items[1], theme_id=board.theme, index=0)
    assert board.undo_shown() | {"id": 0} == {"id": 0, "kind": "move_item", "item_id": board.items[1]}
    for sock in board.screens:
        sock.get_received(NS)
    assert board.undo()["undone"] == "move_item"
    assert board.places() == before  # "VCs" back between the two others
    cockpit, projector, phone_ = ([*events(sock, "board_changed")] for sock in board.screens)
    for [change] in (cockpit, projector, phone_):
        assert [board.items[1], None, 1] in change["placement"]
    assert cockpit[0]["undo"] is None  # nothing left to undo
    assert "undo" not in phone_[0] and "undo" not in projector[0]  # only the facilitator's screens
    assert "board_undo" not in snapshot(board.phone) and "board_undo" not in snapshot(board.projector)


def test_each_undo_takes_back_the_change_before_the_last(board):
    start = board.places()
    ok(board.cockpit, "update_theme", theme_id=board.theme, name="Money", color="#be123c")
    ok(board.cockpit, "move_item", item_id=board.items[0], theme_id=board.theme, index=None)
    new = ok(board.cockpit, "create_theme", name="Public money", item_ids=[board.items[2]])["theme"]["id"]
    ok(board.cockpit, "order_themes", theme_ids=[new, board.theme])
    assert [board.undo()["undone"] for _ in range(3)] == ["order_themes", "create_theme", "move_item"]
    assert board.places() == start
    assert [t["id"] for t in snapshot(board.phone)["themes"]] == [board.theme]  # the new theme went
    assert board.undo()["undone"] == "update_theme"
    assert snapshot(board.phone)["themes"][0] | {"position": 0} == {
        "id": board.theme, "name": "Funding", "color": "#1d4ed8", "position": 0
    }  # fmt: skip
    assert board.undo_shown() is None


def test_undoing_a_deleted_theme_brings_it_back_with_its_cards(board):
    for item in board.items[:2]:
        ok(board.cockpit, "move_item", item_id=item, theme_id=board.theme, index=None)
    before = board.places()
    ok(board.cockpit, "delete_theme", theme_id=board.theme)
    assert board.undo_shown()["name"] == "Funding"
    board.undo()
    assert board.places() == before
    assert [t["name"] for t in snapshot(board.projector)["themes"]] == ["Funding"]


def test_undoing_a_merge_brings_back_the_duplicate_its_comments_and_plus_ones(board):
    kept, duplicate = board.items[:2]
    ada, bo = (make_participant(board.workshop, name).id for name in ("Ada", "Bo"))
    db.session.add_all(
        [
            Reaction(item_id=kept, participant_id=ada),
            Reaction(item_id=duplicate, participant_id=ada),  # counted once after the merge
            Reaction(item_id=duplicate, participant_id=bo),
            Comment(workshop_id=board.wid, item_id=duplicate, participant_id=bo, text="Same as VCs?"),
        ]
    )
    db.session.commit()
    ok(board.cockpit, "merge_items", target_id=kept, item_ids=[duplicate])
    assert board.undo_shown() | {"id": 0} == {"id": 0, "kind": "merge_items", "item_id": kept, "count": 1}
    board.phone.get_received(NS)
    board.undo()
    assert events(board.phone, "resync")  # items come back: every screen takes a snapshot
    room = snapshot(board.phone)
    assert {i["id"] for i in room["items"]} == set(board.items)
    assert room["reactions"] == {str(kept): 1, str(duplicate): 2}
    assert [(c["item_id"], c["text"]) for c in room["comments"]] == [(duplicate, "Same as VCs?")]
    assert next(i for i in room["items"] if i["id"] == kept)["merged_from"] == []


def test_undo_takes_back_only_the_change_its_button_named(board):
    ok(board.cockpit, "move_item", item_id=board.items[0], theme_id=board.theme, index=None)
    named = board.undo_shown()["id"]
    ok(board.cockpit, "move_item", item_id=board.items[1], theme_id=board.theme, index=None)
    other = staff_socket(board.app, board.workshop, board.user)
    ok(other, "undo_board", change_id=board.undo_shown()["id"])  # another cockpit undid the last
    places = board.places()
    for change_id in (named + 1, "1", None, 2**40):
        ack = board.cockpit.emit(
            "undo_board", {"op_id": op(), "change_id": change_id}, namespace=NS, callback=True
        )
        assert (ack["ok"], ack["code"]) == (False, "Conflict")
    assert board.places() == places


def test_a_participants_move_is_not_the_facilitators_to_undo(board):
    workshop = db.session.get(Workshop, board.wid)
    workshop.participants_cluster = True
    db.session.commit()
    ok(board.cockpit, "move_item", item_id=board.items[0], theme_id=board.theme, index=None)
    ok(board.phone, "move_item", item_id=board.items[1], theme_id=board.theme, index=0)
    assert board.undo_shown()["item_id"] == board.items[0]  # still the facilitator's move
    ack = board.phone.emit("undo_board", {"op_id": op(), "change_id": 1}, namespace=NS, callback=True)
    assert ack["code"] == "Forbidden"
    board.undo()
    assert board.places()[board.items[1]] == (board.theme, 0)  # the participant's move stays


def test_a_participant_leaving_clears_the_undo(board):
    ada = make_participant(board.workshop, "Ada")
    ok(board.cockpit, "move_item", item_id=board.items[0], theme_id=board.theme, index=None)
    remove_participant(board.wid, ada.id, by="facilitator")
    assert board.undo_shown() is None


def test_only_the_last_changes_are_kept(board):
    for n in range(UNDO_DEPTH + 5):
        ok(board.cockpit, "move_item", item_id=board.items[n % 3], theme_id=board.theme, index=0)
    db.session.expire_all()
    kept = db.session.scalars(sa.select(BoardChange.id).where(BoardChange.workshop_id == board.wid)).all()
    assert len(kept) == UNDO_DEPTH


# --- suggested themes say why -------------------------------------------------------------


def test_a_suggested_theme_says_which_words_and_topic_its_items_share(board):
    for text in ("Angel investors for the seed round", "Seed investors in Dubai", "A grant for the trip"):
        make_item(board.workshop, text=text)
    ack = ok(board.cockpit, "suggest_themes")
    [suggestion] = [s for s in ack["suggestions"] if len(s["item_ids"]) >= 3]
    assert suggestion["name"].split(" · ")[0] in ("Investors", "Seed")
    assert suggestion["keywords"][:2] in (["investors", "seed"], ["seed", "investors"])
    assert suggestion["topics"][0] == {"key": "funding", "label": "funding"}
    texts = dict(db.session.execute(sa.select(Item.id, Item.text).where(Item.workshop_id == board.wid)).all())
    why = dict(zip((texts[i] for i in suggestion["item_ids"]), suggestion["reasons"], strict=True))
    assert why["A grant for the trip"] == {"words": [], "topics": ["funding"]}  # the topic, not a word
    assert set(why["Seed investors in Dubai"]["words"]) == {"seed", "investors"}


def test_undo_costs_a_command_of_the_facilitators_budget(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMAND_BURST", 4)
    monkeypatch.setitem(app.config, "COMMAND_RATE", 0.01)
    board = Board(app)  # the account's cockpit and projector connected: two of its four tokens
    acks = [
        board.cockpit.emit("undo_board", {"op_id": op(), "change_id": 1}, namespace=NS, callback=True)
        for _ in range(3)
    ]
    assert [a["code"] for a in acks] == ["Conflict", "Conflict", "RateLimited"]
    assert acks[-1]["scope"] == "commands"
