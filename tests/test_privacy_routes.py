"""People's data over HTTP and on the live connection: "My data", its download, removal by the
participant, the facilitator and an administrator, and what every other screen then receives."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app import realtime
from app.extensions import db
from app.models import AuditEvent, Participant, Role
from tests.conftest import NS, connect, join, login, make_user, make_workshop, op
from tests.conftest import received as received_raw

pytestmark = pytest.mark.usefixtures("fast_passwords")

IDEA = "Zebracorn desk in Ulaanbaatar 7Q4X"


@pytest.fixture(autouse=True)
def _no_connections_of_earlier_tests():
    realtime.forget_all()
    yield
    realtime.forget_all()


def ok(sock, event: str, **payload) -> dict:
    ack = sock.emit(event, {"op_id": op(), **payload}, namespace=NS, callback=True)
    assert ack["ok"], (event, ack)
    return ack


def staff_command(room, event: str, **payload) -> dict:
    return ok(room.staff, event, **payload)


class Room:
    """A facilitator's cockpit, Ada's and Bob's phones; Ada proposes, comments, +1s and votes."""

    def __init__(self, app, **settings) -> None:
        self.app = app
        self.facilitator = make_user()
        self.workshop = make_workshop(self.facilitator, **settings)
        self.laptop = login(app.test_client(), self.facilitator)
        self.staff = connect(app, self.laptop, self.workshop, "staff")
        self.ada_http = join(app, self.workshop, "Ada Quintessa", organisation="Quintessa Labs")
        self.ada = connect(app, self.ada_http, self.workshop)
        self.bob_http = join(app, self.workshop, "Bob Builder")
        self.bob = connect(app, self.bob_http, self.workshop)
        self.ada_id = db.session.scalar(
            sa.select(Participant.id).where(Participant.display_name == "Ada Quintessa")
        )

    def take_part(self) -> dict:
        idea = ok(self.ada, "propose_item", kind="idea", text=IDEA)["item"]["id"]
        bobs = ok(self.bob, "propose_item", kind="idea", text="Bob's booth in Seoul")["item"]["id"]
        staff_command(self, "set_phase", phase="discuss")
        comment = ok(self.ada, "add_comment", item_id=bobs, text="Ada likes Seoul")["comment"]["id"]
        ok(self.ada, "toggle_reaction", item_id=bobs)
        ok(self.bob, "toggle_reaction", item_id=idea)
        staff_command(self, "set_phase", phase="vote")
        round_ = staff_command(
            self, "open_round", title="First", method="dots", target="items", item_ids=[idea, bobs]
        )
        options = [o["id"] for o in round_["round"]["options"]]
        ok(
            self.ada,
            "cast_ballot",
            round_id=round_["round"]["id"],
            base_version=0,
            ballot={str(options[1]): 2},
        )
        return {"idea": idea, "bobs": bobs, "comment": comment}


class Screen:
    """What a screen holds after its snapshot and the broadcasts it applied (as live.js does)."""

    def __init__(self, snapshot: dict) -> None:
        self.v = snapshot["v"]
        self.items = {i["id"]: i for i in snapshot["items"]}
        self.comments = {c["id"]: c for c in snapshot["comments"]}
        self.reactions = {int(k): n for k, n in snapshot["reactions"].items()}

    def apply(self, name: str, ev: dict) -> None:
        if "v" not in ev or name not in (
            "item_changed",
            "item_removed",
            "comment_changed",
            "comment_removed",
            "reaction_changed",
        ):
            return
        assert ev["v"] >= self.v, (name, ev)  # versioned, in order: no gap, nothing older
        self.v = ev["v"]
        if name == "item_changed":
            self.items[ev["item"]["id"]] = ev["item"]
        elif name == "item_removed":
            self.items.pop(ev["id"], None)
        elif name == "comment_changed":
            self.comments[ev["comment"]["id"]] = ev["comment"]
        elif name == "comment_removed":
            self.comments.pop(ev["id"], None)
        else:
            self.reactions[ev["item_id"]] = ev["count"]

    def shown(self) -> tuple:
        items = {i: (x["text"], x["author"]) for i, x in self.items.items()}
        comments = {c: x["text"] for c, x in self.comments.items()}
        return items, comments, {i: n for i, n in self.reactions.items() if i in items and n}


def snapshot(sock) -> dict:
    ack = sock.emit("get_snapshot", {}, namespace=NS, callback=True)
    assert ack["ok"], ack
    return ack["snapshot"]


def test_my_data_shows_and_downloads_what_the_workshop_holds(app):
    room = Room(app)
    room.take_part()

    page = room.ada_http.get(f"/w/{room.workshop.id}/my-data")
    assert page.status_code == 200
    for shown in ("Ada Quintessa", "Quintessa Labs", IDEA, "Ada likes Seoul", "Bob&#39;s booth in Seoul"):
        assert shown in page.text
    download = room.ada_http.get(f"/w/{room.workshop.id}/my-data.json")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.data)
    assert data["you"]["display_name"] == "Ada Quintessa"
    assert [i["text"] for i in data["items"]] == [IDEA]
    assert [c["text"] for c in data["comments"]] == ["Ada likes Seoul"]
    assert [p["on"] for p in data["plus_ones"]] == ["Bob's booth in Seoul"]
    assert data["ballots"][0]["choices"] == [{"choice": "Bob's booth in Seoul", "points": 2}]
    # Bob's cookie is Bob's: his page shows none of Ada's; a device that never joined has none.
    assert "Quintessa" not in room.bob_http.get(f"/w/{room.workshop.id}/my-data").text
    assert app.test_client().get(f"/w/{room.workshop.id}/my-data").status_code == 404


def test_her_removal_reaches_every_screen_at_once_and_they_converge(app):
    room = Room(app)
    made = room.take_part()
    screens = {
        "staff": (room.staff, Screen(snapshot(room.staff))),
        "bob": (room.bob, Screen(snapshot(room.bob))),
    }
    for sock, _screen in screens.values():
        received_raw(sock)

    confirm = room.ada_http.get(f"/w/{room.workshop.id}/my-data/remove")
    assert "Remove my contributions?" in confirm.text and 'data-count="items"' in confirm.text
    done = room.ada_http.post(f"/w/{room.workshop.id}/my-data/remove", data={"confirm": "yes"})
    assert done.status_code == 302

    for name, (sock, screen) in screens.items():
        received = received_raw(sock)
        for event in received:
            screen.apply(event["name"], event["args"][0])
        assert made["idea"] not in screen.items and made["comment"] not in screen.comments, name
        assert screen.shown() == Screen(snapshot(sock)).shown(), name  # CONVERGE
    assert not room.ada.is_connected(NS)  # her phone's connection is ended
    said = room.ada_http.get(done.headers["Location"])
    assert "Your contributions were removed" in said.text and 'data-left="' in said.text
    assert room.ada_http.get(f"/w/{room.workshop.id}/my-data").status_code == 404  # this device left
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.removed"))
    assert (event.actor, event.detail["by"]) == ("participant", "participant")


def test_the_facilitator_removes_someone_who_asks_and_their_phone_is_told(app):
    room = Room(app)
    made = room.take_part()
    listed = room.laptop.get(f"/workshops/{room.workshop.id}/participants")
    assert "Ada Quintessa" in listed.text and "Bob Builder" in listed.text
    url = f"/workshops/{room.workshop.id}/participants/{room.ada_id}/remove"
    assert "Ada Quintessa" in room.laptop.get(url).text  # asks first
    assert room.laptop.post(url, data={"confirm": "yes"}).status_code == 302

    assert "Ada Quintessa" not in room.laptop.get(f"/workshops/{room.workshop.id}/participants").text
    assert made["idea"] not in {i["id"] for i in snapshot(room.bob)["items"]}
    back = room.ada_http.get(f"/j/{room.workshop.join_code}")  # her phone reloads: the join page
    assert "You have left this workshop" in back.text and 'name="display_name"' in back.text
    again = room.ada_http.get(f"/j/{room.workshop.join_code}")
    assert "You have left this workshop" not in again.text  # said once; the device forgot her
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.removed"))
    assert (event.actor, event.detail["by"]) == (room.facilitator.email, "facilitator")


def test_only_the_workshops_facilitator_or_an_administrator_may_remove(app):
    room = Room(app)
    url = f"/workshops/{room.workshop.id}/participants/{room.ada_id}/remove"
    stranger = login(app.test_client(), make_user())
    assert stranger.get(url).status_code == 404  # another's workshop behaves as missing (TENANT)
    assert stranger.post(url, data={"confirm": "yes"}).status_code == 404
    coordinator = login(app.test_client(), make_user(Role.COORDINATOR))
    assert coordinator.post(url, data={"confirm": "yes"}).status_code == 403
    assert room.bob_http.post(url, data={"confirm": "yes"}).status_code in (302, 401)  # a phone: to login
    other = make_workshop(room.facilitator)
    assert room.laptop.get(f"/workshops/{other.id}/participants/{room.ada_id}/remove").status_code == 404
    assert db.session.get(Participant, room.ada_id).removed_at is None


def test_an_administrator_finds_anyone_in_any_workshop(app):
    room = Room(app)
    room.take_part()
    admin = login(app.test_client(), make_user(Role.ADMIN))
    found = admin.get("/participants?q=quintessa")
    assert "Ada Quintessa" in found.text and "Bob Builder" not in found.text
    assert login(app.test_client(), make_user()).get("/participants?q=ada").status_code == 403
    url = f"/workshops/{room.workshop.id}/participants/{room.ada_id}/remove"
    assert admin.post(url, data={"confirm": "yes"}).status_code == 302
    assert "Ada Quintessa" not in admin.get("/participants?q=quintessa").text
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.removed"))
    assert event.detail["by"] == "administrator"


def test_in_an_anonymous_workshop_the_cockpit_is_not_told_what_someone_contributed(app):
    room = Room(app, anonymous=True)
    room.take_part()
    page = room.laptop.get(f"/workshops/{room.workshop.id}/participants/{room.ada_id}/remove")
    assert page.status_code == 200 and 'data-count="items"' not in page.text
    assert 'data-count="items"' in room.ada_http.get(f"/w/{room.workshop.id}/my-data/remove").text


def test_every_stage_links_to_my_data_and_the_notice_to_privacy_in_the_workshops_language(app):
    workshop = make_workshop(language="de")
    form = app.test_client().get(f"/j/{workshop.join_code}")
    assert "/privacy?lang=de" in form.text
    assert '<html lang="de">' in app.test_client().get("/privacy?lang=de").text
    assert '<html lang="it">' in app.test_client().get("/privacy?lang=it").text
    phone = join(app, workshop, "Ada")
    for phase in ("lobby", "propose", "discuss", "cluster", "vote", "results", "closed"):
        workshop.phase = phase
        db.session.commit()
        assert f'href="/w/{workshop.id}/my-data"' in phone.get(f"/j/{workshop.join_code}").text, phase


def test_my_data_lists_her_teams_and_contacts_and_withdraws_her_email_even_once_archived(app):
    from app.auth.actor import PARTICIPANT, STAFF, Actor
    from app.models import Item, Team, TeamMember, Workshop
    from app.workshops.services import teams

    user = make_user()
    workshop = make_workshop(user, phase="teams", phases=["lobby", "propose", "teams", "closed"])
    ada_http, bob_http = join(app, workshop, "Ada"), join(app, workshop, "Bob")
    japan = Item(workshop_id=workshop.id, kind="market", text="Robots", country="JP")
    db.session.add(japan)
    db.session.commit()
    staff = Actor(workshop.id, STAFF, user_id=user.id)
    teams.choose_teams(staff, op(), [japan.id], ["Funding"])
    team = db.session.scalar(sa.select(Team.id))
    ada, bob = (
        db.session.scalar(sa.select(Participant.id).where(Participant.display_name == n))
        for n in ("Ada", "Bob")
    )
    teams.join_team(
        Actor(workshop.id, PARTICIPANT, participant_id=ada),
        op(),
        team,
        brings="Osaka buyers",
        contact_email="ada@a.example",
    )
    teams.join_team(
        Actor(workshop.id, PARTICIPANT, participant_id=bob), op(), team, contact_email="bob@b.example"
    )
    db.session.get(Workshop, workshop.id).phase = "closed"
    db.session.commit()

    page = ada_http.get(f"/w/{workshop.id}/my-data").text
    assert "Osaka buyers" in page and "ada@a.example" in page and "bob@b.example" in page
    data = json.loads(ada_http.get(f"/w/{workshop.id}/my-data.json").data)
    assert data["teams"][0]["contact_email"] == "ada@a.example"
    assert data["team_contacts"] == {
        str(team): [{"name": "Bob", "organisation": None, "email": "bob@b.example"}]
    }

    db.session.get(Workshop, workshop.id).status = "archived"
    db.session.commit()
    assert ada_http.post(f"/w/{workshop.id}/my-data/withdraw-email").status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(TeamMember.contact_email).where(TeamMember.participant_id == ada)) is None
    )
    assert "ada@a.example" not in bob_http.get(f"/w/{workshop.id}/my-data").text
