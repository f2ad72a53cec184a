"""Voting rounds in an app context: opening, ballots, limits, reruns, results, and what is stored.

Services are called with plain values, as the socket adapters call them. What the database
holds is read through a separate SQLite connection, so only what was committed counts.
Roles are the adapters' business and are tested in test_voting_events.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing

import pytest

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.errors import Conflict, DomainError, Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Item, Round, Workshop
from app.voting import ballots, group_commit, results, services, tally
from app.voting.tally_pump import tally_pump
from app.voting.visibility import Viewer, outcome, snapshot_part
from tests.conftest import make_item, make_participant, make_theme, make_user, make_workshop, op, set_phase

pytestmark = pytest.mark.usefixtures("fast_passwords")

NAMES = ("Ada Lovelace", "Bob Builder", "Cy Twombly", "Di Fossey", "Ed Hopper")


@pytest.fixture(autouse=True)
def touched(monkeypatch) -> list[tuple[int, int]]:
    """The tally timer, replaced by a list: here we only check that ballots and changes mark their round."""
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: calls.append((w, r)))
    return calls


def tallies(round_id: int) -> tuple[dict, dict]:
    """The round's tally as the staff and as the room see it."""
    round_ = db.session.get(Round, round_id)
    return outcome(round_, Viewer.STAFF), outcome(round_, Viewer.ROOM)


class Room:
    """A workshop in the vote phase, its facilitator, five participants and three ideas (one is Ada's)."""

    def __init__(self, *, phase: str = "vote", voters=NAMES, **settings):
        self.user = make_user()
        workshop = make_workshop(self.user, phase=phase, **settings)
        self.id = workshop.id
        self.staff = Actor(self.id, STAFF, user_id=self.user.id)
        people = [make_participant(workshop, name) for name in voters]
        self.pids = [p.id for p in people]
        self.voters = [Actor(self.id, PARTICIPANT, participant_id=pid) for pid in self.pids]
        self.ada, self.bob = self.voters[:2]
        self.items = [
            make_item(workshop, self.pids[0], "Ada's idea: a Tokyo desk").id,
            make_item(workshop, None, "A shared booth in Singapore").id,
            make_item(workshop, self.pids[1], "Bob's idea: mentors in Seoul").id,
        ]
        self.markets = [
            make_item(workshop, None, "India, huge demand", kind="market", country="IN").id,
            make_item(workshop, None, "Brazil, fintech", kind="market", country="BR").id,
        ]

    def open(self, **settings) -> dict:
        """Open a round (by default a dot vote on the three ideas); returns the round as sent to screens."""
        chosen = {"title": "Which first?", "method": "dots", "target": "items", "item_ids": self.items}
        ack = services.open_round(self.staff, op(), chosen | settings)
        assert ack["ok"] is True
        return ack["round"]

    def cast(self, voter: Actor, round_: dict, ballot, base: int = 0, op_id: str | None = None) -> dict:
        ack = services.cast_ballot(voter, op_id or op(), round_["id"], base, ballot)
        assert ack["ok"] is True
        return ack


def options(round_: dict) -> list[str]:
    """The round's option ids as a ballot's keys."""
    return [str(o["id"]) for o in round_["options"]]


def refused(error: type, fn, *args) -> DomainError:
    """The service refuses with this error (and a message to show); rolled back as the adapter does."""
    with pytest.raises(DomainError) as info:
        fn(*args)
    db.session.rollback()
    assert type(info.value) is error, info.value
    assert info.value.message
    return info.value


def stored(app, table: str = "ballots") -> list[tuple]:
    """The committed rows of a table, as another process would read them."""
    columns = {
        "ballots": "round_id, voter, participant_id, data, total, version",
        "rounds": "id, workshop_id, number, status, budget, cap, results_hidden, rerun_of_id",
        "round_options": "id, round_id, item_id, theme_id, label",
        "operations": "actor, op_id, ack",
    }[table]
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"select {columns} from {table} order by id").fetchall()


def another_process(app, *statements: tuple[str, tuple]) -> None:
    """Change the database behind this process's back, in one transaction of its own."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn, conn:
        for sql, params in statements:
            conn.execute(sql, params)


def _workshop(room: Room) -> Workshop:
    return db.session.get(Workshop, room.id)


def my_ballots(room: Room, voter: Actor) -> dict:
    db.session.expire_all()
    return snapshot_part(_workshop(room), voter.participant_id, staff=False)["my_ballots"]


# --- opening rounds ---------------------------------------------------------------------


def test_open_round_defaults_and_each_target(app):
    room = Room()
    theme = make_theme(_workshop(room), "Asia")
    for item_id in room.items[:2]:
        db.session.get(Item, item_id).theme_id = theme.id
    db.session.commit()

    dots = room.open()
    assert (dots["number"], dots["status"], dots["budget"], dots["cap"]) == (1, "open", 5, 3)
    assert (dots["results_hidden"], dots["anonymous"], dots["allow_own"], dots["shuffle"]) == (
        True,
        False,
        True,
        False,
    )
    assert sorted(o["item_id"] for o in dots["options"]) == room.items
    services.close_round(room.staff, op(), dots["id"])

    one_theme = room.open(target="theme", theme_id=theme.id, item_ids=None)
    assert sorted(o["item_id"] for o in one_theme["options"]) == sorted(room.items[:2])
    services.close_round(room.staff, op(), one_theme["id"])

    make_theme(_workshop(room), "Latin America")
    themes = room.open(target="themes", method="ranking")
    assert [(o["theme_id"], o["item_id"], o["label"]) for o in themes["options"]][0] == (
        theme.id,
        None,
        "Asia",
    )
    assert len(themes["options"]) == 2
    services.close_round(room.staff, op(), themes["id"])

    markets = room.open(target="markets", method="scores")
    assert [(o["item_id"], o["country"]) for o in markets["options"]] == [
        (room.markets[0], "IN"),
        (room.markets[1], "BR"),
    ]
    # The joint strategy's three criteria, equally weighted, unless the facilitator changes them.
    assert [(c["name"], c["weight"]) for c in markets["criteria"]] == [
        ("Market potential", 1.0),
        ("Capital opportunities", 1.0),
        ("Knowledge and expertise in AI and blockchain", 1.0),
    ]
    assert [r[2] for r in stored(app, "rounds")] == [1, 2, 3, 4]


def test_default_criteria_are_named_in_the_workshops_language(app):
    # Issue 16: they were named in the language of the browser that opened the round.
    room = Room(language="de")
    with app.test_request_context(headers={"Accept-Language": "it"}):
        markets = room.open(target="markets", method="scores")
    assert [c["name"] for c in markets["criteria"]] == [
        "Marktpotenzial",
        "Finanzierungsmöglichkeiten",
        "Wissen und Know-how in KI und Blockchain",
    ]


def test_one_round_open_at_a_time(app):
    room = Room()
    room.open()
    refused(
        NotNow, services.open_round, room.staff, op(), {"title": "Again", "method": "dots", "target": "items"}
    )
    assert len(stored(app, "rounds")) == 1


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"method": "approval"}, "method"),
        ({"method": None}, "method"),
        ({"target": "people"}, "target"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": 7}, "title"),
        ({"budget": 0}, "budget"),
        ({"budget": True}, "budget"),
        ({"budget": 2.0}, "budget"),
        ({"budget": float("nan")}, "budget"),
        ({"cap": 101}, "cap"),
        ({"top_n": 0}, "top_n"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"results_hidden": 0}, "results_hidden"),
        ({"item_ids": "1,2"}, "item_ids"),
        ({"item_ids": [1.0, 2.0]}, "item_ids"),
        ({"item_ids": []}, "item_ids"),
        ({"method": "scores", "criteria": [{"name": "Size", "weight": float("nan")}]}, "criteria"),
        ({"method": "scores", "criteria": [{"name": "Size", "weight": float("inf")}]}, "criteria"),
        ({"method": "scores", "criteria": [{"name": "Size", "weight": 0}]}, "criteria"),
        ({"method": "scores", "criteria": [{"name": "", "weight": 1}]}, "criteria"),
        ({"method": "scores", "criteria": []}, "criteria"),
        ({"choices": "Yes, No"}, "choices"),
        ({"choices": ["Yes", ""]}, "choices"),
        ({"choices": ["Yes", "  "]}, "choices"),
        ({"choices": ["Yes", 2]}, "choices"),
        ({"choices": ["Yes", "x" * 201]}, "choices"),
        ({"choices": ["Yes", "a\x00b"]}, "choices"),
        ({"choices": ["Yes", "yes "]}, "choices"),
        ({"choices": [f"Option {n}" for n in range(31)]}, "choices"),
        ({"target": "choices", "choices": ["Only one"]}, "choices"),
        ({"target": "choices"}, "choices"),
    ],
)
def test_open_round_refuses_bad_settings(app, settings, field):
    room = Room()
    chosen = {"title": "Which first?", "method": "dots", "target": "items", "item_ids": room.items}
    error = refused(Invalid, services.open_round, room.staff, op(), chosen | settings)
    assert error.field == field
    assert stored(app, "rounds") == []


def test_open_round_needs_two_live_choices(app):
    room = Room()
    hidden = make_item(_workshop(room), None, "Hidden", state="hidden").id
    refused(Invalid, services.open_round, room.staff, op(), _dots(room.items[:1] + [hidden]))
    assert stored(app, "rounds") == []


def test_a_quick_poll_votes_on_the_choices_the_facilitator_wrote(app):
    # Issue 16: a workshop with no Propose phase could not open a round ("at least two choices").
    room = Room(phases=["lobby", "vote", "results", "closed"], anonymous=True)
    written = [" Pizza ", "Sushi  bar"]
    settings = {"title": "Lunch?", "method": "dots", "target": "choices", "choices": written}
    round_ = services.open_round(room.staff, op(), settings)["round"]
    assert [(o["label"], o["item_id"], o["theme_id"]) for o in round_["options"]] == [
        ("Pizza", None, None),
        ("Sushi bar", None, None),
    ]
    assert round_["target"] == "choices" and round_["anonymous"] is True
    ids = [str(o["id"]) for o in round_["options"]]
    room.cast(room.ada, round_, {ids[1]: 3})
    room.cast(room.bob, round_, {ids[1]: 1, ids[0]: 2})
    services.close_round(room.staff, op(), round_["id"])
    staff, _ = tallies(round_["id"])
    assert [(r["item_id"], r["points"]) for r in staff["results"]] == [(int(ids[1]), 4), (int(ids[0]), 2)]
    # Run again: the same written choices, as new options of the new round.
    again = services.rerun_round(room.staff, op(), round_["id"])["round"]
    assert [o["label"] for o in again["options"]] == ["Pizza", "Sushi bar"]


def test_written_choices_join_any_round_and_private_ideation_keeps_polls(app):
    room = Room()
    round_ = room.open(choices=["None of these"])
    assert [o["label"] for o in round_["options"]][-1] == "None of these" and len(round_["options"]) == 4
    assert (round_["options"][-1]["item_id"], round_["options"][-1]["theme_id"]) == (None, None)
    services.close_round(room.staff, op(), round_["id"])
    db.session.get(Workshop, room.id).private_ideation = True
    db.session.commit()
    refused(NotNow, services.open_round, room.staff, op(), _dots(room.items))
    poll = {"title": "Go on?", "method": "ranking", "target": "choices", "choices": ["Yes", "Later"]}
    assert services.open_round(room.staff, op(), poll)["ok"]


def _dots(item_ids) -> dict:
    return {"title": "Which first?", "method": "dots", "target": "items", "item_ids": item_ids}


# --- each method, end to end ------------------------------------------------------------


def test_dot_vote_end_to_end(app, touched):
    room = Room()
    r = room.open()
    o1, o2, o3 = options(r)
    ack = room.cast(room.ada, r, {o2: 3, o3: 2, o1: 0})
    # Zeros are dropped; the ack carries what was stored, its version and the limit flag.
    assert ack == {
        "ok": True,
        "round_id": r["id"],
        "version": 1,
        "ballot": {o2: 3, o3: 2},
        "over_limit": False,
    }
    assert stored(app) == [(r["id"], f"p{room.pids[0]}", room.pids[0], json.dumps({o2: 3, o3: 2}), 5, 1)]
    assert touched[-1] == (room.id, r["id"])

    again = room.cast(room.ada, r, {o1: 1}, base=1)
    assert (again["version"], again["ballot"]) == (2, {o1: 1})
    assert stored(app) == [(r["id"], f"p{room.pids[0]}", room.pids[0], json.dumps({o1: 1}), 1, 2)]
    assert my_ballots(room, room.ada) == {
        str(r["id"]): {"version": 2, "ballot": {o1: 1}, "over_limit": False}
    }
    assert my_ballots(room, room.bob) == {str(r["id"]): None}


def test_ranking_end_to_end(app):
    room = Room()
    r = room.open(method="ranking", top_n=2)
    o1, o2, o3 = (o["id"] for o in r["options"])
    ack = room.cast(room.ada, r, [o3, str(o1)])
    assert (ack["ballot"], ack["version"], ack["over_limit"]) == ([o3, o1], 1, False)
    assert [(row[3], row[4]) for row in stored(app)] == [(json.dumps([o3, o1]), 0)]
    error = refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 1, [o1, o2, o3])  # over top_n
    assert error.field == "order"
    assert my_ballots(room, room.ada)[str(r["id"])]["ballot"] == [o3, o1]


def test_scoring_end_to_end(app):
    room = Room()
    r = room.open(method="scores", target="markets", item_ids=None)
    india, brazil = options(r)
    c1, c2, c3 = (str(c["id"]) for c in r["criteria"])
    ballot = {india: {c1: 5, c2: 4, c3: 3}}  # nobody has to score every market
    ack = room.cast(room.ada, r, ballot)
    assert ack["ballot"] == ballot
    ack = room.cast(room.ada, r, ballot | {brazil: {c1: 1, c2: 1, c3: 2}}, base=1)
    assert ack["version"] == 2
    assert json.loads(stored(app)[0][3]) == ballot | {brazil: {c1: 1, c2: 1, c3: 2}}


# --- bad ballots: a clear error, and the stored ballot unchanged ------------------------

NAN, INF = float("nan"), float("inf")

# (name, ballot built from the option ids o1 (Ada's own idea), o2, o3 and another workshop's o_b)
BAD_DOTS = [
    ("nan", lambda o1, o2, o3, ob: {o2: NAN}),
    ("infinity", lambda o1, o2, o3, ob: {o2: INF}),
    ("true", lambda o1, o2, o3, ob: {o2: True}),
    ("negative", lambda o1, o2, o3, ob: {o2: -1, o3: 2}),
    ("fraction", lambda o1, o2, o3, ob: {o2: 1.5}),
    ("text", lambda o1, o2, o3, ob: {o2: "2"}),
    ("null", lambda o1, o2, o3, ob: {o2: None}),
    ("over cap", lambda o1, o2, o3, ob: {o2: 4}),
    ("over budget", lambda o1, o2, o3, ob: {o2: 3, o3: 3}),
    ("unknown option", lambda o1, o2, o3, ob: {"999999": 1}),
    ("not a number", lambda o1, o2, o3, ob: {"first": 1}),
    ("leading zero", lambda o1, o2, o3, ob: {"0" + o2: 1}),
    ("other workshop's option", lambda o1, o2, o3, ob: {ob: 1}),
    ("own item", lambda o1, o2, o3, ob: {o1: 1}),
    ("a list", lambda o1, o2, o3, ob: [o2]),
    ("null ballot", lambda o1, o2, o3, ob: None),
]


@pytest.fixture
def dot_round(app):
    """Ada has cast a valid ballot (version 1) in a dot vote without points for one's own items;
    workshop B runs a round of its own."""
    room = Room()
    r = room.open(allow_own=False)
    other = Room()
    rb = other.open()
    room.cast(room.ada, r, {options(r)[1]: 2})
    return room, r, options(rb)[0]


@pytest.mark.parametrize("name, build", BAD_DOTS, ids=[b[0] for b in BAD_DOTS])
def test_bad_dot_ballots_are_refused(app, dot_round, name, build):
    room, r, foreign = dot_round
    before = stored(app)
    error = refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 1, build(*options(r), foreign))
    assert error.field == "allocation"
    assert error.message.startswith("This ballot cannot be saved")
    assert stored(app) == before


def test_own_items_may_get_points_when_allowed(app):
    room = Room()
    r = room.open(allow_own=True)
    assert room.cast(room.ada, r, {options(r)[0]: 3})["ballot"] == {options(r)[0]: 3}


def test_zero_points_on_an_own_item_is_no_vote(app, dot_round):
    room, r, _ = dot_round
    o1, o2, _o3 = options(r)
    assert room.cast(room.ada, r, {o1: 0, o2: 1}, base=1)["ballot"] == {o2: 1}


BAD_RANKINGS = [
    ("empty", lambda o1, o2, o3: []),
    ("repeat", lambda o1, o2, o3: [o1, o1]),
    ("unknown", lambda o1, o2, o3: [o1, 999999]),
    ("true", lambda o1, o2, o3: [True]),
    ("fraction", lambda o1, o2, o3: [float(o1)]),
    ("a dict", lambda o1, o2, o3: {str(o1): 1}),
]


@pytest.mark.parametrize("name, build", BAD_RANKINGS, ids=[b[0] for b in BAD_RANKINGS])
def test_bad_rankings_are_refused(app, name, build):
    room = Room()
    r = room.open(method="ranking")
    ids = [o["id"] for o in r["options"]]
    room.cast(room.ada, r, ids)
    before = stored(app)
    refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 1, build(*ids))
    assert stored(app) == before


BAD_SCORES = [
    ("zero", lambda c: {c[0]: 0, c[1]: 3, c[2]: 3}),
    ("six", lambda c: {c[0]: 6, c[1]: 3, c[2]: 3}),
    ("fraction", lambda c: {c[0]: 2.5, c[1]: 3, c[2]: 3}),
    ("nan", lambda c: {c[0]: NAN, c[1]: 3, c[2]: 3}),
    ("infinity", lambda c: {c[0]: INF, c[1]: 3, c[2]: 3}),
    ("true", lambda c: {c[0]: True, c[1]: 3, c[2]: 3}),
    ("missing criterion", lambda c: {c[0]: 3, c[1]: 3}),
    ("unknown criterion", lambda c: {c[0]: 3, c[1]: 3, c[2]: 3, "999999": 3}),
    ("not a dict", lambda c: [3, 3, 3]),
]


@pytest.mark.parametrize("name, build", BAD_SCORES, ids=[b[0] for b in BAD_SCORES])
def test_bad_scores_are_refused(app, name, build):
    room = Room()
    r = room.open(method="scores", target="markets")
    india = options(r)[0]
    criteria = [str(c["id"]) for c in r["criteria"]]
    room.cast(room.ada, r, {india: dict.fromkeys(criteria, 4)})
    before = stored(app)
    refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 1, {india: build(criteria)})
    assert stored(app) == before


def test_scores_with_another_rounds_criteria_are_refused(app):
    room = Room()
    other = Room()
    rb = other.open(method="scores", target="markets")
    r = room.open(method="scores", target="markets")
    foreign = {str(c["id"]): 4 for c in rb["criteria"]}
    refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 0, {options(r)[0]: foreign})
    assert stored(app) == []


@pytest.mark.parametrize("round_id", [None, "1", True, 1.0, 0, -1, 2**40, 999999])
def test_ballot_for_a_missing_round_is_not_found(app, dot_round, round_id):
    room, r, _ = dot_round
    before = stored(app)
    error = refused(NotFound, services.cast_ballot, room.ada, op(), round_id, 1, {options(r)[1]: 1})
    assert error.field == "round_id"
    assert stored(app) == before


@pytest.mark.parametrize("base", [-1, None, "1", 1.0, True, 2**63, 2**70])
def test_ballot_with_a_malformed_base_version_is_refused(app, dot_round, base):
    room, r, _ = dot_round
    before = stored(app)
    error = refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], base, {options(r)[1]: 1})
    assert error.field == "base_version"
    assert stored(app) == before


@pytest.mark.parametrize("base", [0, 2, 7])
def test_ballot_from_a_stale_version_is_a_conflict(app, dot_round, base):
    room, r, _ = dot_round
    before = stored(app)
    refused(Conflict, services.cast_ballot, room.ada, op(), r["id"], base, {options(r)[2]: 1})
    assert stored(app) == before


def test_ballot_for_a_closed_round_is_refused(app, dot_round):
    room, r, _ = dot_round
    services.close_round(room.staff, op(), r["id"])
    before = stored(app)
    refused(NotNow, services.cast_ballot, room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    refused(NotNow, services.cast_ballot, room.bob, op(), r["id"], 0, {options(r)[2]: 1})
    assert stored(app) == before


@pytest.mark.parametrize("phase", ["lobby", "propose", "discuss", "cluster", "results", "closed"])
def test_ballots_only_in_the_vote_phase(app, dot_round, phase):
    room, r, _ = dot_round
    set_phase(room.id, phase)
    before = stored(app)
    refused(NotNow, services.cast_ballot, room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    refused(NotNow, services.cast_ballot, room.bob, op(), r["id"], 0, {options(r)[2]: 1})
    assert stored(app) == before


def test_a_countdown_locked_at_zero_ends_the_ballots_without_a_change_of_version(app, dot_round):
    """This process checks ballots against the room as it last read it; the writer reads it again
    for every batch, and time running out changes no version."""
    room, r, _ = dot_round
    another_process(
        app,
        (
            "update workshops set timer_lock_at_zero = 1, timer_ends_at = ? where id = ?",
            ("2020-01-01 00:00:00.000000", room.id),
        ),
    )
    before = stored(app)
    error = refused(NotNow, services.cast_ballot, room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    assert "Time is up" in error.message
    assert stored(app) == before


def test_a_round_closed_by_another_process_takes_no_ballot_and_a_retry_gets_its_ack(app, dot_round):
    """Another process closes the round (this one saw it open a moment ago): the next ballot is
    refused, and a retry of a ballot applied before the close is answered as it was."""
    room, r, _ = dot_round
    first_op = op()
    first = room.cast(room.bob, r, {options(r)[0]: 2}, op_id=first_op)
    another_process(
        app,
        ("update rounds set status = 'closed' where id = ?", (r["id"],)),
        ("update workshops set version = version + 1 where id = ?", (room.id,)),
    )
    before = stored(app)
    error = refused(NotNow, services.cast_ballot, room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    assert "closed" in error.message
    assert services.cast_ballot(room.bob, first_op, r["id"], 0, {options(r)[0]: 2}) == first
    assert stored(app) == before


def test_a_ballot_written_on_its_last_attempt_is_acknowledged(app, dot_round, monkeypatch):
    """The room moved on under the first three attempts (the writer sent the ballot back each
    time); the fourth is written, and its ack says so."""
    room, r, _ = dot_round
    real, moved = group_commit._writable_version, [3]

    def moving(connection, workshop_id):
        if moved[0]:
            moved[0] -= 1
            return None
        return real(connection, workshop_id)

    monkeypatch.setattr(group_commit, "_writable_version", moving)
    ack = services.cast_ballot(room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    assert ack["ok"] is True and ack["version"] == 2
    assert [row[-1] for row in stored(app) if row[1] == f"p{room.pids[0]}"] == [2]


def test_a_room_that_keeps_moving_gets_a_conflict_and_stores_nothing(app, dot_round, monkeypatch):
    room, r, _ = dot_round
    monkeypatch.setattr(group_commit, "_writable_version", lambda connection, workshop_id: None)
    before = stored(app)
    error = refused(Conflict, services.cast_ballot, room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    assert "changed while you voted" in error.message
    assert stored(app) == before


def test_a_ballot_learns_its_outcome_only_after_the_commit_and_a_failed_commit_acks_nothing(
    app, dot_round, monkeypatch
):
    import sqlalchemy as sa

    room, r, _ = dot_round
    batches, at_commit = [], []
    real_write_batch = group_commit._write_batch

    def capture(batch):
        batches.append(batch)
        real_write_batch(batch)

    def failing_commit(connection):
        at_commit.append([job.outcome for job in batches[-1]])
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(group_commit, "_write_batch", capture)
    monkeypatch.setattr(group_commit, "_commit", failing_commit)
    before = stored(app)
    with pytest.raises(RuntimeError, match="not written"):
        services.cast_ballot(room.ada, op(), r["id"], 1, {options(r)[2]: 1})
    assert at_commit == [[""]]  # nothing said "ok" before the COMMIT
    assert batches[0][0].outcome == "error"
    assert stored(app) == before


# --- ONE: one ballot per voter and round -------------------------------------------------


def test_one_ballot_per_voter_and_round(app, touched):
    room = Room()
    r = room.open()
    o1, o2, o3 = options(r)
    first_op = op()
    first = room.cast(room.bob, r, {o1: 2}, op_id=first_op)
    second = room.cast(room.bob, r, {o2: 3, o3: 2}, base=1)
    assert second["version"] == 2
    # A late retry of the first command is answered as it was, and changes nothing.
    marks = len(touched)
    assert services.cast_ballot(room.bob, first_op, r["id"], 0, {o1: 2}) == first
    assert len(touched) == marks
    rows = stored(app)
    assert [(row[1], row[3], row[5]) for row in rows] == [(f"p{room.pids[1]}", json.dumps({o2: 3, o3: 2}), 2)]
    # A second "first" ballot (another tab that had not seen the first) is a conflict, not a second row.
    refused(Conflict, services.cast_ballot, room.bob, op(), r["id"], 0, {o1: 1})
    assert stored(app) == rows


def test_retry_returns_the_same_ack_without_bumping_the_version(app):
    room = Room()
    r = room.open()
    o1 = options(r)[0]
    op_id = op()
    first = room.cast(room.bob, r, {o1: 1}, op_id=op_id)
    for _ in range(3):
        assert services.cast_ballot(room.bob, op_id, r["id"], 0, {o1: 1}) == first
    assert [row[5] for row in stored(app)] == [1]


def test_every_voter_has_their_own_ballot(app):
    room = Room()
    r = room.open()
    for i, voter in enumerate(room.voters):
        room.cast(voter, r, {options(r)[i % 3]: 1})
    assert sorted(row[1] for row in stored(app)) == sorted(f"p{pid}" for pid in room.pids)


# --- TENANT: another workshop's rounds behave as missing --------------------------------


def test_another_workshops_rounds_are_invisible_and_untouchable(app):
    room, other = Room(), Room()
    rb = other.open()
    other.cast(other.ada, rb, {options(rb)[1]: 2})
    before = (stored(app, "rounds"), stored(app, "round_options"), stored(app))

    for call in (
        lambda: services.close_round(room.staff, op(), rb["id"]),
        lambda: services.reveal_results(room.staff, op(), rb["id"], True),
        lambda: services.set_limits(room.staff, op(), rb["id"], 2, 1),
        lambda: services.rerun_round(room.staff, op(), rb["id"]),
        lambda: services.cast_ballot(room.ada, op(), rb["id"], 0, {options(rb)[1]: 1}),
        lambda: services.cast_ballot(room.ada, op(), rb["id"], 1, {options(rb)[1]: 1}),
    ):
        refused(NotFound, call)
    assert (stored(app, "rounds"), stored(app, "round_options"), stored(app)) == before

    part = snapshot_part(_workshop(room), room.ada.participant_id, staff=True)
    assert part == {"rounds": [], "tallies": [], "my_ballots": {}}


def test_a_round_cannot_be_opened_on_another_workshops_items_or_themes(app):
    room, other = Room(), Room()
    theme_b = make_theme(_workshop(other), "B's theme").id
    refused(Invalid, services.open_round, room.staff, op(), _dots(other.items))
    refused(
        NotFound, services.open_round, room.staff, op(), _dots([]) | {"target": "theme", "theme_id": theme_b}
    )
    # Mixed ids: only this workshop's own items make it onto the ballot.
    r = room.open(item_ids=room.items[:2] + other.items)
    assert [o["item_id"] for o in r["options"]] == room.items[:2]


def test_open_round_ignores_internal_rerun_fields_from_the_client(app):
    """`option_ids` and `rerun_of_id` are how a rerun copies a round; a client must not set them."""
    room, other = Room(), Room()
    rb = other.open()
    r = room.open(option_ids=[o["id"] for o in rb["options"]], rerun_of_id=rb["id"])
    assert [o["item_id"] for o in r["options"]] == sorted(room.items)
    assert r["rerun_of"] is None


# --- set_limits: ballots over new limits are kept and marked -----------------------------


def test_lower_limits_keep_ballots_and_mark_them_over_limit(app, touched):
    room = Room()
    r = room.open()
    o1, o2, o3 = options(r)
    room.cast(room.ada, r, {o2: 3, o3: 2})  # 5 of 5, 3 at most per item
    room.cast(room.bob, r, {o2: 1})
    ack = services.set_limits(room.staff, op(), r["id"], 3, 2)
    assert (ack["round"]["budget"], ack["round"]["cap"]) == (3, 2)
    assert touched[-1] == (room.id, r["id"])
    assert [json.loads(row[3]) for row in stored(app)] == [{o2: 3, o3: 2}, {o2: 1}]
    assert my_ballots(room, room.ada)[str(r["id"])] == {
        "version": 1,
        "ballot": {o2: 3, o3: 2},
        "over_limit": True,
    }
    assert my_ballots(room, room.bob)[str(r["id"])]["over_limit"] is False

    # The same ballot again is refused under the new limits and stays stored as it was.
    refused(Invalid, services.cast_ballot, room.ada, op(), r["id"], 1, {o2: 3, o3: 2})
    assert my_ballots(room, room.ada)[str(r["id"])]["over_limit"] is True
    trimmed = room.cast(room.ada, r, {o2: 2, o3: 1}, base=1)
    assert (trimmed["version"], trimmed["over_limit"]) == (2, False)
    assert my_ballots(room, room.ada)[str(r["id"])]["over_limit"] is False

    # Only the cap lowered: the marked ballot is over its cap, within its budget.
    services.set_limits(room.staff, op(), r["id"], 5, 1)
    assert my_ballots(room, room.ada)[str(r["id"])]["over_limit"] is True


@pytest.mark.parametrize(
    "budget, cap, field",
    [
        (0, 1, "budget"),
        (101, 1, "budget"),
        (True, 1, "budget"),
        (2.0, 1, "budget"),
        (None, 1, "budget"),
        (5, 0, "cap"),
        (5, "2", "cap"),
        (5, NAN, "cap"),
    ],
)
def test_set_limits_refuses_bad_numbers(app, budget, cap, field):
    room = Room()
    r = room.open()
    before = stored(app, "rounds")
    assert refused(Invalid, services.set_limits, room.staff, op(), r["id"], budget, cap).field == field
    assert stored(app, "rounds") == before


def test_set_limits_only_on_an_open_dot_vote(app):
    room = Room()
    ranking = room.open(method="ranking")
    refused(NotNow, services.set_limits, room.staff, op(), ranking["id"], 3, 2)
    services.close_round(room.staff, op(), ranking["id"])
    dots = room.open()
    services.close_round(room.staff, op(), dots["id"])
    before = stored(app, "rounds")
    refused(NotNow, services.set_limits, room.staff, op(), dots["id"], 3, 2)
    assert stored(app, "rounds") == before


# --- close, reveal, rerun ------------------------------------------------------------------


def test_close_and_reveal(app, touched):
    room = Room()
    r = room.open()
    marks = len(touched)
    refused(Invalid, services.reveal_results, room.staff, op(), r["id"], "yes")
    shown = services.reveal_results(room.staff, op(), r["id"], True)
    assert shown["round"]["results_hidden"] is False
    closed = services.close_round(room.staff, op(), r["id"])
    assert closed["round"]["status"] == "closed"
    assert services.close_round(room.staff, op(), r["id"]) == closed  # closed again: nothing changes
    # Results can be hidden again after the round closed.
    assert services.reveal_results(room.staff, op(), r["id"], False)["round"]["results_hidden"] is True
    assert touched[marks:] == [(room.id, r["id"])] * 3  # each change sends the tally again


def test_rerun_copies_options_and_settings(app):
    room = Room()
    r = room.open(
        method="scores",
        target="markets",
        title="Markets",
        anonymous=True,
        shuffle=True,
        criteria=[{"name": "Size", "weight": 2}, {"name": "Access", "weight": 0.5}],
    )
    refused(NotNow, services.rerun_round, room.staff, op(), r["id"])  # close it first
    services.close_round(room.staff, op(), r["id"])
    again = services.rerun_round(room.staff, op(), r["id"])["round"]
    assert again["number"] == 2 and again["rerun_of"] == r["id"] and again["status"] == "open"
    assert again["title"] == "Markets (again)"
    same = (
        "method",
        "target",
        "budget",
        "cap",
        "allow_own",
        "top_n",
        "anonymous",
        "results_hidden",
        "shuffle",
    )
    assert {k: again[k] for k in same} == {k: r[k] for k in same}
    assert [(o["item_id"], o["theme_id"], o["label"], o["country"]) for o in again["options"]] == [
        (o["item_id"], o["theme_id"], o["label"], o["country"]) for o in r["options"]
    ]
    assert not {o["id"] for o in again["options"]} & {o["id"] for o in r["options"]}
    assert [(c["name"], c["weight"]) for c in again["criteria"]] == [("Size", 2.0), ("Access", 0.5)]
    # The first round's ballots stay with it; the new one starts empty.
    room.cast(room.ada, again, {options(again)[0]: {str(c["id"]): 3 for c in again["criteria"]}})
    assert [row[0] for row in stored(app)] == [again["id"]]


def test_rerun_of_a_dot_vote_keeps_its_current_limits(app):
    room = Room()
    r = room.open(budget=8, cap=4, allow_own=False, top_n=2)
    services.set_limits(room.staff, op(), r["id"], 6, 2)
    services.close_round(room.staff, op(), r["id"])
    again = services.rerun_round(room.staff, op(), r["id"])["round"]
    assert (again["budget"], again["cap"], again["allow_own"], again["top_n"]) == (6, 2, False, 2)
    assert [row[2] for row in stored(app, "rounds")] == [1, 2]


# --- results match the tally module ------------------------------------------------------


def test_dot_results(app):
    room = Room()
    r = room.open()
    o1, o2, o3 = options(r)
    for voter, ballot in zip(room.voters, [{o1: 3, o2: 2}, {o2: 3, o3: 2}, {o2: 1, o3: 1}], strict=False):
        room.cast(voter, r, ballot)
    result = results.results(db.session.get(Round, r["id"]))
    assert (result["voted"], result["method"]) == (3, "dots")
    rows = [(x["item_id"], x["rank"], x["points"], x["voters"]) for x in result["results"]]
    assert rows == [(int(o2), 1, 6, 3), (int(o1), 2, 3, 1), (int(o3), 2, 3, 2)]
    expected = tally.tally_dots(
        [{int(o1): 3, int(o2): 2}, {int(o2): 3, int(o3): 2}, {int(o2): 1, int(o3): 1}],
        [int(o) for o in (o1, o2, o3)],
        cap=3,
    )
    assert result["results"] == [x.to_dict() for x in expected]


def test_ranking_results_borda_and_condorcet(app):
    """Three voters rank a > b > c, two rank b > c > a: Borda elects b, but a beats each head to head."""
    room = Room()
    r = room.open(method="ranking")
    a, b, c = (o["id"] for o in r["options"])
    for voter in room.voters[:3]:
        room.cast(voter, r, [a, b, c])
    for voter in room.voters[3:]:
        room.cast(voter, r, [b, c, a])
    result = results.results(db.session.get(Round, r["id"]))
    assert [(x["item_id"], x["points"]) for x in result["results"]] == [(b, 7.0), (a, 6.0), (c, 2.0)]
    assert result["schulze"]["condorcet_winner"] == a
    assert result["schulze"]["schulze_winners"] == [a]
    assert result["schulze"]["pairwise"][0] == [0, 3, 3]  # a over a, b, c
    rankings = [[a, b, c]] * 3 + [[b, c, a]] * 2
    assert result["results"] == [x.to_dict() for x in tally.tally_borda(rankings, [a, b, c])]
    assert result["schulze"] == tally.schulze(rankings, [a, b, c]).to_dict()


def test_weighted_score_results(app):
    room = Room()
    r = room.open(
        method="scores",
        target="markets",
        criteria=[
            {"name": "Market", "weight": 2},
            {"name": "Capital", "weight": 1},
            {"name": "AI", "weight": 1},
        ],
    )
    india, brazil = options(r)
    c1, c2, c3 = (str(c["id"]) for c in r["criteria"])
    room.cast(room.ada, r, {india: {c1: 5, c2: 3, c3: 1}, brazil: {c1: 2, c2: 4, c3: 4}})
    room.cast(room.bob, r, {india: {c1: 3, c2: 3, c3: 3}})
    result = results.results(db.session.get(Round, r["id"]))
    rows = [(x["item_id"], x["rank"], x["voters"], x["weighted_score"]) for x in result["results"]]
    # India: means 4, 3, 2 -> (2*4 + 3 + 2) / 4 = 3.25; Brazil: 2, 4, 4 -> 12 / 4 = 3.0
    assert rows == [(int(india), 1, 2, 3.25), (int(brazil), 2, 1, 3.0)]
    assert [x["mean"] for x in result["results"][0]["criteria"]] == [4.0, 3.0, 2.0]


def test_public_tally_has_counts_only_until_revealed(app):
    room = Room()
    r = room.open(method="ranking")
    room.cast(room.ada, r, [o["id"] for o in r["options"]])
    staff, public = tallies(r["id"])
    assert staff["results"] and staff["schulze"] and staff["voted"] == 1 and staff["eligible"] == 5
    assert public == {"round_id": r["id"], "voted": 1, "eligible": 5, "method": "ranking", "seq": 1}
    services.reveal_results(room.staff, op(), r["id"], True)
    db.session.expire_all()
    staff, public = tallies(r["id"])
    assert public == staff


# --- UNLINK: what an anonymous round stores -------------------------------------------------


def test_anonymous_ballots_store_no_participant(app):
    room = Room()
    r = room.open(anonymous=True)
    o1, o2, o3 = options(r)
    acks = [room.cast(voter, r, {o2: 1 + i % 3}) for i, voter in enumerate(room.voters)]
    rows = stored(app)
    assert len(rows) == 5
    voters = [row[1] for row in rows]
    assert all(row[2] is None for row in rows)  # no participant id
    assert len(set(voters)) == 5  # different participants, different keys
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in voters)
    for pid in room.pids:
        assert f"p{pid}" not in voters
    for ack in acks:
        assert not set(ack) - {"ok", "round_id", "version", "ballot", "over_limit"}
    # Each voter still finds, and can replace, their own ballot.
    mine = my_ballots(room, room.ada)[str(r["id"])]
    assert mine == {"version": 1, "ballot": {o2: 1}, "over_limit": False}
    assert room.cast(room.ada, r, {o3: 2}, base=1)["version"] == 2
    assert len(stored(app)) == 5


def test_anonymous_voter_keys_depend_on_round_participant_and_secret(app):
    room = Room()
    first = room.open(anonymous=True)
    services.close_round(room.staff, op(), first["id"])
    second = room.open(anonymous=True)
    rounds = [db.session.get(Round, first["id"]), db.session.get(Round, second["id"])]
    ada = room.pids[0]
    keys = {ballots.voter_key(r, pid) for r in rounds for pid in room.pids}
    assert len(keys) == 10  # unlinkable across rounds as well as across people
    before = ballots.voter_key(rounds[0], ada)
    app.config["SECRET_KEY"] = "another-secret"
    assert ballots.voter_key(rounds[0], ada) != before


def test_anonymous_ballot_commands_are_not_filed_under_the_participant(app):
    """The operations log (kept for retries) must not put "p<id>" beside an anonymous ballot."""
    room = Room()
    r = room.open(anonymous=True)
    op_id = op()
    ack = room.cast(room.ada, r, {options(r)[1]: 2}, op_id=op_id)
    assert services.cast_ballot(room.ada, op_id, r["id"], 0, {options(r)[1]: 2}) == ack  # still a retry
    ada = f"p{room.pids[0]}"
    for actor, _op, logged in stored(app, "operations"):
        assert not (actor == ada and json.loads(logged).get("round_id") == r["id"]), (actor, logged)


def test_anonymous_staff_view_names_nobody(app):
    room = Room()
    r = room.open(anonymous=True, results_hidden=False)
    for i, voter in enumerate(room.voters):
        room.cast(voter, r, {options(r)[i % 3]: 2})
    part = snapshot_part(_workshop(room), None, staff=True)
    text = json.dumps(part)
    for row in stored(app):
        assert row[1] not in text
    for name in NAMES:
        assert name not in text
    assert not keys(part) & PERSONAL
    assert "my_ballots" not in part


PERSONAL = {"voter", "participant", "participant_id", "display_name", "organisation", "me", "author"}


def keys(payload) -> set[str]:
    """Every key of every object in a JSON payload."""
    if isinstance(payload, dict):
        return set(payload).union(*(keys(v) for v in payload.values()))
    if isinstance(payload, list):
        return set().union(*(keys(v) for v in payload))
    return set()


def test_anonymous_round_results_are_sealed_until_it_closes(app):
    """Watching the bars move as one person votes would tell what they chose: nobody,
    the facilitator included, sees an anonymous round's results while it is open."""
    room = Room()
    r = room.open(anonymous=True, results_hidden=False)
    room.cast(room.ada, r, {options(r)[0]: 2})
    staff, public = tallies(r["id"])
    for payload in (staff, public):
        assert "results" not in payload and payload["sealed"] is True and payload["voted"] == 1
    services.close_round(room.staff, op(), r["id"])
    db.session.expire_all()
    staff, public = tallies(r["id"])
    assert staff["results"] and public == staff


def test_results_by_segment_show_only_groups_of_three(app):
    """Cluster and sector results appear for groups of at least 3 voters; smaller ones are
    hidden, and so is the smallest shown group while 1-2 voters would be left to deduce."""
    from app.models import Participant

    names = [f"Voter {i}" for i in range(8)]
    room = Room(voters=names)
    # Clusters: 1 x3, 2 x3, 3 x2 -> the 2 are hidden; 2 left out -> the smallest shown goes too.
    # Sectors: ai x4, blockchain x4 -> both shown.
    for pid, cluster, sector in zip(
        room.pids, [1, 1, 1, 2, 2, 2, 3, 3], ["ai"] * 4 + ["blockchain"] * 4, strict=True
    ):
        participant = db.session.get(Participant, pid)
        participant.cluster_id, participant.sector = cluster, sector
    db.session.commit()
    r = room.open()
    first, second, _third = options(r)
    for i, voter in enumerate(room.voters):
        room.cast(voter, r, {first: 2} if i < 4 else {second: 3})
    result = results.results(db.session.get(Round, r["id"]))
    clusters = result["by_cluster"]
    assert [s["voters"] for s in clusters["segments"]] == [3]
    assert clusters["hidden_segments"] == 2
    sectors = {s["segment"]: s for s in result["by_sector"]["segments"]}
    assert set(sectors) == {"ai", "blockchain"} and result["by_sector"]["hidden_segments"] == 0
    ai_points = {row["item_id"]: row["points"] for row in sectors["ai"]["results"]}
    assert ai_points[int(first)] == 8 and ai_points[int(second)] == 0
    # Until revealed, the room's tally carries no segment results either.
    _staff, public = tallies(r["id"])
    assert "by_cluster" not in public and "by_sector" not in public
