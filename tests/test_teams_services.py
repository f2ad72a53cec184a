"""Teams in an app context: choosing them, counting oneself in, the consents, and who sees what."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.core import teams as seen
from app.errors import Forbidden, Invalid, NotFound, NotNow, RateLimited
from app.extensions import db
from app.models import Cluster, Item, Team, TeamMember, Workshop
from app.voting import services as voting
from app.voting.visibility import Viewer
from app.workshops.services import room, teams
from tests.conftest import make_item, make_participant, make_user, make_workshop, op, set_phase

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHASES = ["lobby", "propose", "vote", "results", "teams", "closed"]


class Room:
    """A named workshop that runs Teams, its facilitator, three participants of two clusters, and
    three markets and an idea."""

    def __init__(self, *, phase: str = "teams", **settings) -> None:
        self.user = make_user()
        workshop = make_workshop(self.user, phase=phase, phases=PHASES, **settings)
        self.id = workshop.id
        self.staff = Actor(self.id, STAFF, user_id=self.user.id)
        people = [make_participant(workshop, name) for name in ("Ada", "Bob", "Cem")]
        for person, cluster, sector in zip(people, (1, 1, 4), ("ai", "blockchain", "ai"), strict=True):
            person.cluster_id, person.sector, person.organisation = (
                cluster,
                sector,
                f"{person.display_name} Ltd",
            )
        db.session.commit()
        self.pids = [p.id for p in people]
        self.ada, self.bob, self.cem = (Actor(self.id, PARTICIPANT, participant_id=p) for p in self.pids)
        self.markets = [
            make_item(workshop, None, "Japan, robots", kind="market", country="JP").id,
            make_item(workshop, None, "India, demand", kind="market", country="IN").id,
            make_item(workshop, None, "Brazil, fintech", kind="market", country="BR").id,
        ]
        self.idea = make_item(workshop, None, "A shared booth").id

    @property
    def workshop(self) -> Workshop:
        return db.session.get(Workshop, self.id)

    def choose(self, item_ids=None, tags=("Sales contacts", "Technology", "Funding")) -> list[dict]:
        ack = teams.choose_teams(self.staff, op(), item_ids or self.markets[:2], list(tags))
        assert ack == {"ok": True, "v": self.workshop.version}
        return seen.teams_of(self.workshop, Viewer.STAFF)

    def mine(self, who: Actor, team_id: int) -> dict | None:
        return seen.my_teams(self.workshop, who.participant_id).get(str(team_id))

    def join(self, who: Actor, team_id: int, **fields) -> dict:
        ack = teams.join_team(who, op(), team_id, **fields)
        assert ack["ok"] is True
        return ack


def refused(error: type, fn, *args, **kwargs):
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    db.session.rollback()
    return info.value


def no_email_in(data) -> None:
    assert "@" not in json.dumps(data)


def test_the_facilitator_chooses_teams_and_tags_in_order(app):
    r = Room()
    chosen = r.choose([r.markets[1], r.idea, r.markets[0]])
    assert [(t["item_id"], t["kind"], t["position"]) for t in chosen] == [
        (r.markets[1], "market", 0),
        (r.idea, "idea", 1),
        (r.markets[0], "market", 2),
    ]
    assert chosen[0]["country"] == "IN" and chosen[0]["count"] == 0
    assert r.workshop.team_tags == ["Sales contacts", "Technology", "Funding"]
    version = r.workshop.version
    # The same choice again changes nothing: no version, no broadcast.
    again = teams.choose_teams(r.staff, op(), [r.markets[1], r.idea, r.markets[0]], [*r.workshop.team_tags])
    assert again["v"] == version == r.workshop.version


def test_a_team_left_out_goes_with_its_members_and_a_tag_left_out_leaves_their_choices(app):
    r = Room()
    first, second = r.choose()
    r.join(r.ada, first["id"], brings_tags=["Technology", "Funding"], looks_tags=["Funding"])
    r.join(r.bob, second["id"])
    r.choose([r.markets[0]], tags=["Technology", "Language"])
    assert db.session.scalars(sa.select(Team.item_id)).all() == [r.markets[0]]
    members = db.session.scalars(sa.select(TeamMember)).all()
    assert [(m.participant_id, m.brings_tags, m.looks_tags) for m in members] == [
        (r.pids[0], ["Technology"], [])
    ]


@pytest.mark.parametrize(
    ("item_ids", "tags", "error", "field"),
    [
        ("1", [], Invalid, "item_ids"),
        (list(range(1, 14)), [], Invalid, "item_ids"),
        ([10**6], [], NotFound, "item_ids"),
        ([True], [], NotFound, "item_ids"),
        (None, ["a", "A"], Invalid, "tags"),
        (None, [""], Invalid, "tags"),
        (None, ["x" * 41], Invalid, "tags"),
        (None, ["a\x00b"], Invalid, "tags"),
        (None, [3], Invalid, "tags"),
        (None, "Funding", Invalid, "tags"),
    ],
)
def test_bad_choices_are_refused(app, item_ids, tags, error, field):
    r = Room()
    e = refused(
        error, teams.choose_teams, r.staff, op(), r.markets[:1] if item_ids is None else item_ids, tags
    )
    assert e.field == field
    assert db.session.scalars(sa.select(Team)).all() == []


def test_only_the_facilitator_chooses_and_another_workshops_items_do_not_exist(app):
    r, other = Room(), Room()
    refused(Forbidden, teams.choose_teams, r.ada, op(), r.markets, [])
    refused(NotFound, teams.choose_teams, r.staff, op(), other.markets, [])
    item = db.session.get(Item, r.markets[0])
    item.state = "hidden"
    db.session.commit()
    refused(NotFound, teams.choose_teams, r.staff, op(), [r.markets[0]], [])


def _closed_dot_round(r: Room, points: dict[int, int]) -> None:
    """A closed dot vote on the three markets in which Ada gave these points (by market index)."""
    set_phase(r.id, "vote")
    round_ = voting.open_round(
        r.staff, op(), {"title": "Where?", "method": "dots", "target": "markets", "cap": 5}
    )
    options = {o["item_id"]: o["id"] for o in round_["round"]["options"]}
    ballot = {str(options[r.markets[i]]): n for i, n in points.items()}
    assert voting.cast_ballot(r.ada, op(), round_["round"]["id"], 0, ballot)["ok"]
    voting.close_round(r.staff, op(), round_["round"]["id"])


def test_entering_teams_makes_the_top_markets_teams_when_none_were_chosen(app):
    r = Room(phase="results")
    _closed_dot_round(r, {2: 3, 0: 2})  # Brazil first, Japan second, India none (third, 0 points)
    set_phase(r.id, "results")
    assert teams.candidates(r.workshop)[:2] == [
        {"item_id": r.markets[2], "kind": "market", "label": "Brazil", "top": True, "chosen": False},
        {"item_id": r.markets[0], "kind": "market", "label": "Japan", "top": True, "chosen": False},
    ]
    ack = room.set_phase(r.staff, op(), "teams")
    assert ack["workshop"]["phase"] == "teams"
    made = seen.teams_of(r.workshop, Viewer.STAFF)
    assert [t["item_id"] for t in made][:2] == [r.markets[2], r.markets[0]]
    assert r.workshop.team_tags == teams.default_tags("en")
    # Back and forth again: the teams the facilitator has are kept as they are.
    r.choose([r.markets[1]])
    room.set_phase(r.staff, op(), "results")
    room.set_phase(r.staff, op(), "teams")
    assert [t["item_id"] for t in seen.teams_of(r.workshop, Viewer.STAFF)] == [r.markets[1]]


def test_counting_oneself_in_and_changing_what_one_said(app):
    r = Room()
    japan, _india = r.choose()
    ack = r.join(r.ada, japan["id"], brings="Distributors in Osaka", brings_tags=["Funding", "Technology"])
    assert ack == {"ok": True, "v": r.workshop.version, "team_id": japan["id"], "joined": True}
    assert r.mine(r.ada, japan["id"]) == {
        "team_id": japan["id"],
        "brings": "Distributors in Osaka",
        "looks_for": "",
        "brings_tags": ["Technology", "Funding"],  # in the workshop's order
        "looks_tags": [],
        "contact_email": None,
        "show_name": False,
    }
    assert seen.teams_of(r.workshop, Viewer.ROOM)[0]["count"] == 1
    r.join(r.ada, japan["id"], brings="Distributors", looks_for="  Funding  ", contact_email=" a@b.org ")
    mine = r.mine(r.ada, japan["id"])
    assert (mine["looks_for"], mine["contact_email"]) == ("Funding", "a@b.org")
    assert seen.teams_of(r.workshop, Viewer.ROOM)[0]["count"] == 1
    version = r.workshop.version
    same = teams.join_team(
        r.ada, op(), japan["id"], brings="Distributors", looks_for="Funding", contact_email="a@b.org"
    )
    assert same["v"] == version == r.workshop.version  # nothing new: no version


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"brings": "x" * 281}, "brings"),
        ({"looks_for": 5}, "looks_for"),
        ({"brings": "a\x00"}, "brings"),
        ({"brings_tags": ["Nonsense"]}, "brings_tags"),
        ({"looks_tags": "Funding"}, "looks_tags"),
        ({"looks_tags": [["Funding"]]}, "looks_tags"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"contact_email": "a@" + "b" * 250 + ".org"}, "contact_email"),
        ({"contact_email": ["a@b.org"]}, "contact_email"),
        ({"show_name": "yes"}, "show_name"),
    ],
)
def test_bad_memberships_are_refused(app, fields, field):
    r = Room()
    japan, _ = r.choose()
    assert refused(Invalid, teams.join_team, r.ada, op(), japan["id"], **fields).field == field
    assert db.session.scalars(sa.select(TeamMember)).all() == []


def test_counting_in_only_in_the_teams_phase_and_only_participants(app):
    r = Room()
    japan, _ = r.choose()
    refused(Forbidden, teams.join_team, r.staff, op(), japan["id"])
    refused(NotFound, teams.join_team, r.ada, op(), 10**6)
    other = Room()
    other_team = other.choose()[0]
    refused(NotFound, teams.join_team, r.ada, op(), other_team["id"])
    for phase in ("results", "closed"):
        set_phase(r.id, phase)
        refused(NotNow, teams.join_team, r.ada, op(), japan["id"])
    assert db.session.scalars(sa.select(TeamMember)).all() == []


def test_counting_in_has_a_budget(app):
    app.config["TEAM_LIMIT"] = "3 per minute"
    r = Room()
    japan, _ = r.choose()
    for text in ("a", "b", "c"):
        r.join(r.ada, japan["id"], brings=text)
    e = refused(RateLimited, teams.join_team, r.ada, op(), japan["id"], brings="d")
    assert e.scope == "contributions"
    assert db.session.scalar(sa.select(TeamMember.brings)) == "c"
    r.join(r.bob, japan["id"], brings="mine")  # a person's budget, not the room's


def test_a_retry_with_the_same_op_id_is_applied_once(app):
    r = Room()
    japan, _ = r.choose()
    op_id = op()
    first = teams.join_team(r.ada, op_id, japan["id"], brings="a")
    teams.leave_team(r.ada, op(), japan["id"])
    assert teams.join_team(r.ada, op_id, japan["id"], brings="a") == first
    assert db.session.scalars(sa.select(TeamMember)).all() == []


def test_the_projector_counts_by_cluster_and_sector_and_names_only_who_agreed(app):
    r = Room()
    japan, _ = r.choose()
    r.join(r.ada, japan["id"], show_name=True, brings_tags=["Technology"], contact_email="ada@a.org")
    r.join(r.bob, japan["id"], brings_tags=["Technology", "Funding"], looks_tags=["Funding"])
    r.join(r.cem, japan["id"], show_name=True, contact_email="cem@c.org")
    bw, ict = (db.session.get(Cluster, i).name for i in (1, 4))
    room_view = seen.teams_of(r.workshop, Viewer.ROOM)[0]
    assert room_view["count"] == 3
    assert room_view["clusters"] == [[bw, 2], [ict, 1]]
    assert room_view["sectors"] == [["ai", 2], ["blockchain", 1]]
    assert room_view["brings_tags"] == [["Technology", 2], ["Funding", 1]]
    assert room_view["looks_tags"] == [["Funding", 1]]
    assert room_view["names"] == ["Ada", "Cem"]
    assert "members" not in room_view
    assert "Bob" not in json.dumps(room_view)
    no_email_in(room_view)
    # The cockpit reads every name, and who may be contacted, never the address.
    staff = seen.teams_of(r.workshop, Viewer.STAFF)[0]
    assert [(m["name"], m["organisation"], m["contactable"]) for m in staff["members"]] == [
        ("Ada", "Ada Ltd", True),
        ("Bob", "Bob Ltd", False),
        ("Cem", "Cem Ltd", True),
    ]
    no_email_in(staff)
    # Coordinators and the files: names only where the member agreed.
    coordinator = seen.teams_of(r.workshop, Viewer.COORDINATOR)[0]
    assert [m["name"] for m in coordinator["members"]] == ["Ada", None, "Cem"]
    assert coordinator["members"][1]["organisation"] is None
    assert coordinator["members"][1]["brings_tags"] == ["Technology", "Funding"]
    no_email_in(coordinator)


def test_an_anonymous_workshop_names_nobody_anywhere(app):
    r = Room(anonymous=True)
    japan, _ = r.choose()
    r.join(r.ada, japan["id"], show_name=True)
    for viewer in Viewer:
        view = seen.teams_of(r.workshop, viewer)[0]
        assert view["names"] == [] and "Ada" not in json.dumps(view), viewer


def test_a_team_whose_market_moderation_took_out_leaves_every_screen(app):
    r = Room()
    japan, india = r.choose()
    r.join(r.ada, japan["id"])
    db.session.get(Item, r.markets[0]).state = "hidden"
    db.session.commit()
    assert [t["id"] for t in seen.teams_of(r.workshop, Viewer.ROOM)] == [india["id"]]
    refused(NotFound, teams.join_team, r.bob, op(), japan["id"])


def test_contacts_are_mutual_and_given_once_the_room_moved_on(app):
    r = Room()
    japan, india = r.choose()
    r.join(r.ada, japan["id"], contact_email="ada@a.org")
    r.join(r.bob, japan["id"])  # no email: no consent
    r.join(r.cem, japan["id"], contact_email="cem@c.org")
    r.join(r.cem, india["id"], contact_email="cem@c.org")
    assert seen.contacts_for(r.workshop, r.pids[0]) == {}  # not yet: still in Teams
    room.set_phase(r.staff, op(), "closed")
    assert seen.contacts_for(r.workshop, r.pids[0]) == {
        str(japan["id"]): [{"name": "Cem", "organisation": "Cem Ltd", "email": "cem@c.org"}]
    }
    assert seen.contacts_for(r.workshop, r.pids[1]) == {}  # left none, receives none
    assert seen.contacts_for(r.workshop, r.pids[2]) == {
        str(japan["id"]): [{"name": "Ada", "organisation": "Ada Ltd", "email": "ada@a.org"}],
        str(india["id"]): [],
    }


def test_an_email_withdrawn_or_a_team_left_is_gone_at_once_everywhere(app):
    r = Room()
    japan, india = r.choose()
    for who in (r.ada, r.cem):
        r.join(who, japan["id"], contact_email=f"{who.participant_id}@x.org")
        r.join(who, india["id"], contact_email=f"{who.participant_id}@x.org")
    room.set_phase(r.staff, op(), "closed")
    ack = teams.withdraw_contact(r.ada, op(), japan["id"])
    assert ack["withdrawn"] == 1
    ada = [{"name": "Ada", "organisation": "Ada Ltd", "email": f"{r.pids[0]}@x.org"}]
    assert seen.contacts_for(r.workshop, r.pids[2]) == {str(japan["id"]): [], str(india["id"]): ada}
    assert list(seen.contacts_for(r.workshop, r.pids[0])) == [str(india["id"])]
    # Withdrawn for every team at once, and again: nothing left, nothing changes.
    assert teams.withdraw_contact(r.ada, op())["withdrawn"] == 1
    assert teams.withdraw_contact(r.ada, op())["withdrawn"] == 0
    assert seen.contacts_for(r.workshop, r.pids[2]) == {str(japan["id"]): [], str(india["id"]): []}
    # Leaving takes one's email along, also once the room has closed.
    teams.leave_team(r.cem, op(), india["id"])
    assert list(seen.contacts_for(r.workshop, r.pids[2])) == [str(japan["id"])]
    rows = db.session.execute(
        sa.select(TeamMember.team_id, TeamMember.participant_id, TeamMember.contact_email)
    )
    assert sorted(rows) == [
        (japan["id"], r.pids[0], None),
        (japan["id"], r.pids[2], f"{r.pids[2]}@x.org"),
        (india["id"], r.pids[0], None),
    ]


def test_an_email_can_be_withdrawn_from_an_archived_workshop(app):
    r = Room()
    japan, _ = r.choose()
    r.join(r.ada, japan["id"], contact_email="ada@a.org")
    r.workshop.status = "archived"
    db.session.commit()
    assert teams.withdraw_contact(r.ada, op())["withdrawn"] == 1
    assert db.session.scalar(sa.select(TeamMember.contact_email)) is None


def test_my_teams_and_the_snapshot_parts(app):
    r = Room()
    japan, _ = r.choose()
    r.join(r.ada, japan["id"], brings="x", show_name=True)
    assert seen.own_part(r.workshop, r.pids[0]) == {
        "my_teams": {str(japan["id"]): db.session.scalar(sa.select(TeamMember)).own_dict()},
        "contacts": {},
    }
    assert seen.own_part(r.workshop, r.pids[0])["my_teams"][str(japan["id"])]["brings"] == "x"
    assert seen.own_part(r.workshop, r.pids[1]) == {"my_teams": {}, "contacts": {}}
    assert seen.snapshot_part(r.workshop, staff=False)["teams"][0]["names"] == ["Ada"]
