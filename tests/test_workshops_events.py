"""The live room over Socket.IO: commands, acks after commit, who receives what, and recovery."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import realtime
from app.auth.actor import PARTICIPANT, Actor
from app.core.countries import find_country
from app.extensions import db, socketio
from app.models import Comment, Item, ItemState, Operation, Reaction, Role, Team, TeamMember, Workshop
from app.realtime import attendance
from app.workshops import views
from app.workshops.forms import TEXT_MAX
from tests.conftest import (
    NS,
    connect,
    events,
    join,
    login,
    make_item,
    make_participant,
    make_user,
    make_workshop,
    op,
    phone,
    statements,
)
from tests.conftest import received as received_raw

pytestmark = pytest.mark.usefixtures("fast_passwords")

# --- helpers ---------------------------------------------------------------------------


def send(sock, event: str, *args) -> dict:
    return sock.emit(event, *args, namespace=NS, callback=True)


def propose(sock, text="Open a desk in Singapore", kind="idea", country=None, op_id=None) -> dict:
    payload = {"op_id": op_id or op(), "kind": kind, "text": text}
    if country is not None:
        payload["country"] = country
    return send(sock, "propose_item", payload)


def received(sock) -> list[tuple[str, dict]]:
    """What the socket got since the last look (looking empties the queue).

    Leaves out presence_changed: it is sent on a one-second timer, from a thread that
    may belong to an earlier test, so when it lands is not part of any rule here.
    """
    return [(e["name"], e["args"][0]) for e in received_raw(sock) if e["name"] != "presence_changed"]


def named(got: list[tuple[str, dict]], name: str) -> list[dict]:
    return [payload for n, payload in got if n == name]


def drain(*socks) -> None:
    for sock in socks:
        received_raw(sock)


def snapshot(sock) -> dict:
    ack = send(sock, "get_snapshot", {})
    assert ack["ok"], ack
    return ack["snapshot"]


def item_ids(snap: dict) -> list[int]:
    return [item["id"] for item in snap["items"]]


def rows() -> list[Item]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Item).order_by(Item.id)))


def raw_items(app) -> list[tuple]:
    """The items as another process would read them: only what is committed."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute("select id, text, state from items order by id").fetchall()


def try_connect(app, http, workshop_id, view="participant", auth=None):
    """A socket that may be refused: returns the client, connected or not."""
    auth = {"workshop": workshop_id, "view": view} if auth is None else auth
    return socketio.test_client(app, namespace=NS, flask_test_client=http, auth=auth)


class Room:
    """A workshop with its facilitator's cockpit, the projector and two phones."""

    def __init__(self, app, **settings):
        self.app = app
        self.facilitator = make_user()
        self.workshop = make_workshop(self.facilitator, **settings)
        # The facilitator's laptop: the cockpit and the projector tab share one login.
        self.laptop = login(app.test_client(), self.facilitator)
        self.staff = connect(app, self.laptop, self.workshop, "staff")
        self.screen = connect(app, self.laptop, self.workshop, "screen")
        self.ada = phone(app, self.workshop, "Ada Lovelace")
        self.bob = phone(app, self.workshop, "Bob Builder")
        drain(*self.all)

    @property
    def all(self):
        return [self.staff, self.screen, self.ada, self.bob]


@pytest.fixture
def room(app) -> Room:
    return Room(app)


@pytest.fixture(autouse=True)
def _no_connections_of_earlier_tests():
    """Connections are tracked per process; earlier tests' sockets were never disconnected."""
    realtime.forget_all()
    yield
    realtime.forget_all()


# --- ACK: acknowledged means committed --------------------------------------------------


def test_the_ack_follows_the_commit(app, room, monkeypatch):
    at_broadcast = []
    real_on_beat = realtime.on_beat

    def spy(workshop_id, messages):  # a new item goes out on the next beat
        at_broadcast.append(raw_items(app))
        real_on_beat(workshop_id, messages)

    monkeypatch.setattr(realtime, "on_beat", spy)
    ack = propose(room.ada, "Partner with Kenyan fintechs")
    assert ack["ok"], ack
    # When the ack arrives, the row is in the file, visible to any other connection.
    assert raw_items(app) == [(ack["item"]["id"], "Partner with Kenyan fintechs", "live")]
    # And the room heard of it only after the commit.
    assert at_broadcast == [raw_items(app)]
    assert ack["item"]["mine"] is True and ack["item"]["author"] == "Ada Lovelace"


def test_a_failed_commit_is_not_acknowledged_nor_broadcast(app, room, monkeypatch):
    def fail():
        raise sa.exc.OperationalError("commit", {}, Exception("disk I/O error"))

    with monkeypatch.context() as m:
        m.setattr(db.session, "commit", fail)
        ack = propose(room.ada)
    assert ack["ok"] is False and ack["error"]
    assert raw_items(app) == []
    assert [e for s in room.all for e in received(s) if e[0].startswith("item")] == []


def test_a_proposal_reaches_every_screen_with_rising_versions(app, room):
    acks = [propose(room.ada, f"Idea {n}") for n in range(3)]
    assert all(a["ok"] for a in acks), acks
    versions = [a["v"] for a in acks]
    assert versions == sorted(versions) and len(set(versions)) == 3

    expected = [(v, f"Idea {n}") for n, v in enumerate(versions)]
    for sock in (room.bob, room.staff, room.screen):
        got = events(sock, "item_changed")
        assert [(e["v"], e["item"]["text"]) for e in got] == expected
    # The author hears them in the public room's beat, then in their own, which marks them as theirs.
    got = events(room.ada, "item_changed")
    assert [(e["v"], e["item"]["text"], e["item"]["mine"]) for e in got] == [
        (v, text, mine) for mine in (False, True) for v, text in expected
    ]
    assert [i.text for i in rows()] == ["Idea 0", "Idea 1", "Idea 2"]
    db.session.expire_all()
    assert db.session.get(Workshop, room.workshop.id).version == versions[-1]


def test_a_market_proposal_carries_its_country(room):
    ack = propose(room.ada, "Big AI talent pool", kind="market", country="IN")
    assert ack["ok"], ack
    assert (ack["item"]["kind"], ack["item"]["country"], ack["item"]["country_name"]) == (
        "market",
        "IN",
        "India",
    )
    [item] = rows()
    assert (item.kind, item.country) == ("market", "IN")


@pytest.mark.parametrize(
    "typed", ["Giappone", "Япония", "Ιαπωνία", "ιαπωνια", "Japan", "JAPAN ", "jp", "JPN"]
)
def test_a_market_is_found_by_its_country_in_any_language(room, typed):
    # Issue 16: an Italian phone typing "Giappone" and a Bulgarian one typing "Япония" were refused.
    ack = propose(room.ada, "Robotics in Osaka", kind="market", country=typed)
    assert ack["ok"], ack
    assert (ack["item"]["country"], ack["item"]["country_name"]) == ("JP", "Japan")
    assert rows()[0].country == "JP"


def test_an_edit_finds_the_country_by_name_too(room):
    item_id = propose(room.ada, "Fintech", kind="market", country="IN")["item"]["id"]
    ack = send(
        room.ada, "edit_item", {"op_id": op(), "item_id": item_id, "text": "Fintech", "country": "Brasile"}
    )
    assert ack["ok"] and ack["item"]["country"] == "BR", ack


def test_an_idea_ignores_a_country(room):
    assert propose(room.ada, "Just an idea", kind="idea", country="IN")["ok"]
    assert rows()[0].country is None


def test_text_is_stripped_and_may_be_exactly_the_maximum(room):
    assert propose(room.ada, "  padded  ")["ok"]
    assert propose(room.ada, "x" * TEXT_MAX)["ok"]
    assert [i.text for i in rows()] == ["padded", "x" * TEXT_MAX]


# --- bad input: refused, nothing stored, nobody told ------------------------------------

BAD_PAYLOADS = {
    "empty text": {"text": ""},
    "blank text": {"text": "   \n\t"},
    "text too long": {"text": "x" * (TEXT_MAX + 1)},
    "NUL in text": {"text": "a\x00b"},
    "unknown country": {"kind": "market", "country": "XX"},
    "a country no language knows": {"kind": "market", "country": "Atlantis"},
    "a country named in part": {"kind": "market", "country": "Giapp"},
    "country too long": {"kind": "market", "country": "Japan" * 21},
    "market without country": {"kind": "market"},
    "market with empty country": {"kind": "market", "country": ""},
    "bogus kind": {"kind": "bogus"},
    "kind not text": {"kind": ["idea"]},
    "text true": {"text": True},
    "text float": {"text": 1.5},
    "text nan": {"text": float("nan")},
    "text infinity": {"text": float("inf")},
    "text dict": {"text": {"$gt": ""}},
    "text list": {"text": ["a", "b"]},
    "country number": {"kind": "market", "country": 356},
    "no op id": {"op_id": None},
    "short op id": {"op_id": "abc"},
    "long op id": {"op_id": "x" * 65},
    "op id not text": {"op_id": 123456789},
    "op id not ascii": {"op_id": "ééééééééé"},
}


@pytest.mark.parametrize("change", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_proposals_are_refused_and_store_nothing(app, room, change):
    payload = {"op_id": op(), "kind": "idea", "text": "Fine text"} | change
    payload = {k: v for k, v in payload.items() if v is not None}
    ack = send(room.ada, "propose_item", payload)
    assert ack["ok"] is False
    assert ack["code"] == "Invalid", ack  # a readable refusal, not a crash
    assert isinstance(ack["error"], str) and ack["error"]
    assert raw_items(app) == []
    assert db.session.scalar(sa.select(sa.func.count(Operation.id))) == 0
    assert [e for s in room.all for e in received(s) if e[0].startswith("item")] == []


@pytest.mark.parametrize("payload", ["text", ["op-12345678", "idea"], None, 42, True], ids=repr)
def test_a_payload_that_is_not_an_object_is_refused(app, room, payload):
    for event in ("propose_item", "edit_item", "withdraw_item"):
        ack = send(room.ada, event, payload)
        assert ack["ok"] is False and ack["code"] == "Invalid", (event, ack)
    for event in ("hide_item", "set_submissions", "set_private"):
        ack = send(room.staff, event, payload)
        assert ack["ok"] is False and ack["code"] == "Invalid", (event, ack)
    assert raw_items(app) == []


def test_a_missing_payload_is_refused(app, room):
    ack = room.ada.emit("propose_item", namespace=NS, callback=True)
    assert ack["ok"] is False and ack["code"] == "Invalid"
    assert raw_items(app) == []


def test_error_acks_name_the_field(room):
    assert send(room.ada, "propose_item", {"op_id": op(), "text": ""})["field"] == "text"
    assert (
        send(room.ada, "propose_item", {"op_id": op(), "kind": "market", "text": "x"})["field"] == "country"
    )
    assert send(room.ada, "propose_item", {"op_id": "no", "text": "x"})["field"] == "op_id"


def _json_values():
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=30)
        | st.sampled_from(["idea", "market", "IN", "DE", "XX", "", " ", "x" * 501, "a\x00"])
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    )


_FIELDS = {
    "op_id": st.builds(op),
    "kind": st.sampled_from(["idea", "market"]),
    "text": st.text(min_size=1, max_size=TEXT_MAX + 20),
    "country": st.sampled_from(["IN", "DE", "JP", " BR ", "XX", "in", "", "Giappone", "Япония", "Atlantis"]),
}
_plausible = st.fixed_dictionaries(_FIELDS)
_payloads = st.one_of(
    _json_values(),  # mostly not an object at all
    _plausible,  # mostly valid
    # A plausible payload with one field replaced by anything JSON can hold, or dropped.
    st.tuples(_plausible, st.sampled_from(sorted(_FIELDS)), _json_values(), st.booleans()).map(
        lambda t: {k: v for k, v in t[0].items() if k != t[1]} if t[3] else t[0] | {t[1]: t[2]}
    ),
    st.fixed_dictionaries({}, optional=_FIELDS | {"extra": _json_values()}),
)


def _valid(payload) -> bool:
    """The rule, restated independently of the form: what propose_item must accept."""
    if not isinstance(payload, dict):
        return False
    op_id, kind, text, country = (payload.get(k) for k in ("op_id", "kind", "text", "country"))
    if not (isinstance(op_id, str) and op_id.isascii() and 8 <= len(op_id) <= 64):
        return False
    if any(v is not None and not isinstance(v, str) for v in (kind, text, country)):
        return False
    kind = "idea" if kind is None else kind
    text = (text or "").strip()
    country = (country or "").strip()
    if kind not in ("idea", "market") or not text or len(text) > TEXT_MAX or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False  # a lone surrogate cannot be stored
    if len(country) > 100:
        return False
    return kind == "idea" or find_country(country) is not None


@pytest.fixture
def fuzz_phone(app):
    return phone(app, make_workshop(), "Fuzz")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=_payloads)
def test_any_payload_is_answered_and_stored_only_when_valid(app, fuzz_phone, payload):
    before = len(raw_items(app))
    applied = {o for o in db.session.scalars(sa.select(Operation.op_id))}
    ack = send(fuzz_phone, "propose_item", payload)
    db.session.expire_all()

    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if _valid(payload):
        assert ack["ok"], (payload, ack)
        if payload["op_id"] in applied:  # a retry stores nothing new
            assert len(raw_items(app)) == before
        else:
            assert len(raw_items(app)) == before + 1
            assert ack["item"]["text"] == payload["text"].strip()
    else:
        assert ack["ok"] is False and ack["code"] == "Invalid", (payload, ack)
        assert len(raw_items(app)) == before
    json.dumps(ack, allow_nan=False)  # the ack itself is plain JSON


# --- connecting: the session decides, not the payload -----------------------------------


def test_a_socket_without_a_joined_session_is_refused(app):
    workshop = make_workshop()
    assert not try_connect(app, app.test_client(), workshop.id).is_connected(NS)


def test_a_phone_of_workshop_a_cannot_connect_to_b(app):
    fac = make_user()
    a, b = make_workshop(fac), make_workshop(fac)
    http = join(app, a, "Ada")
    assert not try_connect(app, http, b.id).is_connected(NS)
    assert try_connect(app, http, a.id).is_connected(NS)


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"workshop": "1", "view": "participant"},
        {"workshop": 1.0, "view": "participant"},
        {"view": "participant"},
    ],
    ids=repr,
)
def test_malformed_auth_is_refused(app, auth):
    workshop = make_workshop()
    http = join(app, workshop, "Ada")
    assert workshop.id == 1
    assert not try_connect(app, http, workshop.id, auth=auth).is_connected(NS)


def test_a_phone_cannot_claim_the_staff_or_screen_view(app):
    workshop = make_workshop()
    http = join(app, workshop, "Ada")
    for view in ("staff", "screen", "bogus"):
        assert not try_connect(app, http, workshop.id, view).is_connected(NS)


@pytest.mark.parametrize("view", ["staff", "screen"])
def test_only_the_workshops_facilitator_or_an_admin_connects_as_staff(app, view):
    workshop = make_workshop(make_user())
    for role, allowed in ((Role.FACILITATOR, False), (Role.COORDINATOR, False), (Role.ADMIN, True)):
        http = login(app.test_client(), make_user(role))
        assert try_connect(app, http, workshop.id, view).is_connected(NS) is allowed, role
    assert not try_connect(app, app.test_client(), workshop.id, view).is_connected(NS)


def test_a_disabled_facilitator_cannot_connect(app):
    fac = make_user()
    workshop = make_workshop(fac)
    http = login(app.test_client(), fac)
    fac.active = False
    db.session.commit()
    assert not try_connect(app, http, workshop.id, "staff").is_connected(NS)


# --- TENANT: another workshop's ids do not exist ----------------------------------------


def test_another_workshops_items_cannot_be_touched(app, room):
    other = Room(app)
    theirs = propose(other.ada, "Their idea")["item"]["id"]
    drain(*room.all, *other.all)

    for event, sock, extra in (
        ("edit_item", room.ada, {"text": "Hijacked"}),
        ("withdraw_item", room.ada, {}),
        ("edit_item", room.staff, {"text": "Hijacked"}),
        ("hide_item", room.staff, {"hidden": True}),
    ):
        ack = send(sock, event, {"op_id": op(), "item_id": theirs, **extra})
        assert ack["ok"] is False and ack["code"] == "NotFound", (event, ack)
    assert raw_items(app) == [(theirs, "Their idea", "live")]
    assert [e for s in other.all + room.all for e in received(s) if e[0].startswith("item")] == []


def test_another_workshops_broadcasts_never_arrive(app, room):
    other = Room(app)
    propose(other.ada, "Their idea")
    send(other.staff, "set_submissions", {"op_id": op(), "open": False})
    for sock in room.all:
        assert received(sock) == []
        assert snapshot(sock)["items"] == []
    assert events(other.bob, "item_changed")


@pytest.mark.parametrize("item_id", [None, "1", 1.0, True, -1, 0, 2**31, 10**30, [1], {"id": 1}], ids=repr)
def test_odd_item_ids_are_not_found(room, item_id):
    propose(room.ada)
    ack = send(room.ada, "edit_item", {"op_id": op(), "item_id": item_id, "text": "changed"})
    assert ack["ok"] is False and ack["code"] == "NotFound"
    ack = send(room.staff, "hide_item", {"op_id": op(), "item_id": item_id, "hidden": True})
    assert ack["ok"] is False and ack["code"] == "NotFound"
    assert [(i.text, i.state) for i in rows()] == [("Open a desk in Singapore", "live")]


# --- ROLE: facilitator commands are refused to everyone else ----------------------------


def test_participants_cannot_moderate(room):
    item = propose(room.bob)["item"]["id"]
    drain(*room.all)
    for event, payload in (
        ("hide_item", {"item_id": item, "hidden": True}),
        ("set_submissions", {"open": False}),
        ("set_private", {"private": True}),
    ):
        ack = send(room.ada, event, {"op_id": op(), **payload})
        assert ack["ok"] is False and ack["code"] == "Forbidden", (event, ack)
    db.session.expire_all()
    workshop = db.session.get(Workshop, room.workshop.id)
    assert (workshop.submissions_open, workshop.private_ideation) == (True, False)
    assert rows()[0].state == "live"
    assert all(received(s) == [] for s in room.all)


def test_the_projector_is_read_only(room):
    item = propose(room.ada)["item"]["id"]
    for event, payload in (
        ("propose_item", {"text": "From the wall"}),
        ("edit_item", {"item_id": item, "text": "x"}),
        ("hide_item", {"item_id": item, "hidden": True}),
        ("set_submissions", {"open": False}),
    ):
        ack = send(room.screen, event, {"op_id": op(), **payload})
        assert ack["ok"] is False and ack["code"] == "Forbidden", (event, ack)
    assert len(rows()) == 1


def test_staff_do_not_propose_or_withdraw(room):
    item = propose(room.ada)["item"]["id"]
    assert (
        send(room.staff, "propose_item", {"op_id": op(), "text": "From the cockpit"})["code"] == "Forbidden"
    )
    assert send(room.staff, "withdraw_item", {"op_id": op(), "item_id": item})["code"] == "Forbidden"
    assert [(i.text, i.state) for i in rows()] == [("Open a desk in Singapore", "live")]


@pytest.mark.parametrize("value", [None, "false", 0, 1, [], {}], ids=repr)
def test_switches_need_a_real_boolean(room, value):
    for event, name in (("set_submissions", "open"), ("set_private", "private")):
        ack = send(room.staff, event, {"op_id": op(), name: value})
        assert ack["ok"] is False and ack["field"] == name
    item = propose(room.ada)["item"]["id"]
    ack = send(room.staff, "hide_item", {"op_id": op(), "item_id": item, "hidden": value})
    assert ack["ok"] is False and ack["field"] == "hidden"
    db.session.expire_all()
    workshop = db.session.get(Workshop, room.workshop.id)
    assert (workshop.submissions_open, workshop.private_ideation) == (True, False)
    assert rows()[0].state == "live"


# --- ONE: a retry with the same op id is a no-op ----------------------------------------


def test_the_same_op_id_twice_gives_the_same_ack_and_one_row(room):
    op_id = op()
    first = propose(room.ada, "Once only", op_id=op_id)
    second = propose(room.ada, "Once only", op_id=op_id)
    third = propose(room.ada, "Something else", op_id=op_id)
    assert first["ok"] and first == second == third
    assert [i.text for i in rows()] == ["Once only"]
    assert len(events(room.bob, "item_changed")) == 1


def test_op_ids_are_scoped_to_their_sender(room):
    op_id = op()
    assert propose(room.ada, "Ada's", op_id=op_id)["ok"]
    assert propose(room.bob, "Bob's", op_id=op_id)["ok"]
    assert [i.text for i in rows()] == ["Ada's", "Bob's"]


def test_a_retried_switch_is_not_applied_twice(room):
    op_id = op()
    first = send(room.staff, "set_submissions", {"op_id": op_id, "open": False})
    send(room.staff, "set_submissions", {"op_id": op(), "open": True})
    again = send(room.staff, "set_submissions", {"op_id": op_id, "open": False})
    assert again == first
    db.session.expire_all()
    assert db.session.get(Workshop, room.workshop.id).submissions_open is True


# --- editing and withdrawing ------------------------------------------------------------


def test_the_author_edits_their_item_and_everyone_follows(room):
    proposed = propose(room.ada, "Draft", kind="market", country="IN")
    item = proposed["item"]
    drain(*room.all)
    ack = send(
        room.ada, "edit_item", {"op_id": op(), "item_id": item["id"], "text": "Final", "country": "BR"}
    )
    assert ack["ok"], ack
    assert ack["v"] == proposed["v"] + 1
    for sock in (room.bob, room.staff, room.screen):
        [changed] = events(sock, "item_changed")
        assert (changed["item"]["text"], changed["item"]["country"], changed["v"]) == (
            "Final",
            "BR",
            ack["v"],
        )
    [stored] = rows()
    assert (stored.text, stored.country, stored.kind) == ("Final", "BR", "market")


def test_an_edit_is_validated_like_a_proposal(room):
    item = propose(room.ada, "Draft", kind="market", country="IN")["item"]["id"]
    for change in ({"text": ""}, {"text": "x" * 501}, {"text": "a\x00"}, {"country": "XX"}, {"text": 5}):
        payload = {"op_id": op(), "item_id": item, "text": "ok", "country": "IN"} | change
        assert send(room.ada, "edit_item", payload)["code"] == "Invalid", change
    assert [(i.text, i.country) for i in rows()] == [("Draft", "IN")]


def test_nobody_edits_or_withdraws_anothers_item(room):
    item = propose(room.ada, "Ada's")["item"]["id"]
    drain(*room.all)
    assert (
        send(room.bob, "edit_item", {"op_id": op(), "item_id": item, "text": "Bob's now"})["code"]
        == "Forbidden"
    )
    assert send(room.bob, "withdraw_item", {"op_id": op(), "item_id": item})["code"] == "Forbidden"
    assert [(i.text, i.state) for i in rows()] == [("Ada's", "live")]
    assert all(received(s) == [] for s in room.all)


def test_the_author_withdraws_and_it_leaves_every_screen(room):
    item = propose(room.ada, "Never mind")["item"]["id"]
    drain(*room.all)
    ack = send(room.ada, "withdraw_item", {"op_id": op(), "item_id": item})
    assert ack["ok"], ack
    for sock in room.all:
        got = received(sock)
        assert named(got, "item_changed") == []
        assert named(got, "item_removed")[-1] == {"v": ack["v"], "id": item}
    assert rows()[0].state == ItemState.WITHDRAWN
    for sock in room.all:
        assert snapshot(sock)["items"] == []
    # A withdrawn item is gone for its author too.
    assert send(room.ada, "edit_item", {"op_id": op(), "item_id": item, "text": "back"})["code"] == "NotFound"


def test_the_facilitator_edits_any_item_even_when_locked(room):
    item = propose(room.ada, "Typo hre")["item"]["id"]
    send(room.staff, "set_submissions", {"op_id": op(), "open": False})
    ack = send(room.staff, "edit_item", {"op_id": op(), "item_id": item, "text": "Typo here"})
    assert ack["ok"], ack
    assert rows()[0].text == "Typo here"


# --- locking submissions ----------------------------------------------------------------


def test_locked_submissions_refuse_proposals_edits_and_withdrawals(room):
    item = propose(room.ada, "Before the lock")["item"]["id"]
    drain(*room.all)
    ack = send(room.staff, "set_submissions", {"op_id": op(), "open": False})
    assert ack["ok"] and ack["workshop"]["submissions_open"] is False
    for sock in room.all:
        [changed] = events(sock, "workshop_changed")
        assert changed["workshop"]["submissions_open"] is False and changed["v"] == ack["v"]

    refused = [
        propose(room.bob, "Too late"),
        send(room.ada, "edit_item", {"op_id": op(), "item_id": item, "text": "Changed"}),
        send(room.ada, "withdraw_item", {"op_id": op(), "item_id": item}),
    ]
    assert [a["code"] for a in refused] == ["NotNow"] * 3
    assert all("closed" in a["error"] for a in refused)
    assert [(i.text, i.state) for i in rows()] == [("Before the lock", "live")]

    send(room.staff, "set_submissions", {"op_id": op(), "open": True})
    assert propose(room.bob, "Now it works")["ok"]


# --- hiding -----------------------------------------------------------------------------


def test_a_hidden_item_leaves_the_room_but_not_the_cockpit(room):
    item = propose(room.ada, "Off topic")["item"]["id"]
    drain(*room.all)
    ack = send(room.staff, "hide_item", {"op_id": op(), "item_id": item, "hidden": True})
    assert ack["ok"] and ack["item"]["state"] == "hidden"

    for sock in (room.bob, room.screen, room.ada):
        got = received(sock)
        assert named(got, "item_changed") == []
        assert {"v": ack["v"], "id": item} in named(got, "item_removed")
    [changed] = events(room.staff, "item_changed")
    assert changed["item"]["state"] == "hidden" and changed["v"] == ack["v"]

    for sock in (room.ada, room.bob, room.screen):
        assert item not in item_ids(snapshot(sock))
    [seen] = snapshot(room.staff)["items"]
    assert (seen["id"], seen["state"]) == (item, "hidden")
    # Its author can no longer change it.
    assert send(room.ada, "edit_item", {"op_id": op(), "item_id": item, "text": "x"})["code"] == "NotFound"
    assert send(room.ada, "withdraw_item", {"op_id": op(), "item_id": item})["code"] == "NotFound"

    ack = send(room.staff, "hide_item", {"op_id": op(), "item_id": item, "hidden": False})
    assert ack["ok"]
    assert [e["item"]["id"] for e in events(room.bob, "item_changed")] == [item]
    assert item in item_ids(snapshot(room.bob))


# --- private ideation -------------------------------------------------------------------


def test_private_ideation_shows_each_phone_only_its_own_items(room):
    ack = send(room.staff, "set_private", {"op_id": op(), "private": True})
    assert ack["ok"] and ack["workshop"]["private_ideation"]
    for sock in room.all:
        assert received(sock) == [("resync", {"v": ack["v"]})]

    ada_ack = propose(room.ada, "Ada's secret")
    bob_ack = propose(room.bob, "Bob's secret")
    ada_item, bob_item = ada_ack["item"]["id"], bob_ack["item"]["id"]

    # The room's beat holds each private idea as its bare version (nothing of it: not even its
    # id); Ada, in the public room too, then gets her own copy in her own room's.
    versions = [(None, {"v": ada_ack["v"]}), (None, {"v": bob_ack["v"]})]
    ada_got = received(room.ada)
    assert ada_got == versions + [("item_changed", {"v": ada_ack["v"], "item": ada_ack["item"]})]
    assert received(room.bob) == versions + [("item_changed", {"v": bob_ack["v"], "item": bob_ack["item"]})]
    assert received(room.screen) == versions
    assert [e["item"]["id"] for e in events(room.staff, "item_changed")] == [ada_item, bob_item]

    assert item_ids(snapshot(room.ada)) == [ada_item]
    assert item_ids(snapshot(room.bob)) == [bob_item]
    assert item_ids(snapshot(room.screen)) == []
    assert item_ids(snapshot(room.staff)) == [ada_item, bob_item]

    drain(*room.all)
    ack = send(room.staff, "set_private", {"op_id": op(), "private": False})
    assert ack["ok"]
    for sock in room.all:
        assert received(sock) == [("resync", {"v": ack["v"]})]
    for sock in (room.ada, room.bob, room.screen):
        snap = snapshot(sock)
        assert item_ids(snap) == [ada_item, bob_item] and snap["v"] == ack["v"]


def test_the_projector_reveals_with_its_r_key(room):
    """The projector's keyboard (view "screen") may end private ideation, as the cockpit may."""
    send(room.staff, "set_private", {"op_id": op(), "private": True})
    item = propose(room.ada, "Revealed from the wall")["item"]["id"]
    assert item_ids(snapshot(room.screen)) == []
    drain(*room.all)
    ack = send(room.screen, "set_private", {"op_id": op(), "private": False})
    assert ack["ok"] and ack["workshop"]["private_ideation"] is False
    assert item_ids(snapshot(room.bob)) == [item]
    assert item_ids(snapshot(room.screen)) == [item]


def test_an_edit_in_private_ideation_stays_private(room):
    send(room.staff, "set_private", {"op_id": op(), "private": True})
    item = propose(room.ada, "Draft")["item"]["id"]
    drain(*room.all)
    send(room.ada, "edit_item", {"op_id": op(), "item_id": item, "text": "Still secret"})
    assert "Still secret" not in json.dumps(received(room.bob) + received(room.screen))
    assert [e["item"]["text"] for e in events(room.ada, "item_changed")] == ["Still secret"]


# --- anonymous workshops ----------------------------------------------------------------


def _everything_sent(room, acks) -> str:
    """Every ack, broadcast and snapshot payload, minus each phone's own profile."""
    payloads = list(acks)
    for sock in room.all:
        payloads += [p for _, p in received(sock)]
        payloads.append(snapshot(sock))
    for p in payloads:
        p.pop("me", None)
        p.get("snapshot", {}).pop("me", None)
    return json.dumps(payloads)


def _activity(room) -> list[dict]:
    acks = [
        propose(room.ada, "An idea"),
        propose(room.bob, "A market", kind="market", country="JP"),
    ]
    acks.append(
        send(room.ada, "edit_item", {"op_id": op(), "item_id": acks[0]["item"]["id"], "text": "Edited"})
    )
    acks.append(
        send(room.staff, "hide_item", {"op_id": op(), "item_id": acks[1]["item"]["id"], "hidden": True})
    )
    acks.append(send(room.staff, "set_private", {"op_id": op(), "private": True}))
    acks.append(propose(room.bob, "Private one"))
    assert all(a["ok"] for a in acks), acks
    return acks


def test_an_anonymous_workshop_sends_no_author_names(app):
    room = Room(app, anonymous=True)
    sent = _everything_sent(room, _activity(room))
    assert "Ada" not in sent and "Bob" not in sent and "Lovelace" not in sent
    assert '"author": null' in sent and '"author": "' not in sent


def test_a_named_workshop_shows_author_names(app):
    room = Room(app, anonymous=False)
    sent = _everything_sent(room, _activity(room))
    assert '"author": "Ada Lovelace"' in sent and '"author": "Bob Builder"' in sent


# --- recovery ---------------------------------------------------------------------------


def test_a_snapshot_after_a_gap_holds_the_current_state(app, room):
    first = propose(room.ada, "First")["item"]["id"]
    snap = snapshot(room.bob)
    assert item_ids(snap) == [first]
    v_before = snap["v"]

    # Bob's phone sleeps through several changes: what was sent is lost to it.
    second = propose(room.ada, "Second")["item"]["id"]
    send(room.ada, "edit_item", {"op_id": op(), "item_id": first, "text": "First, edited"})
    send(room.staff, "hide_item", {"op_id": op(), "item_id": second, "hidden": True})
    last = send(room.staff, "set_submissions", {"op_id": op(), "open": False})
    drain(room.bob)

    snap = snapshot(room.bob)
    db.session.expire_all()
    assert snap["v"] == last["v"] == db.session.get(Workshop, room.workshop.id).version > v_before
    assert [(i["id"], i["text"]) for i in snap["items"]] == [(first, "First, edited")]
    assert snap["workshop"]["submissions_open"] is False
    assert snap["role"] == "participant" and snap["me"]["display_name"] == "Bob Builder"


def test_presence_counts_people_not_tabs(app, room):
    second_tab = connect(app, room.ada.flask_test_client, room.workshop)
    [snap] = events(second_tab, "snapshot")
    assert snap["connected"] == 2  # Ada (two tabs) and Bob; the cockpit and projector are not people
    room.bob.disconnect(NS)
    assert snapshot(room.staff)["connected"] == 1


def test_every_connection_starts_with_a_snapshot(app, room):
    propose(room.ada, "Already there")
    late = phone(app, room.workshop, "Late Lucy")
    [snap] = events(late, "snapshot")
    assert [i["text"] for i in snap["items"]] == ["Already there"]
    assert snap["v"] == db.session.get(Workshop, room.workshop.id).version


def _own(kind: str, workshop: Workshop, pid: int, other: int) -> None:
    """One thing of a phone's own, of one kind, straight into the database."""
    item = make_item(workshop, other, "Someone else's").id
    if kind == "item":
        make_item(workshop, pid, "My own")
    elif kind == "reaction":
        db.session.add(Reaction(item_id=item, participant_id=pid))
    elif kind == "comment":
        db.session.add(Comment(workshop_id=workshop.id, item_id=item, participant_id=pid, text="Mine"))
    elif kind == "team":
        team = Team(workshop_id=workshop.id, item_id=item)
        db.session.add(team)
        db.session.flush()
        db.session.add(TeamMember(team_id=team.id, participant_id=pid, brings="x"))
    db.session.commit()


@pytest.mark.parametrize("kind", ["nothing", "item", "reaction", "comment", "team"])
def test_a_phone_with_nothing_of_its_own_gets_its_snapshot_in_one_read(app, monkeypatch, kind):
    """A phone that has done nothing yet (every phone as it arrives) skips the reads of its own
    things; one with anything of any kind gets the snapshot it always got."""
    workshop = make_workshop()
    me, other = make_participant(workshop, "Me").id, make_participant(workshop, "Other").id
    _own(kind, workshop, me, other)
    actor = Actor(workshop.id, PARTICIPANT, participant_id=me)
    quick = views.snapshot(actor)
    monkeypatch.setattr(views, "_FOOTPRINT", sa.select(sa.true()))  # every read, as before
    assert quick == views.snapshot(actor)
    shown = {
        "nothing": not any(i["mine"] for i in quick["items"]) and not quick["my_teams"],
        "item": [i["text"] for i in quick["items"] if i["mine"]] == ["My own"],
        "reaction": len(quick["my_reactions"]) == 1,
        "comment": [c["text"] for c in quick["comments"] if c.get("mine")] == ["Mine"],
        "team": len(quick["my_teams"]) == 1,
    }
    assert shown[kind], quick


def test_a_change_committed_while_a_phone_connects_is_in_its_snapshot(app, monkeypatch):
    """Committed after the phone was admitted and before it was in its rooms, a change reaches
    it by no broadcast: its snapshot, read once it is in them, has it (CONVERGE)."""
    workshop = make_workshop(phase="lobby")
    workshop_id, version = workshop.id, workshop.version
    http = join(app, workshop, "Ada")
    attach = attendance.attach

    def change_then_attach(*args, **kwargs) -> None:
        with db.engine.begin() as other:  # another process's change, not through this session
            other.execute(
                sa.update(Workshop)
                .where(Workshop.id == workshop_id)
                .values(phase="propose", version=Workshop.version + 1)
            )
        attach(*args, **kwargs)

    monkeypatch.setattr(attendance, "attach", change_then_attach)
    [snap] = events(connect(app, http, workshop), "snapshot")
    assert (snap["v"], snap["workshop"]["phase"]) == (version + 1, "propose")


def test_a_phone_connects_reading_each_row_once(app):
    """At a join storm every read counts: the participant read to admit a phone serves its snapshot."""
    workshop = make_workshop()
    connect(app, join(app, workshop, "Warm"), workshop)  # the room's part is built and kept
    http = join(app, workshop, "Ada")
    with statements() as run:
        connect(app, http, workshop)
    reads = [statement.split()[-1] for statement in run]
    assert "participants" in reads and "workshops" in reads
    # The workshop twice: to admit the phone, then once it is in its rooms (the test above).
    assert {table: n for table, n in Counter(reads).items() if n > 1} == {"workshops": 2}, reads


# --- HTTP changes reach the live room ---------------------------------------------------


def test_editing_settings_over_http_resyncs_the_room(app, room):
    form = {
        "title": "Renamed",
        "question": "New question?",
        "cluster_id": "2",
        "language": "en",
        "phases": ["propose"],
    }
    assert room.laptop.post(f"/workshops/{room.workshop.id}/edit", data=form).status_code == 302
    for sock in room.all:
        assert [n for n, _ in received(sock)] == ["resync"]
    assert snapshot(room.ada)["workshop"]["question"] == "New question?"
    assert snapshot(room.staff)["workshop"]["title"] == "Renamed"


def test_archiving_ends_the_live_room(app, room):
    http = room.laptop
    assert http.post(f"/workshops/{room.workshop.id}/archive", data={"confirm": "yes"}).status_code == 302
    for sock in room.all:
        [changed] = events(sock, "workshop_changed")
        assert changed["workshop"]["status"] == "archived"
    item = propose(room.ada, "After the end")
    assert item["code"] == "NotNow" and "ended" in item["error"]
    assert rows() == []
    # Sockets still open from before are told no, whatever they send.
    for sock, event, payload in (
        (room.staff, "set_submissions", {"open": False}),
        (room.staff, "set_private", {"private": True}),
        (room.staff, "hide_item", {"item_id": 1, "hidden": True}),
        (room.ada, "edit_item", {"item_id": 1, "text": "x"}),
    ):
        assert send(sock, event, {"op_id": op(), **payload})["code"] == "NotNow", event
    db.session.expire_all()
    workshop = db.session.get(Workshop, room.workshop.id)
    assert (workshop.submissions_open, workshop.private_ideation) == (True, False)


def test_a_phone_cannot_reconnect_to_an_ended_workshop(app):
    fac = make_user()
    workshop = make_workshop(fac)
    laptop = login(app.test_client(), fac)
    http = join(app, workshop, "Ada")
    assert try_connect(app, http, workshop.id).is_connected(NS)
    laptop.post(f"/workshops/{workshop.id}/archive", data={"confirm": "yes"})
    assert not try_connect(app, http, workshop.id).is_connected(NS)


def test_a_phone_hears_refusals_in_its_workshops_language_and_the_cockpit_in_its_browsers(app):
    """Commands run without a request context: the language is settled at connect, as the
    page's would be (the workshop's on a phone, the browser's on the cockpit)."""
    user = make_user()
    workshop = make_workshop(user, phase="lobby", language="de")
    http = login(app.test_client(), user)
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    cockpit = connect(app, http, workshop, view="staff")
    ack = cockpit.emit("set_phase", {}, namespace=NS, callback=True)
    assert ack == {"ok": False, "error": "Richiesta non compresa.", "code": "Invalid", "field": "op_id"}
    sock = phone(app, workshop)
    ack = sock.emit("propose_item", {"op_id": op(), "text": "Ein Büro in Tokio"}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"].startswith("Gerade nicht möglich"), ack


def test_the_projector_hears_refusals_in_its_workshops_language(app):
    # Issue 16: the projector's own words follow the workshop's language, its toasts too.
    user = make_user()
    workshop = make_workshop(user, phase="lobby", language="de")
    http = login(app.test_client(), user)
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    projector = connect(app, http, workshop, view="screen")
    ack = projector.emit("set_phase", {"op_id": op(), "phase": "nowhere"}, namespace=NS, callback=True)
    assert ack == {
        "ok": False,
        "code": "Invalid",
        "field": "phase",
        "error": "Dieser Workshop hat diese Phase nicht.",
    }
