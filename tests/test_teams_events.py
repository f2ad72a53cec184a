"""The Teams phase over the live connection: who may send what, what each screen receives (the
projector no name or email it may not show, a phone its contacts only when mutual and at the end),
the budget, and retries."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TeamMember, User, Workshop
from tests.conftest import NS, connect, events, join, make_item, make_user, make_workshop, op, staff_socket

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHASES = ["lobby", "propose", "results", "teams", "closed"]


@pytest.fixture
def app_config() -> dict:
    return {"TEAM_LIMIT": "5 per minute"}


class Room:
    """A named workshop in Teams with two markets, its cockpit, projector and three phones."""

    def __init__(self, app, **settings) -> None:
        user = make_user()
        email = user.email
        workshop = make_workshop(user, phase="results", phases=PHASES, **settings)
        self.id = workshop.id
        self.markets = [
            make_item(workshop, text="Japan, robots", kind="market", country="JP").id,
            make_item(workshop, text="India, demand", kind="market", country="IN").id,
        ]
        user = lambda: db.session.scalar(sa.select(User).where(User.email == email))  # noqa: E731
        self.staff = staff_socket(app, self.workshop, user())
        self.screen = staff_socket(app, self.workshop, user(), view="screen")
        self.phones = {}
        for name, cluster in (("Ada", "1"), ("Bob", "1"), ("Cem", "4")):
            http = join(app, self.workshop, name, cluster_id=cluster, sector="ai")
            self.phones[name] = connect(app, http, self.workshop)
        ack = self.send(self.staff, "choose_teams", item_ids=self.markets, tags=["Funding", "Technology"])
        assert ack["ok"], ack
        assert self.send(self.staff, "set_phase", phase="teams")["ok"]
        self.teams = [t["id"] for t in events(self.screen, "teams_changed")[-1]["teams"]]
        self.drain()

    @property
    def workshop(self) -> Workshop:
        return db.session.get(Workshop, self.id)

    def send(self, sock, command: str, op_id: str | None = None, **payload) -> dict:
        return sock.emit(command, {"op_id": op_id or op(), **payload}, namespace=NS, callback=True)

    def drain(self) -> None:
        for sock in (self.staff, self.screen, *self.phones.values()):
            sock.get_received(NS)


def test_only_the_facilitator_chooses_and_only_phones_count_themselves_in(app):
    r = Room(app)
    refused = r.send(r.phones["Ada"], "choose_teams", item_ids=r.markets, tags=[])
    assert (refused["ok"], refused["code"]) == (False, "Forbidden")
    assert r.send(r.screen, "choose_teams", item_ids=r.markets, tags=[])["code"] == "Forbidden"
    for sock in (r.staff, r.screen):
        for command in ("join_team", "leave_team", "withdraw_contact"):
            assert r.send(sock, command, team_id=r.teams[0])["code"] == "Forbidden", command
    assert events(r.screen, "team_changed") == []
    assert db.session.scalars(sa.select(TeamMember)).all() == []


def test_the_projector_receives_no_name_or_email_it_may_not_show(app):
    r = Room(app)
    ada = r.send(
        r.phones["Ada"],
        "join_team",
        team_id=r.teams[0],
        show_name=True,
        contact_email="ada@a.org",
        brings="Sales partners in Osaka",
        brings_tags=["Funding"],
    )
    assert ada == {"ok": True, "v": r.workshop.version, "team_id": r.teams[0], "joined": True}
    r.send(
        r.phones["Bob"], "join_team", team_id=r.teams[0], contact_email="bob@b.org", looks_tags=["Funding"]
    )
    heard = r.screen.get_received(NS)
    projector = [e["args"][0] for e in heard if e["name"] == "team_changed"][-1]
    assert projector["team"]["count"] == 2
    assert projector["team"]["names"] == ["Ada"]
    assert projector["team"]["brings_tags"] == [["Funding", 1]]
    assert "members" not in projector["team"]
    heard = json.dumps([e["args"] for e in heard])
    assert "Bob" not in heard and "@" not in heard and "Osaka" not in heard
    # Cem's phone (not a member) reads what the projector reads.
    cem = json.dumps([e["args"] for e in r.phones["Cem"].get_received(NS)])
    assert '"names": ["Ada"]' in cem
    assert "Bob" not in cem and "@" not in cem
    # The cockpit reads every name and what each brings, and only whether they may be contacted.
    staff = events(r.staff, "team_changed")[-1]["team"]
    assert [(m["name"], m["contactable"]) for m in staff["members"]] == [("Ada", True), ("Bob", True)]
    assert staff["members"][0]["brings"] == "Sales partners in Osaka"
    assert "@" not in json.dumps(staff)
    # Ada's own devices get her membership, her address with it.
    mine = [e["mine"] for e in events(r.phones["Ada"], "team_changed") if "mine" in e]
    assert mine[-1]["contact_email"] == "ada@a.org"
    # A fresh snapshot says the same.
    snap = r.screen.emit("get_snapshot", {}, namespace=NS, callback=True)["snapshot"]
    assert snap["teams"][0]["names"] == ["Ada"] and "@" not in json.dumps(snap)


def test_contacts_reach_a_phone_only_when_mutual_and_at_the_end(app):
    r = Room(app)
    r.send(r.phones["Ada"], "join_team", team_id=r.teams[0], contact_email="ada@a.org")
    r.send(r.phones["Bob"], "join_team", team_id=r.teams[0])  # no email: no consent
    r.send(r.phones["Cem"], "join_team", team_id=r.teams[0], contact_email="cem@c.org")
    snap = r.phones["Ada"].emit("get_snapshot", {}, namespace=NS, callback=True)["snapshot"]
    assert snap["contacts"] == {}  # still in Teams
    r.drain()
    assert r.send(r.staff, "set_phase", phase="closed")["ok"]
    ada = events(r.phones["Ada"], "contacts_changed")
    assert ada[-1]["contacts"] == {
        str(r.teams[0]): [{"name": "Cem", "organisation": None, "email": "cem@c.org"}]
    }
    assert events(r.phones["Bob"], "contacts_changed") == []
    assert "cem@c.org" not in json.dumps([e["args"] for e in r.phones["Bob"].get_received(NS)])
    for sock in (r.staff, r.screen):
        assert "@" not in json.dumps([e["args"] for e in sock.get_received(NS)])
    # Cem withdraws: Ada's phone loses the address at once.
    assert r.send(r.phones["Cem"], "withdraw_contact")["withdrawn"] == 1
    assert events(r.phones["Ada"], "contacts_changed")[-1]["contacts"] == {str(r.teams[0]): []}
    snap = r.phones["Ada"].emit("get_snapshot", {}, namespace=NS, callback=True)["snapshot"]
    assert "cem@c.org" not in json.dumps(snap)


def test_counting_in_has_a_budget_of_its_own(app):
    r = Room(app)
    phone = r.phones["Ada"]
    for i in range(5):
        assert r.send(phone, "join_team", team_id=r.teams[0], brings=f"v{i}")["ok"]
    over = r.send(phone, "join_team", team_id=r.teams[0], brings="v5")
    assert (over["ok"], over["code"], over["scope"]) == (False, "RateLimited", "contributions")
    assert r.send(phone, "leave_team", team_id=r.teams[0])["ok"]  # leaving is never refused so


def test_a_retry_is_answered_as_before_and_changes_nothing(app):
    r = Room(app)
    op_id = op()
    first = r.send(r.phones["Ada"], "join_team", op_id=op_id, team_id=r.teams[0])
    r.drain()
    again = r.send(r.phones["Ada"], "join_team", op_id=op_id, team_id=r.teams[0], brings="other")
    assert again == first
    assert events(r.screen, "team_changed") == []


def test_a_refusal_outside_teams_and_for_bad_fields(app):
    r = Room(app)
    bad = r.send(r.phones["Ada"], "join_team", team_id=r.teams[0], contact_email="nope")
    assert (bad["code"], bad["field"]) == ("Invalid", "contact_email")
    bad = r.send(r.phones["Ada"], "join_team", team_id=r.teams[0], brings_tags=["Not offered"])
    assert (bad["code"], bad["field"]) == ("Invalid", "brings_tags")
    r.send(r.staff, "set_phase", phase="results")
    assert r.send(r.phones["Ada"], "join_team", team_id=r.teams[0])["code"] == "NotNow"
    assert db.session.scalars(sa.select(TeamMember)).all() == []
