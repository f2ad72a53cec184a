"""The market teams across workshops in the joint strategy: what is gathered per market, whom it
names and whose email it gives (consent) on the page, in the XLSX, the PDF and the API, the
cross-cluster matches, and introducing a match by mail (confirm, then POST)."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from app import audit
from app.api import tokens
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.errors import Conflict, NotNow
from app.extensions import db
from app.models import AuditEvent, Introduction, Participant, Role, Team, User, Workshop
from app.privacy.held import held
from app.privacy.removal import remove_participant
from app.strategy import introductions, services
from app.workshops.services import teams
from app.workshops.services.deletion import delete_workshop
from tests.conftest import login, make_item, make_participant, make_user, make_workshop, op
from tests.live import free_port
from tests.test_password_links import Inbox
from tests.test_strategy_routes import csrf_token

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHASES = ["lobby", "propose", "vote", "results", "teams", "closed"]
STUTTGART, SOFIA = 1, 4  # the clusters' ids (app/models/workshop.py CLUSTERS)


@pytest.fixture
def app_config(request) -> dict:
    """A test that asks for `smtp` or `inbox` (or `no_smtp`) mails through that port."""
    extra = getattr(request, "param", {})  # parametrized indirectly: more settings
    if {"smtp", "inbox"} & set(request.fixturenames):
        port = request.getfixturevalue("smtp")[0]
    elif "no_smtp" in request.fixturenames:
        port = request.getfixturevalue("no_smtp")
    else:
        return extra
    return extra | {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_DEFAULT_SENDER": "Bridge <b@example.org>",
    }


@pytest.fixture
def smtp():
    """A mail server on 127.0.0.1 keeping what it receives: (port, inbox)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def inbox(request) -> Inbox:
    """What the test's mail server received."""
    return request.getfixturevalue("smtp")[1]


@pytest.fixture
def no_smtp() -> int:
    """A port on 127.0.0.1 where no mail server listens."""
    return free_port()


class Room:
    """A workshop of one cluster in its Teams phase, with a team for Japan (and one for India)."""

    def __init__(self, cluster: int, title: str, *, language: str = "en", anonymous: bool = False) -> None:
        user = make_user()
        workshop = make_workshop(
            user, phase="teams", phases=PHASES, cluster_id=cluster, language=language, anonymous=anonymous
        )
        workshop.title = title
        db.session.commit()
        self.id = workshop.id
        self.staff = Actor(self.id, STAFF, user_id=user.id)
        japan = make_item(workshop, None, "Japan, robots", kind="market", country="JP").id
        india = make_item(workshop, None, "India, demand", kind="market", country="IN").id
        self.tags = teams.default_tags(language)
        teams.choose_teams(self.staff, op(), [japan, india], self.tags)
        chosen = db.session.scalars(
            sa.select(Team.id).where(Team.workshop_id == self.id).order_by(Team.position)
        )
        self.japan, self.india = chosen

    def person(self, name: str, team: int | None = None, sector: str = "ai", **fields) -> Actor:
        """A participant of the workshop who counts themselves in `team` (Japan) with these fields."""
        person = make_participant(db.session.get(Workshop, self.id), name)
        person.organisation, person.sector = f"{name} Ltd", sector
        db.session.commit()
        actor = Actor(self.id, PARTICIPANT, participant_id=person.id)
        assert teams.join_team(actor, op(), team or self.japan, **fields)["ok"] is True
        return actor

    def tag(self, english: str) -> str:
        """A default tag in the workshop's language."""
        return self.tags[teams.default_tags("en").index(english)]


def two_rooms() -> tuple[Room, Room, dict[str, Actor]]:
    """Stuttgart and Sofia, each with a team for Japan: Ada and Bob in Stuttgart, Cem in Sofia.

    Ada: named, email, brings technology, looks for funding. Bob: not named, no email, brings
    funding. Cem: named, email, brings funding, looks for technology. Dan (Stuttgart): email,
    brings funding, but Ada's own cluster."""
    north = Room(STUTTGART, "Stuttgart kick-off")
    south = Room(SOFIA, "Sofia kick-off")
    people = {
        "ada": north.person(
            "Ada",
            brings="Robot arms",
            looks_for="Investors in Tokyo",
            brings_tags=["Technology"],
            looks_tags=["Funding"],
            contact_email="ada@example.org",
            show_name=True,
        ),
        "bob": north.person("Bob", brings="A fund", brings_tags=["Funding"], sector="blockchain"),
        "dan": north.person("Dan", brings_tags=["Funding"], contact_email="dan@example.org", show_name=True),
        "cem": south.person(
            "Cem",
            brings="Seed money",
            looks_for="Hardware",
            brings_tags=["Funding"],
            looks_tags=["Technology"],
            contact_email="cem@example.org",
            show_name=True,
        ),
    }
    return north, south, people


def japan(joint: dict) -> dict:
    return next(m for m in joint["teams"] if m["country"] == "JP")


def members(market: dict) -> dict[str, dict]:
    """A market's members by organisation text (which the test sets), named or not."""
    return {m["brings"] or m["participant_id"]: m for team in market["teams"] for m in team["members"]}


# --- what is gathered -------------------------------------------------------------------


def test_each_markets_teams_are_gathered_across_workshops_of_different_clusters(app):
    north, south, _people = two_rooms()
    joint = services.joint_strategy([north.id, south.id], contacts=True)
    market = japan(joint)
    assert market["country_name"] == "Japan"
    assert (market["members"], market["workshops"]) == (4, 2)
    assert market["clusters"] == [["Baden-Württemberg: Connected", 3], ["Cluster ICT", 1]]
    assert market["sectors"] == [["ai", 3], ["blockchain", 1]]
    assert market["brings_tags"] == [["Funding", 3], ["Technology", 1]]
    assert market["looks_tags"] == [["Funding", 1], ["Technology", 1]]
    assert [(t["workshop_title"], t["count"]) for t in market["teams"]] == [
        ("Stuttgart kick-off", 3),
        ("Sofia kick-off", 1),
    ]
    texts = {(m["brings"], m["looks_for"]) for t in market["teams"] for m in t["members"]}
    assert ("Robot arms", "Investors in Tokyo") in texts and ("Seed money", "Hardware") in texts
    # India has a team in each workshop, but nobody in it: listed, with no one.
    india = next(m for m in joint["teams"] if m["country"] == "IN")
    assert (india["members"], india["workshops"], india["matches"]) == (0, 2, [])


def test_names_only_where_named_and_agreed_and_emails_only_where_left(app):
    north, south, _people = two_rooms()
    hidden = Room(SOFIA, "Anonymous day", anonymous=True)
    hidden.person("Eve", contact_email="eve@example.org", show_name=True, brings="Shh")
    market = japan(services.joint_strategy([north.id, south.id, hidden.id], contacts=True))
    by_text = members(market)
    assert (by_text["Robot arms"]["name"], by_text["Robot arms"]["email"]) == ("Ada", "ada@example.org")
    assert by_text["Robot arms"]["organisation"] == "Ada Ltd"
    assert (by_text["A fund"]["name"], by_text["A fund"]["organisation"], by_text["A fund"]["email"]) == (
        None,
        None,
        None,
    )
    assert (by_text["Shh"]["name"], by_text["Shh"]["email"]) == (None, "eve@example.org")
    text = json.dumps(market)
    assert "Bob" not in text and "Eve" not in text
    # Without contacts (a facilitator through the API), nobody's email.
    assert "@" not in json.dumps(services.joint_strategy([north.id, south.id])["teams"])


def test_a_withdrawn_email_leaves_the_joint_strategy_at_once(app):
    north, south, people = two_rooms()
    teams.withdraw_contact(people["cem"], op())
    market = japan(services.joint_strategy([north.id, south.id], contacts=True))
    assert "cem@example.org" not in json.dumps(market)
    assert market["matches"] == []


# --- matches ----------------------------------------------------------------------------


def pairs(market: dict) -> list[tuple]:
    return [
        (m["first"]["name"], m["second"]["name"], m["first_looks_for"], m["second_looks_for"])
        for m in market["matches"]
    ]


def test_matches_pair_members_of_different_clusters_who_both_left_an_email(app):
    north, south, _people = two_rooms()
    market = japan(services.joint_strategy([north.id, south.id], contacts=True))
    # Ada looks for funding, which Cem brings; Cem looks for technology, which Ada brings. Bob brings
    # funding too but left no email; Dan brings it and left his, but is Ada's own cluster.
    assert pairs(market) == [("Ada", "Cem", ["Funding"], ["Technology"])]
    match = market["matches"][0]
    assert (match["first"]["email"], match["second"]["email"]) == ("ada@example.org", "cem@example.org")
    assert match["introduced"] is None
    # Dan and Cem: both bring funding, neither looks for what the other brings.


def test_default_tags_meet_across_the_workshops_languages(app):
    north = Room(STUTTGART, "Stuttgart", language="de")
    south = Room(SOFIA, "Sofia", language="it")
    tech, money = north.tag("Technology"), south.tag("Funding")
    north.person("Ada", brings_tags=[tech], looks_tags=[north.tag("Funding")], contact_email="a@example.org")
    south.person("Cem", brings_tags=[money], contact_email="c@example.org")
    market = japan(services.joint_strategy([north.id, south.id], contacts=True))
    assert [(m["first_looks_for"], m["second_looks_for"]) for m in market["matches"]] == [(["Funding"], [])]


# --- introductions ----------------------------------------------------------------------


def introduce(people: dict, coordinator, who=("ada", "cem")) -> Introduction:
    first, second = (people[w].participant_id for w in who)
    return introductions.introduce(coordinator, "JP", first, second)


def test_an_introduction_mails_both_in_their_language_records_and_audits(app, smtp):
    _port, inbox = smtp
    north, south, people = two_rooms()
    coordinator = make_user(Role.COORDINATOR)
    coordinator.name = "Cora"
    introduce(people, coordinator)
    assert sorted(m["To"] for m in inbox.mails) == ["ada@example.org", "cem@example.org"]
    to_ada = next(m for m in inbox.mails if m["To"] == "ada@example.org")
    body = to_ada.get_body(("plain",)).get_content()
    assert "Japan" in to_ada["Subject"]
    assert "Cem · Cem Ltd" in body and "cem@example.org" in body and "Cluster ICT" in body
    assert "You look for what they bring: Funding" in body
    assert "They look for what you bring: Technology" in body
    assert "Cora" in body
    row = db.session.scalar(sa.select(Introduction))
    assert (row.country, row.tags, row.introduced_by_id) == ("JP", ["Funding", "Technology"], coordinator.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "team.introduced"))
    assert event.target == "market:JP" and event.detail["participants"] == sorted(
        [people["ada"].participant_id, people["cem"].participant_id]
    )
    assert "Ada" not in json.dumps(event.detail) and "@" not in json.dumps(event.detail)
    words = audit.describe(event)
    assert words["what"] == "Team members of two clusters introduced"
    assert words["target"] == "the market Japan" and words["detail"].startswith("participants ")
    done = japan(services.joint_strategy([north.id, south.id], contacts=True))["matches"][0]["introduced"]
    assert done["by"] == "Cora"
    # Once is enough: a second click is refused, and mails nobody.
    with pytest.raises(Conflict):
        introduce(people, coordinator)
    assert len(inbox.mails) == 2


def test_an_unnamed_member_is_described_not_named_in_the_mail(app, smtp):
    _port, inbox = smtp
    north, south = Room(STUTTGART, "N"), Room(SOFIA, "S")
    ada = north.person("Ada", brings_tags=["Technology"], contact_email="ada@example.org", show_name=False)
    cem = south.person("Cem", looks_tags=["Technology"], contact_email="cem@example.org", show_name=True)
    introduce({"ada": ada, "cem": cem}, make_user(Role.COORDINATOR))
    to_cem = next(m for m in inbox.mails if m["To"] == "cem@example.org").get_body(("plain",)).get_content()
    assert "Ada" not in to_cem and "A company that did not give its name" in to_cem
    assert "ada@example.org" in to_cem


def test_a_withdrawn_consent_refuses_the_pending_introduction(app, smtp):
    _port, inbox = smtp
    _north, _south, people = two_rooms()
    pending = introductions.pending("JP", people["ada"].participant_id, people["cem"].participant_id)
    assert pending["first"]["email"] == "ada@example.org"
    teams.withdraw_contact(people["cem"], op())  # while the coordinator reads the confirmation
    with pytest.raises(NotNow, match="withdrawn their consent"):
        introduce(people, make_user(Role.COORDINATOR))
    assert inbox.mails == []
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0


def test_no_introduction_outside_a_match(app, smtp):
    _port, inbox = smtp
    _north, _south, people = two_rooms()
    coordinator = make_user(Role.COORDINATOR)
    with pytest.raises(NotNow):  # Bob left no email
        introduce(people, coordinator, ("ada", "bob"))
    with pytest.raises(NotNow):  # Dan is Ada's own cluster
        introduce(people, coordinator, ("ada", "dan"))
    assert inbox.mails == []


def test_a_mail_server_that_is_away_records_nothing(app, no_smtp):
    _north, _south, people = two_rooms()
    with pytest.raises(NotNow, match="mail server"):
        introduce(people, make_user(Role.COORDINATOR))
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "team.introduced")
        )
        == 0
    )


# --- the page, its files and the API ----------------------------------------------------------


def query(*rooms: Room) -> str:
    return "&".join(f"w={r.id}" for r in rooms)


@pytest.fixture
def rooms(app):
    """Stuttgart and Sofia (tests/test_strategy_teams.py two_rooms), and an anonymous workshop
    whose member agreed to be named, which names nobody all the same."""
    north, south, people = two_rooms()
    hidden = Room(4, "Anonymous day", anonymous=True)
    hidden.person("Eve", brings="Quiet capital", contact_email="eve@example.org", show_name=True)
    return north, south, hidden, people


def xlsx_text(data: bytes) -> tuple[dict, str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    return cells, "\n".join(str(v) for rows in cells.values() for row in rows for v in row if v is not None)


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def consent_kept(text: str) -> None:
    """Ada and Cem agreed and left emails; Bob did neither; Eve is in an anonymous workshop."""
    assert "Ada" in text and "Cem" in text and "ada@example.org" in text and "eve@example.org" in text
    assert "Bob" not in text and "Eve" not in text
    assert "A fund" in text and "Quiet capital" in text  # what they bring is listed, unnamed


def test_the_joint_page_shows_each_markets_teams_with_consent_kept(client, rooms):
    north, south, hidden, _people = rooms
    page = login(client, make_user(Role.COORDINATOR)).get(f"/coordinate/joint?{query(north, south, hidden)}")
    assert page.status_code == 200
    team = page.text[page.text.index('id="teams-JP"') : page.text.index('id="teams-IN"')]
    consent_kept(team)
    assert "5 members · in 3 workshops" in team
    assert "Introduce" in team and "/coordinate/introductions?" in team


def test_the_xlsx_has_a_teams_sheet_with_consent_kept(client, rooms):
    north, south, hidden, _people = rooms
    http = login(client, make_user(Role.COORDINATOR))
    cells, text = xlsx_text(http.get(f"/coordinate/joint/export/xlsx?{query(north, south, hidden)}").data)
    consent_kept(text)
    header, *rows = cells["Teams"]
    assert header[0] == "Target market" and header[-1] == "Email"
    ada = next(r for r in rows if r[3] == "Ada")
    assert (ada[0], ada[1], ada[5], ada[-1]) == (
        "Japan",
        "Stuttgart kick-off",
        "Baden-Württemberg: Connected",
        "ada@example.org",
    )
    assert [r[0] for r in cells["Matches"][1:]] == ["Japan"]


def test_the_pdf_lists_the_teams_with_consent_kept(client, rooms):
    north, south, hidden, _people = rooms
    http = login(client, make_user(Role.COORDINATOR))
    text = pdf_text(http.get(f"/coordinate/joint/export/pdf?{query(north, south, hidden)}").data)
    assert "Teams by market" in text
    consent_kept(text)


def test_the_api_gives_emails_to_coordinators_only(client, rooms):
    north, south, hidden, _people = rooms
    url = f"/api/v1/strategy?workshop={north.id}&workshop={south.id}&workshop={hidden.id}"
    coordinator = tokens.create_token(make_user(Role.COORDINATOR), "script")[1]
    data = client.get(url, headers={"Authorization": f"Bearer {coordinator}"}).get_json()
    consent_kept(str(data["teams"]))
    # The facilitator of Stuttgart reads their own workshop's team, without anyone's email.
    facilitator = db.session.get(User, db.session.get(Workshop, north.id).facilitator_id)
    own = tokens.create_token(facilitator, "script")[1]
    mine = client.get(f"/api/v1/strategy?workshop={north.id}", headers={"Authorization": f"Bearer {own}"})
    assert mine.status_code == 200
    assert "Ada" in str(mine.get_json()["teams"]) and "@" not in str(mine.get_json()["teams"])


def test_a_coordinator_confirms_then_introduces_a_match(client, rooms, inbox):
    north, south, _hidden, people = rooms
    http = login(client, make_user(Role.COORDINATOR))
    a, b = people["ada"].participant_id, people["cem"].participant_id
    confirm = http.get(f"/coordinate/introductions?country=JP&first={a}&second={b}&{query(north, south)}")
    assert (
        confirm.status_code == 200 and "ada@example.org" in confirm.text and "cem@example.org" in confirm.text
    )
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0  # asking is not doing
    done = http.post(
        f"/coordinate/introductions?{query(north, south)}", data={"country": "JP", "first": a, "second": b}
    )
    assert done.status_code == 302 and done.location.endswith("#teams-JP")
    assert len(inbox.mails) == 2
    page = http.get(done.location).text
    assert "Introduced on" in page and "each of the two has received" in page


def test_a_withdrawn_consent_is_said_when_the_introduction_is_sent(client, rooms, inbox):
    north, south, _hidden, people = rooms
    http = login(client, make_user(Role.COORDINATOR))
    a, b = people["ada"].participant_id, people["cem"].participant_id
    teams.withdraw_contact(people["ada"], op())
    done = http.post(
        f"/coordinate/introductions?{query(north, south)}", data={"country": "JP", "first": a, "second": b}
    )
    page = http.get(done.location).text
    assert "withdrawn their consent to be contacted" in page
    assert inbox.mails == [] and "ada@example.org" not in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_an_introduction_without_the_forms_token_is_refused(client, rooms, inbox):
    north, south, _hidden, people = rooms
    user = make_user(Role.COORDINATOR)
    token = csrf_token(client.get("/login").text)
    client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    a, b = people["ada"].participant_id, people["cem"].participant_id
    data = {"country": "JP", "first": a, "second": b}
    client.post(f"/coordinate/introductions?{query(north, south)}", data=data)
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0 and inbox.mails == []
    confirm = client.get(f"/coordinate/introductions?country=JP&first={a}&second={b}&{query(north, south)}")
    client.post(
        f"/coordinate/introductions?{query(north, south)}",
        data=data | {"csrf_token": csrf_token(confirm.text)},
    )
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 1 and len(inbox.mails) == 2


def test_facilitators_cannot_introduce(client, rooms):
    _north, _south, _hidden, people = rooms
    http = login(client, make_user(Role.FACILITATOR))
    a, b = people["ada"].participant_id, people["cem"].participant_id
    assert (
        http.post("/coordinate/introductions", data={"country": "JP", "first": a, "second": b}).status_code
        == 403
    )


# --- people's data ----------------------------------------------------------------------


def test_my_data_lists_the_introductions_and_removal_takes_them(app, inbox):
    north, south, people = two_rooms()
    introduce(people, make_user(Role.COORDINATOR))
    cem = db.session.get(Participant, people["cem"].participant_id)
    mine = held(cem)["introductions"]
    assert [(i["market"], i["with"], i["with_cluster"], i["tags"]) for i in mine] == [
        ("Japan", "Ada", "Baden-Württemberg: Connected", ["Funding", "Technology"])
    ]
    remove_participant(south.id, cem.id, by="participant")
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0
    assert held(db.session.get(Participant, people["ada"].participant_id))["introductions"] == []


def test_a_deleted_workshop_takes_its_participants_introductions(app, inbox):
    north, south, people = two_rooms()
    introduce(people, make_user(Role.COORDINATOR))
    delete_workshop(make_user(Role.ADMIN), north.id)
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0
