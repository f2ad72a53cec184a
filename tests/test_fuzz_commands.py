"""Every socket command against generated payloads: each is answered, none fails on the server's
side, and the room's rules hold after each (budgets, one ballot per voter, versions, tenants).

Payloads mix plausible values (ids of this workshop's items, themes, comments and rounds; real
phases, methods and targets) with what a hostile phone sends: ids of another workshop, wrong
types, huge and nested values, NaN, lone surrogates, NUL bytes, reused op ids. Commands come
from a phone, a second phone, the cockpit and the projector, in any order, so the fuzzer also
walks the room through its phases and rounds.

`make test` runs FUZZ_EXAMPLES (default 2,000) examples with a fixed seed; `make fuzz` runs
10,000 with a new seed each time (scripts/fuzz.sh).
"""

from __future__ import annotations

import json
import logging
import os

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis import strategies as st

from app.extensions import db
from app.models import (
    Ballot,
    BoardChange,
    Comment,
    Item,
    Phase,
    Round,
    RoundOption,
    Team,
    TeamMember,
    Theme,
    User,
    Workshop,
)
from app.models.voting import Method, Target
from app.realtime import commands
from tests.conftest import NS, make_item, make_theme, make_user, make_workshop, phone, staff_socket
from tests.conftest import received as received_raw

pytestmark = pytest.mark.usefixtures("fast_passwords")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
SERVER_FAILED = "Something went wrong on our side"

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "a\x00b", "\u202eevil", "🙂" * 600, " ", "x" * 5000, "=1+1"])
)
JUNK = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
)
DEEP = st.integers(min_value=50, max_value=400).map(lambda n: json.loads("[" * n + "]" * n))


def _id(kind: str):
    return ("id", kind)


def _ids(kind: str):
    return ("ids", kind)


TEXT = st.text(max_size=40) | st.sampled_from(["An idea", "Japan first", "  ", ""])
BOOL = st.booleans()
NUM = st.integers(min_value=-3, max_value=120)
# The fields each command reads, with plausible values (_value puts junk in one field in four);
# a new command needs its line here (test_every_command_is_fuzzed).
FIELDS: dict[str, dict] = {
    "get_snapshot": {},
    "ping": {},
    "propose_item": {
        "kind": st.sampled_from(["idea", "market"]),
        "text": TEXT,
        "country": st.sampled_from(["JP", "BR", "XX", ""]),
    },
    "edit_item": {"item_id": _id("item"), "text": TEXT, "country": st.sampled_from(["JP", "US"])},
    "withdraw_item": {"item_id": _id("item")},
    "hide_item": {"item_id": _id("item"), "hidden": BOOL},
    "set_submissions": {"open": BOOL},
    "set_private": {"private": BOOL},
    "set_phase": {"phase": st.sampled_from(list(Phase))},
    "timer": {
        "action": st.sampled_from(["set", "start", "pause", "extend", "clear"]),
        "seconds": NUM,
        "lock_at_zero": BOOL,
    },
    "spotlight": {"item_id": _id("item")},
    "add_comment": {"item_id": _id("item"), "text": TEXT, "parent_id": _id("comment")},
    "hide_comment": {"comment_id": _id("comment"), "hidden": BOOL},
    "toggle_reaction": {"item_id": _id("item")},
    "create_theme": {
        "name": TEXT,
        "color": st.sampled_from(["#1d4ed8", "red", ""]),
        "item_ids": _ids("item"),
    },
    "update_theme": {"theme_id": _id("theme"), "name": TEXT, "color": st.sampled_from(["#b91c1c"])},
    "delete_theme": {"theme_id": _id("theme")},
    "order_themes": {"theme_ids": _ids("theme")},
    "move_item": {"item_id": _id("item"), "theme_id": _id("theme"), "index": NUM},
    "merge_items": {"target_id": _id("item"), "item_ids": _ids("item")},
    "suggest_themes": {},
    "undo_board": {"change_id": _id("change")},
    "open_round": {
        "method": st.sampled_from(list(Method)),
        "target": st.sampled_from(list(Target)),
        "title": TEXT,
        "budget": NUM,
        "cap": NUM,
        "top_n": NUM,
        "allow_own": BOOL,
        "anonymous": BOOL,
        "results_hidden": BOOL,
        "shuffle": BOOL,
        "item_ids": _ids("item"),
        "theme_id": _id("theme"),
        "criteria": st.lists(st.fixed_dictionaries({"name": TEXT, "weight": NUM}), max_size=4),
        "choices": st.lists(TEXT, max_size=4),
    },
    "close_round": {"round_id": _id("round")},
    "reveal_results": {"round_id": _id("round"), "revealed": BOOL},
    "set_limits": {"round_id": _id("round"), "budget": NUM, "cap": NUM},
    "rerun_round": {"round_id": _id("round")},
    "cast_ballot": {
        "round_id": _id("round"),
        "base_version": st.integers(0, 2) | NUM,
        "ballot": ("ballot", None),
    },
    "choose_teams": {
        "item_ids": _ids("item"),
        "tags": st.lists(
            st.sampled_from(["Funding", "funding", "Technology", "", "x" * 41]) | TEXT, max_size=4
        ),
    },
    "join_team": {
        "team_id": _id("team"),
        "brings": TEXT,
        "looks_for": TEXT,
        "brings_tags": st.lists(st.sampled_from(["Funding", "Technology", "Nonsense"]), max_size=3),
        "looks_tags": st.lists(st.sampled_from(["Funding", "Technology"]), max_size=3),
        "contact_email": st.sampled_from(["ada@example.org", "", "not an address", "a@b", None]),
        "show_name": BOOL,
    },
    "leave_team": {"team_id": _id("team")},
    "withdraw_contact": {"team_id": _id("team")},
}
ROLES = {"staff": "staff", "screen": "screen", "phone": "participant", "phone2": "participant"}
MODELS = {
    "item": Item,
    "theme": Theme,
    "comment": Comment,
    "round": Round,
    "change": BoardChange,
    "team": Team,
}


class Room:
    """The fuzzed workshop, its screens, and another workshop whose ids it must not reach."""

    def __init__(self, app) -> None:
        user = make_user()
        email = user.email
        ids = []
        every = [p.value for p in Phase]  # Teams too
        for workshop in (
            make_workshop(user, phase="propose", phases=every),
            make_workshop(make_user(), phase="propose", phases=every),
        ):
            ids.append(workshop.id)
            theme = make_theme(workshop, "Asia")
            japan = make_item(workshop, text="Japan", kind="market", country="JP", theme_id=theme.id)
            make_item(workshop, text="Grow in Brazil")
            # A team from the start, so that counting in has one to reach (and the other workshop's).
            workshop.team_tags = ["Funding", "Technology"]
            db.session.add(Team(workshop_id=workshop.id, item_id=japan.id))
            db.session.commit()
        self.workshop_id, self.other_id = ids
        # Each socket's connect ends the test's session: read what it needs afresh.
        user = lambda: db.session.scalar(sa.select(User).where(User.email == email))  # noqa: E731
        workshop = lambda: db.session.get(Workshop, self.workshop_id)  # noqa: E731
        self.screens = {
            "staff": staff_socket(app, workshop(), user()),
            "screen": staff_socket(app, workshop(), user(), view="screen"),
            "phone": phone(app, workshop(), "Ada"),
            "phone2": phone(app, workshop(), "Bo"),
        }
        # The room starts in a dot vote on its two items, so ballots have a round from the start.
        staff, items = self.screens["staff"], self.ids("item", self.workshop_id)
        for command, payload in (
            ("set_phase", {"phase": "vote"}),
            ("open_round", {"method": "dots", "target": "items", "title": "First?", "item_ids": items}),
        ):
            assert staff.emit(command, {"op_id": f"setup-{command}", **payload}, namespace=NS, callback=True)[
                "ok"
            ]
        self.other_state = self._state(self.other_id)
        self.version = workshop().version
        self.op_ids: list[str] = []
        self.limits: dict[int, tuple[int, int]] = {}  # round -> the highest (budget, cap) it ever had

    def ids(self, kind: str, workshop_id: int) -> list[int]:
        model = MODELS[kind]
        return list(db.session.scalars(sa.select(model.id).where(model.workshop_id == workshop_id)))

    def _state(self, workshop_id: int) -> tuple:
        workshop = db.session.get(Workshop, workshop_id)
        items = db.session.execute(
            sa.select(Item.id, Item.text, Item.state, Item.theme_id).where(Item.workshop_id == workshop_id)
        ).all()
        teams = db.session.execute(
            sa.select(Team.id, Team.item_id, Team.position, TeamMember.id)
            .outerjoin(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.workshop_id == workshop_id)
        ).all()
        return workshop.version, workshop.phase, workshop.team_tags, sorted(items), sorted(teams)


def _value(data, room: Room, spec):
    """Draw one field's value from its spec, or junk."""
    if not data.draw(st.integers(0, 3)):
        return data.draw(JUNK | DEEP)
    if isinstance(spec, tuple):
        what, kind = spec
        if what == "ballot":
            return data.draw(_ballots(room))
        here, there = room.ids(kind, room.workshop_id), room.ids(kind, room.other_id)
        one = st.integers(0, 999).map(lambda i: _pick(here, i))  # the same draws whatever exists now
        alien = st.integers(0, 999).map(lambda i: _pick(there, i))
        choice = one | one | one | alien | st.integers(min_value=2**31, max_value=2**63)
        return data.draw(st.lists(choice, max_size=5) if what == "ids" else choice)
    return data.draw(spec)


def _pick(ids: list[int], i: int) -> int:
    return ids[i % len(ids)] if ids else 0


def _ballots(room: Room):
    """Ballots shaped for the rounds' options, some over the budget or cap."""
    options = list(db.session.scalars(sa.select(RoundOption.id)))
    ids = st.integers(0, 999).map(lambda i: _pick(options, i))
    points = st.integers(min_value=0, max_value=3) | st.integers(min_value=-2, max_value=120)
    return (
        st.dictionaries(ids.map(str), points, max_size=6)
        | st.lists(ids, max_size=6, unique=True)
        | st.dictionaries(
            ids.map(str), st.dictionaries(st.integers(1, 5).map(str), points, max_size=3), max_size=4
        )
    )


def _payload(data, room: Room, command: str) -> dict:
    fields = FIELDS[command]
    payload = {
        name: _value(data, room, spec) for name, spec in fields.items() if data.draw(st.integers(0, 9)) < 8
    }
    op = data.draw(st.integers(0, 19))
    if op == 0 and room.op_ids:  # a retry of an earlier command
        payload["op_id"] = room.op_ids[data.draw(st.integers(0, 10**6)) % len(room.op_ids)]
    elif op == 1:
        payload["op_id"] = data.draw(JUNK)
    else:
        payload["op_id"] = f"fuzz-{len(room.op_ids):08d}"
        room.op_ids.append(payload["op_id"])
    if data.draw(st.integers(0, 19)) == 0:
        payload[data.draw(st.text(max_size=8))] = data.draw(JUNK | DEEP)
    return payload


def _check_rules(room: Room) -> None:
    """What must hold after any command: budgets and caps, one ballot per voter, versions, tenants."""
    db.session.expire_all()
    workshop = db.session.get(Workshop, room.workshop_id)
    assert workshop.version >= room.version, "the workshop's version went back"
    room.version = workshop.version
    assert room._state(room.other_id) == room.other_state, "a command reached another workshop"
    for round_ in db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop.id)):
        budget, cap = room.limits.get(round_.id, (0, 0))
        room.limits[round_.id] = (max(budget, round_.budget), max(cap, round_.cap))
    for round_, data in db.session.execute(
        sa.select(Round, Ballot.data).join(Ballot, Ballot.round_id == Round.id)
    ):
        if round_.method == Method.DOTS:  # within the limits the round had when it was cast
            budget, cap = room.limits[round_.id]
            points = list(data.values())
            assert all(type(p) is int and 0 <= p <= cap for p in points), (round_.id, data)
            assert sum(points) <= budget, (round_.id, data)
    pairs = db.session.execute(sa.select(Ballot.round_id, Ballot.voter)).all()
    assert len(pairs) == len(set(pairs)), "two ballots of one voter in one round"
    for member in db.session.scalars(sa.select(TeamMember)):  # only the workshop's tags, as offered
        offered = set(db.session.get(Workshop, member.team.workshop_id).team_tags)
        assert offered.issuperset([*member.brings_tags, *member.looks_tags]), member.id


@pytest.fixture
def room(app):
    return Room(app)


def test_every_command_is_fuzzed(app):
    assert set(FIELDS) == set(commands._commands), "give the new command a line in FIELDS"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FUZZ_SEED" not in os.environ,
    suppress_health_check=list(HealthCheck),
    # The room lives on from one example to the next (a fresh one each time would cost 100 s):
    # an example cannot be replayed or shrunk, so a failure names its command and payload itself.
    phases=[HypothesisPhase.generate],
)
@given(data=st.data())
def test_any_command_from_anyone_is_answered_and_the_rules_hold(app, room, data, caplog):
    caplog.set_level(logging.ERROR)
    command = data.draw(st.sampled_from(sorted(FIELDS)), label="command")
    roles = commands._commands[command][0]
    allowed = sorted(name for name, role in ROLES.items() if role in roles)
    who = data.draw(
        st.sampled_from(allowed) if data.draw(st.integers(0, 4)) else st.sampled_from(sorted(ROLES))
    )
    sock = room.screens[who]
    payload = _payload(data, room, command) if data.draw(st.integers(0, 49)) else data.draw(JUNK)
    ack = sock.emit(command, payload, namespace=NS, callback=True)
    received_raw(sock)  # what the room heard; kept from piling up
    assert isinstance(ack, dict) and type(ack.get("ok")) is bool, (command, ack)
    event(
        f"{command}: {'ok' if ack['ok'] else (ack.get('code'), ack.get('field'))}"
    )  # --hypothesis-show-statistics
    if not ack["ok"]:
        assert isinstance(ack.get("error"), str) and ack["error"], ack
        assert SERVER_FAILED not in ack["error"], (command, payload, ack)
    json.dumps(ack, allow_nan=False)  # the ack is plain JSON
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    _check_rules(room)
