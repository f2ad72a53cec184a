"""Running the room in an app context: the phase table, the countdown's clock, the board's order,
merging and discussion, called as services with plain values."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.core import phases
from app.errors import Forbidden, Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Comment, Item, Phase, Reaction, Theme, Workshop
from app.models import workshop as models
from app.workshops.services import discussion, items, room, themes
from tests.conftest import make_item, make_participant, make_theme, make_user, make_workshop, op, set_phase

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHASES = [p.value for p in Phase]

# The rule, restated from docs/protocol.md rather than read from phases.ALLOWED.
MAY = {
    "propose": {"propose"},
    "edit_own": {"propose"},
    "comment": {"discuss", "cluster"},
    "react": {"discuss", "cluster"},
    "cluster": {"cluster"},
    "vote": {"vote"},
    "team": {"teams"},
}
TIMED = {"propose", "edit_own", "comment", "cluster", "vote"}
T0 = datetime(2030, 5, 17, 9, 0, 0)


def refused(error: type, fn, *args, **kwargs):
    """The service refuses with this error; the session is rolled back as the event adapter does."""
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    db.session.rollback()
    return info.value


def state(workshop_id: int) -> dict:
    """What the database holds for one workshop."""
    db.session.expire_all()
    w = db.session.get(Workshop, workshop_id)
    item_ids = db.session.scalars(sa.select(Item.id).where(Item.workshop_id == workshop_id)).all()
    return {
        "workshop": (
            w.phase,
            w.version,
            w.timer_duration_s,
            w.timer_ends_at,
            w.timer_remaining_s,
            w.spotlight_item_id,
        ),
        "items": [
            (i.id, i.text, i.state, i.theme_id, i.position, i.merged_into_id)
            for i in db.session.scalars(
                sa.select(Item).where(Item.workshop_id == workshop_id).order_by(Item.id)
            )
        ],
        "themes": [
            (t.id, t.name, t.color, t.position)
            for t in db.session.scalars(
                sa.select(Theme).where(Theme.workshop_id == workshop_id).order_by(Theme.id)
            )
        ],
        "comments": [
            (c.id, c.item_id, c.parent_id, c.text, c.hidden)
            for c in db.session.scalars(
                sa.select(Comment).where(Comment.workshop_id == workshop_id).order_by(Comment.id)
            )
        ],
        "reactions": sorted(
            db.session.execute(
                sa.select(Reaction.item_id, Reaction.participant_id).where(Reaction.item_id.in_(item_ids))
            ).all()
        ),
    }


class Setup:
    """A workshop with its facilitator and two participants, as actors."""

    def __init__(self, phase: str | None = None, **settings):
        user = make_user()
        workshop = make_workshop(user, **settings)
        self.id = workshop.id
        self.workshop = workshop
        self.staff = Actor(self.id, STAFF, user_id=user.id)
        ada, bob = make_participant(workshop, "Ada"), make_participant(workshop, "Bob")
        self.ada = Actor(self.id, PARTICIPANT, participant_id=ada.id)
        self.bob = Actor(self.id, PARTICIPANT, participant_id=bob.id)
        if phase:
            set_phase(self.id, phase)

    def item(self, author: Actor | None = None, text: str = "An idea", **fields) -> int:
        return make_item(self.workshop, author.participant_id if author else None, text, **fields).id

    def theme(self, name: str = "Theme") -> int:
        return make_theme(self.workshop, name).id

    def get(self) -> Workshop:
        db.session.expire_all()
        return db.session.get(Workshop, self.id)


def container(workshop_id: int, theme_id: int | None) -> list[int]:
    """A container's items in board order."""
    db.session.expire_all()
    where = Item.theme_id.is_(None) if theme_id is None else Item.theme_id == theme_id
    return db.session.scalars(
        sa.select(Item.id)
        .where(Item.workshop_id == workshop_id, where, Item.state.in_(("live", "hidden")))
        .order_by(Item.position, Item.id)
    ).all()


def positions_are_contiguous(workshop_id: int) -> bool:
    db.session.expire_all()
    places = defaultdict(list)
    for item in db.session.scalars(
        sa.select(Item).where(Item.workshop_id == workshop_id, Item.state.in_(("live", "hidden")))
    ):
        places[item.theme_id].append(item.position)
    theme_positions = db.session.scalars(
        sa.select(Theme.position).where(Theme.workshop_id == workshop_id)
    ).all()
    return all(sorted(p) == list(range(len(p))) for p in [*places.values(), theme_positions])


# --- the phase table -------------------------------------------------------------------


def _room(phase: str, **fields) -> Workshop:
    """A workshop as the rules see it, not stored."""
    values = {
        "status": "open",
        "phase": phase,
        "submissions_open": True,
        "timer_ends_at": None,
        "timer_remaining_s": 0.0,
        "timer_lock_at_zero": False,
    }
    return Workshop(**(values | fields))


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("action", list(MAY))
def test_the_phase_table(action, phase):
    workshop = _room(phase)
    if phase in MAY[action]:
        phases.require(workshop, action)
    else:
        with pytest.raises(NotNow):
            phases.require(workshop, action)


def test_the_table_in_the_code_is_the_documented_one():
    assert {action: set(allowed) for action, allowed in phases.ALLOWED.items()} == MAY
    assert set(phases.TIMED) == TIMED


@pytest.mark.parametrize("action", list(MAY))
def test_an_archived_workshop_allows_nothing(action):
    for phase in MAY[action]:
        with pytest.raises(NotNow, match="ended"):
            phases.require(_room(phase, status="archived"), action)


@pytest.mark.parametrize("action", ["propose", "edit_own"])
def test_closed_submissions_stop_proposals_even_in_the_propose_phase(action):
    with pytest.raises(NotNow, match="closed"):
        phases.require(_room("propose", submissions_open=False), action)


def test_closed_submissions_do_not_stop_the_discussion():
    for action in ("comment", "react"):
        phases.require(_room("discuss", submissions_open=False), action)


@pytest.mark.parametrize("action", list(MAY))
def test_lock_at_zero_stops_the_timed_actions_once_time_is_up(action):
    phase = next(iter(MAY[action]))
    ends = T0 + timedelta(seconds=30)
    locked = _room(phase, timer_ends_at=ends, timer_lock_at_zero=True)
    phases.require(locked, action, now=T0 + timedelta(seconds=29))  # still running
    unlocked = _room(phase, timer_ends_at=ends, timer_lock_at_zero=False)
    phases.require(unlocked, action, now=ends + timedelta(seconds=1))  # no lock: late is fine
    if action in TIMED:
        with pytest.raises(NotNow, match="Time is up"):
            phases.require(locked, action, now=ends)
    else:
        phases.require(locked, action, now=ends + timedelta(seconds=1))
    # A paused countdown never runs out, whatever the wall clock says.
    phases.require(
        _room(phase, timer_remaining_s=5.0, timer_lock_at_zero=True), action, now=ends + timedelta(days=1)
    )


def test_neighbours_follow_the_phases_the_workshop_runs():
    workshop = _room("discuss", phases=["lobby", "propose", "discuss", "vote", "closed"])
    assert phases.neighbours(workshop) == ("propose", "vote")
    workshop.phase = "lobby"
    assert phases.neighbours(workshop) == (None, "propose")
    workshop.phase = "closed"
    assert phases.neighbours(workshop) == ("vote", None)


def test_set_phases_keeps_lobby_and_closed_in_their_order():
    workshop = _room("discuss", phases=list(PHASES))
    room.set_phases(workshop, ["vote", "propose"])
    assert workshop.phases == ["lobby", "propose", "vote", "closed"]
    assert workshop.phase == "lobby"  # the room was in a phase taken out
    workshop.phase = "vote"
    room.set_phases(workshop, ["vote", "results"])
    assert (workshop.phases, workshop.phase) == (["lobby", "vote", "results", "closed"], "vote")


@pytest.mark.parametrize("template", ["strategy", "markets", "poll"])
def test_templates_name_only_real_phases_in_order(template):
    chosen = phases.TEMPLATES[template]["defaults"]["phases"]
    assert chosen == [p for p in PHASES if p in chosen]


def test_a_market_selection_ends_in_teams_going_there_together():
    assert phases.TEMPLATES["markets"]["defaults"]["phases"][-2:] == ["results", "teams"]


def test_a_new_workshop_starts_in_the_lobby(app):
    from app.workshops.services import create_workshop

    created = create_workshop(make_user(), title="New", question="", cluster_id=1, language="en")
    db.session.expire_all()
    workshop = db.session.get(Workshop, created.id)
    # Every phase but Teams, which a facilitator chooses.
    assert workshop.phase == "lobby" and workshop.phases == [p for p in PHASES if p != "teams"]
    assert workshop.timer_dict() == {
        "state": "idle",
        "remaining_ms": 0,
        "duration_s": 0,
        "lock_at_zero": False,
    }


def test_participants_are_held_to_the_phase_in_services(app):
    room_ = Setup(phase="discuss")
    mine = room_.item(room_.ada)
    before = state(room_.id)
    refused(NotNow, items.propose_item, room_.ada, op(), kind="idea", text="Late", country=None)
    refused(NotNow, items.edit_item, room_.ada, op(), mine, text="Changed", country=None)
    refused(NotNow, items.withdraw_item, room_.ada, op(), mine)
    assert state(room_.id) == before
    set_phase(room_.id, "propose")
    refused(NotNow, discussion.add_comment, room_.ada, op(), mine, "Hi")
    refused(NotNow, discussion.toggle_reaction, room_.ada, op(), mine)
    assert state(room_.id) == before | {"workshop": (("propose",) + before["workshop"][1:])}
    # The facilitator is not.
    assert discussion.add_comment(room_.staff, op(), mine, "From the facilitator")["ok"]
    assert items.edit_item(room_.staff, op(), mine, text="Tidied", country=None)["ok"]


# --- set_phase and the countdown -------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(models, "utcnow", clock)
    monkeypatch.setattr(room, "utcnow", clock)
    return clock


def test_set_phase_refuses_a_phase_the_workshop_does_not_run(app):
    setup = Setup(phases=["lobby", "vote", "results", "closed"])
    before = state(setup.id)
    for phase in ("discuss", "bogus", None, 1, ["vote"]):
        assert refused(Invalid, room.set_phase, setup.staff, op(), phase).field == "phase"
    assert state(setup.id) == before
    ack = room.set_phase(setup.staff, op(), "vote")
    assert ack["workshop"]["phase"] == "vote" and setup.get().version == before["workshop"][1] + 1


def test_set_phase_is_idempotent_per_op_id(app):
    setup = Setup()
    op_id = op()
    first = room.set_phase(setup.staff, op_id, "propose")
    room.set_phase(setup.staff, op(), "discuss")
    assert room.set_phase(setup.staff, op_id, "propose") == first
    assert setup.get().phase == "discuss"


def test_the_countdown_runs_on_the_server_clock(app, clock):
    setup = Setup()
    room.timer(setup.staff, op(), "set", 60)
    w = setup.get()
    assert (w.timer_duration_s, w.timer_remaining_s, w.timer_ends_at) == (60, 60.0, None)
    assert w.timer_dict()["state"] == "set"
    room.timer(setup.staff, op(), "start")
    assert setup.get().timer_ends_at == T0 + timedelta(seconds=60)
    clock.advance(0.25)
    assert setup.get().timer_dict() == {
        "state": "running",
        "remaining_ms": 59_750,
        "duration_s": 60,
        "lock_at_zero": False,
    }
    room.timer(setup.staff, op(), "start")  # starting twice does not restart it
    assert setup.get().timer_ends_at == T0 + timedelta(seconds=60)

    clock.advance(19.75)
    room.timer(setup.staff, op(), "pause")
    w = setup.get()
    assert (w.timer_ends_at, w.timer_remaining_s, w.timer_dict()["state"]) == (None, 40.0, "paused")
    clock.advance(3600)
    assert setup.get().timer_left() == 40.0
    room.timer(setup.staff, op(), "extend", 20)
    assert (setup.get().timer_remaining_s, setup.get().timer_duration_s) == (60.0, 80)
    room.timer(setup.staff, op(), "start", lock_at_zero=True)
    clock.advance(60)
    w = setup.get()
    assert w.timer_expired() and w.timer_dict() == {
        "state": "expired",
        "remaining_ms": 0,
        "duration_s": 80,
        "lock_at_zero": True,
    }
    room.timer(setup.staff, op(), "clear")
    w = setup.get()
    assert (w.timer_duration_s, w.timer_remaining_s, w.timer_ends_at, w.timer_expired()) == (
        0,
        0.0,
        None,
        False,
    )


def test_extending_a_running_countdown_cannot_pass_four_hours(app, clock):
    setup = Setup()
    room.timer(setup.staff, op(), "set", room.MAX_TIMER_S)
    room.timer(setup.staff, op(), "start")
    room.timer(setup.staff, op(), "extend", room.MAX_TIMER_S)
    w = setup.get()
    assert w.timer_duration_s == room.MAX_TIMER_S
    assert w.timer_left() <= room.MAX_TIMER_S, "a running countdown was extended past the maximum"


@pytest.mark.parametrize(
    "args",
    [
        ("set", True),
        ("set", 1.5),
        ("set", -1),
        ("set", 0),
        ("set", 10**9),
        ("set", None),
        ("extend", "5"),
        ("boom", 5),
        (None, 5),
        (["set"], 5),
        ({"set": 1}, 5),
    ],
    ids=repr,
)
def test_bad_countdowns_change_nothing(app, clock, args):
    setup = Setup()
    room.timer(setup.staff, op(), "set", 60)
    before = state(setup.id)
    refused(Invalid, room.timer, setup.staff, op(), *args)
    refused(Invalid, room.timer, setup.staff, op(), "start", None, "yes")
    assert state(setup.id) == before


def test_the_spotlight_takes_only_live_items_of_this_workshop(app):
    setup, other = Setup(), Setup()
    live, hidden = setup.item(setup.ada), setup.item(setup.ada, state="hidden")
    theirs = other.item(other.ada)
    before = state(setup.id)
    for bad in (hidden, theirs, 0, True, "1", 2**31):
        refused(NotFound, room.spotlight, setup.staff, op(), bad)
    assert state(setup.id) == before
    assert room.spotlight(setup.staff, op(), live)["workshop"]["spotlight_item_id"] == live
    room.set_phase(setup.staff, op(), "discuss")
    assert setup.get().spotlight_item_id is None


# --- discussion ------------------------------------------------------------------------


def test_a_reply_to_a_reply_joins_the_top_level_thread(app):
    setup = Setup(phase="discuss")
    item = setup.item(setup.ada)
    top = discussion.add_comment(setup.ada, op(), item, "Top")["comment"]["id"]
    reply = discussion.add_comment(setup.bob, op(), item, "Reply", top)["comment"]["id"]
    deeper = discussion.add_comment(setup.staff, op(), item, "Deeper", reply)["comment"]
    assert deeper["parent_id"] == top and deeper["by_facilitator"] is True
    assert [(c[2], c[3]) for c in state(setup.id)["comments"]] == [
        (None, "Top"),
        (top, "Reply"),
        (top, "Deeper"),
    ]


def test_a_reply_must_be_on_the_same_item(app):
    setup = Setup(phase="discuss")
    first, second = setup.item(setup.ada, "First"), setup.item(setup.bob, "Second")
    on_first = discussion.add_comment(setup.ada, op(), first, "On first")["comment"]["id"]
    before = state(setup.id)
    assert (
        refused(NotFound, discussion.add_comment, setup.bob, op(), second, "Re", on_first).field
        == "parent_id"
    )
    assert state(setup.id) == before


def test_one_reaction_per_participant_and_item(app):
    setup = Setup(phase="cluster")
    item = setup.item(setup.bob)
    counts = [discussion.toggle_reaction(setup.ada, op(), item)["count"] for _ in range(3)]
    assert counts == [1, 0, 1]
    assert discussion.toggle_reaction(setup.bob, op(), item)["count"] == 2
    assert state(setup.id)["reactions"] == sorted(
        [(item, setup.ada.participant_id), (item, setup.bob.participant_id)]
    )


def test_participants_cannot_react_to_hidden_items_nor_staff_hide_foreign_comments(app):
    setup, other = Setup(phase="discuss"), Setup(phase="discuss")
    hidden = setup.item(setup.bob, state="hidden")
    their_item = other.item(other.ada)
    theirs = discussion.add_comment(other.ada, op(), their_item, "Theirs")["comment"]["id"]
    before = state(setup.id)
    refused(NotFound, discussion.toggle_reaction, setup.ada, op(), hidden)
    refused(NotFound, discussion.add_comment, setup.ada, op(), hidden, "Hm")
    refused(NotFound, discussion.hide_comment, setup.staff, op(), theirs, True)
    refused(NotFound, discussion.add_comment, setup.staff, op(), their_item, "Hm")
    assert state(setup.id) == before
    assert state(other.id)["comments"][0][4] is False


# --- the board -------------------------------------------------------------------------


def test_create_theme_with_items_and_delete_it_again(app):
    setup = Setup()
    a, b, c = setup.item(text="a"), setup.item(text="b"), setup.item(text="c")
    other = setup.theme("Other")
    themes.move_item(setup.staff, op(), c, other, None)
    ack = themes.create_theme(setup.staff, op(), "Picked", None, [c, a])
    picked = ack["theme"]["id"]
    assert ack["theme"]["position"] == 1 and ack["theme"]["color"] == themes.PALETTE[1]
    assert container(setup.id, picked) == [c, a] and container(setup.id, None) == [b]
    assert container(setup.id, other) == []
    themes.delete_theme(setup.staff, op(), other)
    assert [t[3] for t in state(setup.id)["themes"]] == [0]  # the remaining theme moved up
    themes.delete_theme(setup.staff, op(), picked)
    assert container(setup.id, None) == [b, c, a]
    assert positions_are_contiguous(setup.id)


def test_order_themes_refuses_anything_but_a_permutation(app):
    setup, other = Setup(), Setup()
    a, b, c = setup.theme("A"), setup.theme("B"), setup.theme("C")
    foreign = other.theme("X")
    before = state(setup.id)
    for theme_ids in ([a, b], [a, b, c, foreign], [a, a, b], [a, b, foreign], "abc", None, [str(a), b, c]):
        assert refused(Invalid, themes.order_themes, setup.staff, op(), theme_ids).field == "theme_ids"
    assert state(setup.id) == before
    themes.order_themes(setup.staff, op(), [c, a, b])
    assert [t[0] for t in sorted(state(setup.id)["themes"], key=lambda t: t[3])] == [c, a, b]


def test_participants_cluster_only_when_allowed(app):
    setup = Setup(phase="cluster")
    item, other, theme = setup.item(setup.ada), setup.item(setup.bob), setup.theme()
    before = state(setup.id)
    refused(Forbidden, themes.move_item, setup.ada, op(), item, theme, 0)
    for fn, args in (
        (themes.create_theme, ("Mine",)),
        (themes.update_theme, (theme, "Renamed", None)),
        (themes.delete_theme, (theme,)),
        (themes.order_themes, ([theme],)),
        (themes.merge_items, (item, [other])),
    ):
        refused(Forbidden, fn, setup.ada, op(), *args)
    refused(Forbidden, themes.suggest, setup.ada)
    assert state(setup.id) == before
    db.session.get(Workshop, setup.id).participants_cluster = True
    db.session.commit()
    assert themes.move_item(setup.ada, op(), item, theme, 0)["ok"]
    set_phase(setup.id, "discuss")
    refused(NotNow, themes.move_item, setup.ada, op(), item, None, 0)
    assert container(setup.id, theme) == [item]


def test_merge_moves_comments_and_reactions_to_the_kept_item(app):
    setup = Setup(phase="discuss")
    cy = Actor(setup.id, PARTICIPANT, participant_id=make_participant(setup.workshop, "Cy").id)
    a, b, c = setup.item(setup.ada, "A"), setup.item(setup.bob, "B"), setup.item(setup.ada, "C")
    on_b = discussion.add_comment(setup.bob, op(), b, "On B")["comment"]["id"]
    discussion.add_comment(cy, op(), b, "Reply on B", on_b)
    discussion.add_comment(setup.ada, op(), c, "On C")
    for actor, item in ((setup.ada, a), (setup.ada, b), (setup.bob, b), (setup.bob, c), (cy, c)):
        discussion.toggle_reaction(actor, op(), item)

    ack = themes.merge_items(setup.staff, op(), a, [b, c, b])  # a repeated id counts once
    assert ack["item_id"] == a
    after = state(setup.id)
    assert {cm[1] for cm in after["comments"]} == {a} and len(after["comments"]) == 3
    pids = sorted(x.participant_id for x in (setup.ada, setup.bob, cy))
    assert after["reactions"] == [(a, p) for p in pids]
    assert [(i[0], i[2], i[5]) for i in after["items"]] == [
        (a, "live", None),
        (b, "merged", a),
        (c, "merged", a),
    ]
    db.session.expire_all()
    assert [m.id for m in db.session.get(Item, a).merged_from] == [b, c]
    assert container(setup.id, None) == [a] and positions_are_contiguous(setup.id)


def test_merge_refuses_foreign_and_gone_items(app):
    setup, other = Setup(), Setup()
    a, b = setup.item(text="A"), setup.item(text="B")
    theirs, gone = other.item(text="Theirs"), setup.item(text="Gone", state="withdrawn")
    before, before_other = state(setup.id), state(other.id)
    for target, others in ((a, [theirs]), (theirs, [a]), (a, [b, gone]), (a, [b, 10**6]), (10**6, [b])):
        refused(NotFound, themes.merge_items, setup.staff, op(), target, others)
    for target, others in ((a, []), (a, [a, b]), (a, b), (a, [b, "x"]), (a, [b, 2**31]), (a, [True])):
        refused(Invalid, themes.merge_items, setup.staff, op(), target, others)
    assert (state(setup.id), state(other.id)) == (before, before_other)


def test_suggest_writes_nothing(app):
    setup = Setup(phase="cluster")
    for text in (
        "Investor days with venture capital funds",
        "Meet venture capital investors abroad",
        "Visa support to hire engineers from India",
        "Work permits and visas to hire engineers",
    ):
        setup.item(setup.ada, text)
    before = state(setup.id)
    suggestions = themes.suggest(setup.staff)
    assert suggestions and all(len(s["item_ids"]) >= 2 for s in suggestions)
    assert state(setup.id) == before


# --- the board's order, against a model of it ------------------------------------------

_moves = st.lists(
    st.tuples(st.integers(0, 5), st.integers(-1, 2), st.one_of(st.none(), st.integers(0, 7))),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=_moves)
def test_moves_match_a_model_of_the_board(app, moves):
    """Any sequence of moves leaves each container in the order a plain list model predicts,
    with positions 0..n-1."""
    setup = Setup()
    item_ids = [setup.item(text=f"Idea {n}") for n in range(6)]
    theme_ids = [setup.theme(f"T{n}") for n in range(3)]
    model: dict[int | None, list[int]] = {None: list(item_ids), **{t: [] for t in theme_ids}}
    for item_n, theme_n, index in moves:
        item, target = item_ids[item_n], (None if theme_n < 0 else theme_ids[theme_n])
        themes.move_item(setup.staff, op(), item, target, index)
        for members in model.values():
            if item in members:
                members.remove(item)
        model[target].insert(len(model[target]) if index is None else min(index, len(model[target])), item)
    for theme_id, expected in model.items():
        assert container(setup.id, theme_id) == expected, theme_id
    assert positions_are_contiguous(setup.id)
