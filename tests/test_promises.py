"""Promises made to participants hold at the edges (KEPT): moderation, private ideation and
anonymity reach the rounds, their results, the exports and the API; settings cannot take them back.

Socket-level tests use the voting tests' room: a cockpit, a projector, three phones and three
ideas (the first is Ada's), in the vote phase.
"""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa

from app.api import queries
from app.exports import service as exports
from app.extensions import db
from app.models import Ballot, Item, Round, User, Workshop
from tests.conftest import NS, in_room, login, make_user, make_workshop
from tests.test_exports_pdf import pdf_text
from tests.test_voting_events import Room, cast, committed, options, quick_tallies, refused, settle  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_passwords")

SINGAPORE = "A shared booth in Singapore"  # the room's second idea, the one moderated below


def ballots(app) -> dict[tuple[int, str], tuple]:
    """(round id, voter) -> (participant id, ballot, total, version), as committed."""
    return {(r, v): (p, json.loads(d), t, n) for r, v, p, d, t, n in committed(app)["ballots"]}


def results(tally: dict) -> dict[int, float]:
    return {row["item_id"]: row.get("points") for row in tally["results"]}


def ids(round_: dict) -> list[int]:
    return [o["id"] for o in round_["options"]]


def input_tag(page: str, name: str) -> str:
    """The <input> of that name in an HTML page."""
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return tag


def room_in(app, phase: str, **settings) -> Room:
    """The voting tests' room, moved to another phase."""
    room = Room(app, **settings)
    room.staff.ok("set_phase", phase=phase)
    room.clear()
    return room


def voter(room: Room, phone) -> str:
    return f"p{room.pid[phone]}"


# --- moderation reaches the open round -------------------------------------------------------


def test_hiding_an_option_takes_it_out_of_the_open_round_and_gives_its_points_back(app):
    room = Room(app)
    r = room.open()
    o1, o2, o3 = options(r)
    cy = room.phones[2]
    assert cast(room.ada, r, {o2: 2})["ok"] and cast(room.bob, r, {o2: 1, o3: 1})["ok"]
    assert cast(cy, r, {o1: 3})["ok"]
    settle()
    room.clear()

    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    # Every phone and the projector: the round without the choice, its text nowhere.
    for s in (room.screen, *room.phones):
        [changed] = s.got("round_changed")
        assert ids(changed["round"]) == [int(o1), int(o3)], s.name
        assert SINGAPORE not in json.dumps(s.pull()), s.name
    # The cockpit keeps it, marked.
    [staff] = room.staff.got("round_changed")
    assert [(o["id"], o.get("removed", False)) for o in staff["round"]["options"]] == [
        (int(o1), False),
        (int(o2), True),
        (int(o3), False),
    ]
    # Its voters' ballots are rewritten without it, versions bumped; their phones are told.
    [ada] = room.ada.got("ballot_changed")
    [bob] = room.bob.got("ballot_changed")
    assert (ada["ballot"], ada["version"], bob["ballot"], bob["version"]) == ({}, 2, {o3: 1}, 2)
    assert ada["notice"] == bob["notice"] == "choice_removed"
    assert cy.got("ballot_changed") == []
    stored = ballots(app)
    assert stored[(r["id"], voter(room, room.ada))][1:] == ({}, 0, 2)
    assert stored[(r["id"], voter(room, room.bob))][1:] == ({o3: 1}, 1, 2)
    assert stored[(r["id"], voter(room, cy))][1:] == ({o1: 3}, 3, 1)
    # The results leave it out.
    tally = room.staff.wait_for("tally_changed", lambda p: int(o2) not in results(p))
    assert results(tally) == {int(o1): 3, int(o3): 1}
    snap = room.ada.snapshot()
    assert ids(snap["rounds"][0]) == [int(o1), int(o3)]
    assert snap["my_ballots"][str(r["id"])] == {"version": 2, "ballot": {}, "over_limit": False}


def test_a_ballot_built_before_the_choice_left_is_a_conflict_not_a_way_back_in(app):
    room = Room(app)
    r = room.open()
    o1, o2, o3 = options(r)
    assert cast(room.ada, r, {o2: 2})["ok"]
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    settle()
    before = committed(app)
    # On the version the moderation replaced, with or without the choice; or naming it afresh.
    for base, ballot in ((1, {o2: 3}), (1, {o3: 1}), (2, {o2: 1, o3: 1})):
        ack = cast(room.ada, r, ballot, base=base)
        assert (ack["ok"], ack["code"]) == (False, "Conflict"), (base, ballot, ack)
    assert committed(app) == before
    assert cast(room.ada, r, {o3: 2, o1: 1}, base=2)["version"] == 3


def test_a_choice_shown_again_comes_back_with_no_points(app):
    room = Room(app)
    r = room.open()
    o1, o2, o3 = options(r)
    assert cast(room.ada, r, {o2: 2, o3: 1})["ok"]
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    settle()
    room.clear()
    room.staff.ok("hide_item", item_id=room.items[1], hidden=False)
    for s in (room.screen, *room.phones):
        assert ids(s.got("round_changed")[-1]["round"]) == [int(o1), int(o2), int(o3)]
    assert room.ada.got("ballot_changed") == []
    assert ballots(app)[(r["id"], voter(room, room.ada))][1:] == ({o3: 1}, 1, 2)
    tally = room.staff.wait_for("tally_changed", lambda p: int(o2) in results(p))
    assert results(tally) == {int(o1): 0, int(o2): 0, int(o3): 1}
    assert cast(room.ada, r, {o2: 3, o3: 1}, base=2)["version"] == 3


def test_a_withdrawn_option_leaves_the_round_too(app):
    room = Room(app)
    r = room.open()
    o1, _o2, o3 = options(r)  # o1: Ada's own idea
    assert cast(room.bob, r, {o1: 2, o3: 1})["ok"]
    room.staff.ok("set_phase", phase="propose")
    settle()
    room.clear()
    room.ada.ok("withdraw_item", item_id=room.items[0])
    for s in (room.screen, *room.phones):
        assert int(o1) not in ids(s.got("round_changed")[-1]["round"])
    [bob] = room.bob.got("ballot_changed")
    assert (bob["ballot"], bob["version"]) == ({o3: 1}, 2)
    assert ballots(app)[(r["id"], voter(room, room.bob))][1:] == ({o3: 1}, 1, 2)


def test_the_notice_carries_no_words_each_phone_says_it_in_its_language(app):
    # A German workshop's Greek phone must not read German (OWN): the server names what happened.
    room = Room(app, language="de")
    r = room.open()
    assert cast(room.bob, r, {options(r)[1]: 1})["ok"]
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    assert room.bob.got("ballot_changed")[0]["notice"] == "choice_removed"


def test_an_anonymous_ranking_gives_back_to_its_unnamed_voters(app):
    room = Room(app)
    r = room.open(method="ranking", anonymous=True)
    o1, o2, o3 = (int(o) for o in options(r))
    assert cast(room.ada, r, [o2, o1, o3])["ok"] and cast(room.bob, r, [o2])["ok"]
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    [ada] = room.ada.got("ballot_changed")
    [bob] = room.bob.got("ballot_changed")
    assert (ada["ballot"], bob["ballot"], ada["version"], bob["version"]) == ([o1, o3], [], 2, 2)
    rows = committed(app)["ballots"]
    assert [row[2] for row in rows] == [None, None]  # still nobody's, in the database
    assert sorted((json.loads(row[3]), row[5]) for row in rows) == [([], 2), ([o1, o3], 2)]
    # A ballot left empty by moderation survives an export and an import.
    room.staff.ok("close_round", round_id=r["id"])
    settle()
    archive = exports.export(None, room.id, "json").data
    restored = exports.import_archive(archive, db.session.get(User, room.facilitator.id).email)
    again = db.session.scalar(sa.select(Round).where(Round.workshop_id == restored.id))
    datas = sorted(
        json.dumps(b.data) for b in db.session.scalars(sa.select(Ballot).where(Ballot.round_id == again.id))
    )
    assert len(datas) == 2 and "[]" in datas


# --- moderation reaches closed rounds, results, exports and the API -----------------------------


def test_a_closed_rounds_results_and_exports_leave_a_hidden_choice_out(app):
    room = Room(app)
    r = room.open(results_hidden=False)
    o1, o2, o3 = options(r)
    assert cast(room.ada, r, {o2: 3}) and cast(room.bob, r, {o2: 2, o1: 1})["ok"]
    room.staff.ok("close_round", round_id=r["id"])
    settle()
    before = ballots(app)
    room.clear()
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    tally = room.screen.wait_for("tally_changed", lambda p: int(o2) not in results(p))
    assert results(tally) == {int(o1): 1, int(o3): 0}
    assert int(o2) not in ids(room.bob.got("round_changed")[-1]["round"])
    assert ballots(app) == before  # a closed round's ballots are its record: not rewritten

    archive = json.loads(exports.export(None, room.id, "json").data)
    [kept] = archive["rounds"]
    assert [o.get("removed") for o in kept["options"]] == [False, True, False]
    removed = kept["options"][1]["ref"]
    assert removed not in json.dumps(kept["results"])
    book = openpyxl.load_workbook(io.BytesIO(exports.export(None, room.id, "xlsx").data))
    for sheet in ("results", "ballots", "Summary"):
        cells = [str(c) for row in book[sheet].iter_rows(values_only=True) for c in row]
        assert SINGAPORE not in " ".join(cells) and removed not in cells, sheet
    assert [row[16] for row in book["rounds"].iter_rows(min_row=2, values_only=True)] == [2]  # options
    _reader, text = pdf_text(exports.export(None, room.id, "pdf").data)
    assert "Singapore" not in text
    user = db.session.get(User, room.facilitator.id)
    [api] = queries.workshop_results(user, room.id)["rounds"]
    assert ids(api) == [int(o1), int(o3)]
    assert {s["option_id"] for s in api["results"]["standings"]} == {int(o1), int(o3)}

    room.staff.ok("hide_item", item_id=room.items[1], hidden=False)  # shown again: as it was
    tally = room.screen.wait_for("tally_changed", lambda p: int(o2) in results(p))
    assert results(tally) == {int(o1): 1, int(o2): 5, int(o3): 0}


def test_a_rerun_leaves_out_what_moderation_took_out(app):
    room = Room(app)
    r = room.open()
    room.staff.ok("close_round", round_id=r["id"])
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    again = room.staff.ok("rerun_round", round_id=r["id"])["round"]
    assert [o["label"] for o in again["options"]] == ["Ada's idea: a Tokyo desk", "Mentors in Seoul"]


# --- the spotlight ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["hide", "withdraw", "merge"])
def test_a_spotlit_item_that_leaves_the_room_leaves_the_spotlight(app, how):
    room = room_in(app, "propose")
    item = room.items[0]  # Ada's
    room.staff.ok("spotlight", item_id=item)
    room.clear()
    if how == "hide":
        room.staff.ok("hide_item", item_id=item, hidden=True)
    elif how == "withdraw":
        room.ada.ok("withdraw_item", item_id=item)
    else:
        room.staff.ok("merge_items", target_id=room.items[2], item_ids=[item])
    assert db.session.get(Workshop, room.id).spotlight_item_id is None
    for s in room.all:
        if how == "merge":
            assert s.got("resync") and s.snapshot()["workshop"]["spotlight_item_id"] is None
        else:
            [changed] = s.got("workshop_changed")
            assert changed["workshop"]["spotlight_item_id"] is None, s.name
    if how == "hide":
        room.staff.ok("hide_item", item_id=item, hidden=False)
        assert room.staff.snapshot()["workshop"]["spotlight_item_id"] is None


def test_a_hidden_item_cannot_be_merged_into_a_visible_one(app):
    room = room_in(app, "cluster")
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    ack = refused(
        "Invalid", app, room, room.staff, "merge_items", target_id=room.items[2], item_ids=[room.items[1]]
    )
    assert ack["field"] == "item_ids"
    assert all(SINGAPORE not in json.dumps(p.snapshot()) for p in (room.screen, *room.phones))


def test_a_hidden_item_cannot_be_merged_into_another_hidden_one(app):
    """Merged away, it was no longer hidden: its text came back among a closed round's choices, and
    under the item it joined once that one was shown."""
    room = Room(app)
    r = room.open(results_hidden=False)
    room.staff.ok("close_round", round_id=r["id"])
    seoul, singapore = room.items[2], room.items[1]
    room.staff.ok("hide_item", item_id=singapore, hidden=True)
    room.staff.ok("hide_item", item_id=seoul, hidden=True)
    ack = refused("Invalid", app, room, room.staff, "merge_items", target_id=seoul, item_ids=[singapore])
    assert ack["field"] == "item_ids" and "show it first" in ack["error"]
    assert SINGAPORE not in json.dumps(room.screen.snapshot())
    room.staff.ok("hide_item", item_id=seoul, hidden=False)
    [shown] = [i for i in room.screen.snapshot()["items"] if i["id"] == seoul]
    assert shown["merged_from"] == []
    assert SINGAPORE not in json.dumps(room.screen.snapshot())


def test_a_visible_item_cannot_be_merged_into_a_hidden_one(app):
    room = room_in(app, "cluster")
    room.staff.ok("hide_item", item_id=room.items[1], hidden=True)
    ack = refused(
        "Invalid", app, room, room.staff, "merge_items", target_id=room.items[1], item_ids=[room.items[2]]
    )
    assert ack["field"] == "item_ids"


# --- private ideation ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["items", "theme", "markets"])
def test_no_round_on_items_while_ideation_is_private(app, target):
    room = Room(app)
    theme = room.staff.ok("create_theme", name="Asia", item_ids=room.items)["theme"]["id"]
    room.staff.ok("create_theme", name="Europe")
    room.staff.ok("set_private", private=True)
    ack = refused("NotNow", app, room, room.staff, "open_round", title="Which?", method="dots", target=target,
                  item_ids=room.items, theme_id=theme)  # fmt: skip
    assert ack["field"] == "target"
    room.staff.ok("open_round", title="Themes", method="dots", target="themes")  # theme names are not private


def test_no_rerun_of_a_round_on_items_while_ideation_is_private(app):
    room = Room(app)
    r = room.open()
    room.staff.ok("close_round", round_id=r["id"])
    room.staff.ok("set_private", private=True)
    refused("NotNow", app, room, room.staff, "rerun_round", round_id=r["id"])


# --- a rerun keeps its original's settings ----------------------------------------------------


def test_a_rerun_of_a_revealed_round_hides_its_results_again(app):
    room = Room(app)
    r = room.open(results_hidden=True)
    assert cast(room.ada, r, {options(r)[0]: 2})["ok"]
    room.staff.ok("reveal_results", round_id=r["id"], revealed=True)
    room.staff.ok("close_round", round_id=r["id"])
    settle()
    room.clear()
    again = room.staff.ok("rerun_round", round_id=r["id"])["round"]
    assert again["results_hidden"] is True
    assert cast(room.ada, again, {options(again)[1]: 2})["ok"]
    assert room.staff.wait_for("tally_changed", lambda p: p["round_id"] == again["id"] and p["voted"])[
        "results"
    ]
    tally = room.bob.wait_for("tally_changed", lambda p: p["round_id"] == again["id"] and p["voted"])
    assert "results" not in tally


def test_a_rerun_keeps_every_setting_as_the_round_was_opened(app):
    room = Room(app)
    criteria = [{"name": "Market potential", "weight": 2.5}, {"name": "Partners", "weight": 0}]
    r = room.open(method="scores", target="markets", anonymous=True, shuffle=True, criteria=criteria)
    room.staff.ok("reveal_results", round_id=r["id"], revealed=True)  # a change of state, not of setting
    room.staff.ok("close_round", round_id=r["id"])
    again = room.staff.ok("rerun_round", round_id=r["id"])["round"]
    drop = {"id", "number", "title", "status", "rerun_of", "opened_at", "closed_at", "options", "criteria"}
    assert {k: v for k, v in again.items() if k not in drop} == {k: v for k, v in r.items() if k not in drop}
    assert [(c["name"], c["weight"]) for c in again["criteria"]] == [
        ("Market potential", 2.5),
        ("Partners", 0),
    ]
    assert [(o["label"], o["country"]) for o in again["options"]] == [
        (o["label"], o["country"]) for o in r["options"]
    ]
    room.staff.ok("close_round", round_id=again["id"])
    ranking = room.open(method="ranking", top_n=2)
    room.staff.ok("close_round", round_id=ranking["id"])
    assert room.staff.ok("rerun_round", round_id=ranking["id"])["round"]["top_n"] == 2


# --- anonymity given is kept ----------------------------------------------------------------------


def test_an_anonymous_workshops_rounds_are_anonymous(app):
    room = Room(app, anonymous=True)
    r = room.open()  # the cockpit did not say
    assert r["anonymous"] is True
    for phone in room.phones:
        assert cast(phone, r, {options(r)[0]: 1})["ok"]
    room.staff.ok("close_round", round_id=r["id"])
    assert refused("Invalid", app, room, room.staff, "open_round", title="Named", method="dots",
                   target="items", item_ids=room.items, anonymous=False)["field"] == "anonymous"  # fmt: skip
    settle()
    assert [row[2] for row in committed(app)["ballots"]] == [None] * 3
    book = openpyxl.load_workbook(io.BytesIO(exports.export(None, room.id, "xlsx").data))
    assert book["ballots"].max_row == 1  # the header only: nobody's ballot listed


def test_the_quick_poll_promises_anonymous_votes_and_keeps_it(app, client):
    user = make_user()
    login(client, user)
    page = client.get("/workshops/new?template=poll").text
    assert '<input checked id="anonymous" name="anonymous"' in page
    workshop = make_workshop(user, phase="vote", anonymous=True)
    page = client.get(f"/workshops/{workshop.id}").text
    assert "checked" in input_tag(page, "anonymous") and "disabled" in input_tag(page, "anonymous")
    assert "every round is anonymous too" in page


def _anonymous_workshop_with_an_item(app) -> tuple[Workshop, object]:
    from tests.conftest import phone

    user = make_user()
    user_id = user.id
    workshop = make_workshop(user, anonymous=True)
    ada = phone(app, workshop, "Ada Lovelace")
    ack = ada.emit("propose_item", {"op_id": "op-anon-item-1", "kind": "idea", "text": "Mine"}, namespace=NS,
                   callback=True)  # fmt: skip
    assert ack["ok"] and ack["item"]["author"] is None
    return db.session.get(Workshop, workshop.id), db.session.get(User, user_id)


def _edit_form(workshop: Workshop, **changes) -> dict:
    phases = [p for p in workshop.phases if p not in ("lobby", "closed")]
    data = {"title": workshop.title, "question": workshop.question, "cluster_id": str(workshop.cluster_id),
            "language": workshop.language, "phases": phases}  # fmt: skip
    if workshop.anonymous:
        data["anonymous"] = "y"
    return data | changes


def test_anonymity_cannot_be_switched_off_once_people_joined(app):
    from app.errors import Invalid
    from app.workshops import services

    user = make_user()
    before = make_workshop(user, anonymous=True)
    assert services.update_workshop(user, before.id, anonymous=False).anonymous is False  # nobody told yet
    workshop, user = _anonymous_workshop_with_an_item(app)
    with pytest.raises(Invalid) as refused_:
        services.update_workshop(user, workshop.id, anonymous=False)
    assert refused_.value.field == "anonymous"
    client = login(app.test_client(), user)
    form = _edit_form(workshop)
    del form["anonymous"]  # what a browser sends for an unticked (or disabled) box
    response = client.post(f"/workshops/{workshop.id}/edit", data=form | {"title": "Renamed"})
    assert response.status_code == 302
    workshop = db.session.get(Workshop, workshop.id)
    assert (workshop.title, workshop.anonymous) == ("Renamed", True)
    page = client.get(f"/workshops/{workshop.id}/edit").text
    assert "checked" in input_tag(page, "anonymous") and "disabled" in input_tag(page, "anonymous")
    assert db.session.scalar(sa.select(Item.participant_id)) is not None  # the author is kept, unshown


def test_a_join_page_that_promised_anonymity_does_not_join_a_named_workshop(app, client):
    """The facilitator switched anonymity off (nobody had joined yet) while a phone read the promise."""
    from app.models import Participant
    from app.workshops import services

    user = make_user()
    workshop = make_workshop(user, anonymous=True)
    page = client.get(f"/j/{workshop.join_code}").text
    assert input_tag(page, "anonymity").endswith('value="anonymous">') and "are anonymous" in page
    services.update_workshop(user, workshop.id, anonymous=False)
    sent = {"display_name": "", "consent": "y", "cluster_id": "0", "anonymity": "anonymous"}
    response = client.post(f"/j/{workshop.join_code}", data=sent)
    assert response.status_code == 200
    assert "no longer anonymous" in response.text and "are anonymous" not in response.text
    assert input_tag(response.text, "anonymity").endswith('value="named">')
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
    # Read again, the page as it is now: a named join goes through.
    named = sent | {"display_name": "Ada", "anonymity": "named"}
    assert in_room(client.post(f"/j/{workshop.join_code}", data=named))
    assert db.session.scalar(sa.select(Participant.display_name)) == "Ada"


def test_a_join_page_that_promised_names_joins_a_workshop_made_anonymous(app, client):
    """Made anonymous meanwhile: a name less is shown than the page said, which breaks no promise."""
    user = make_user()
    workshop = make_workshop(user, anonymous=False)
    assert input_tag(client.get(f"/j/{workshop.join_code}").text, "anonymity").endswith('value="named">')
    db.session.get(Workshop, workshop.id).anonymous = True
    db.session.commit()
    sent = {"display_name": "Ada", "consent": "y", "cluster_id": "0", "anonymity": "named"}
    assert in_room(client.post(f"/j/{workshop.join_code}", data=sent))


def test_anonymity_cannot_be_switched_on_under_an_open_named_round(app):
    from app.errors import NotNow
    from app.workshops import services

    room = Room(app)
    room.open()
    with pytest.raises(NotNow):
        services.update_workshop(db.session.get(User, room.facilitator.id), room.id, anonymous=True)
    assert db.session.get(Workshop, room.id).anonymous is False


def test_an_archived_workshops_settings_cannot_be_edited(app):
    from app.workshops import services

    user = make_user()
    workshop = make_workshop(user, title="Kept as it was")
    services.archive_workshop(user, workshop.id)
    client = login(app.test_client(), user)
    assert client.get(f"/workshops/{workshop.id}/edit").status_code == 409
    response = client.post(f"/workshops/{workshop.id}/edit", data=_edit_form(workshop, title="Changed"))
    assert response.status_code == 409
    assert db.session.get(Workshop, workshop.id).title == "Kept as it was"
    assert f"/workshops/{workshop.id}/edit" not in client.get(f"/workshops/{workshop.id}").text
    assert client.post(f"/workshops/{workshop.id}/duplicate").status_code == 302  # a copy is still fine


# --- themes: a rename that changes nothing ---------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_theme_cannot_be_renamed_to_nothing(app, name):
    room = room_in(app, "cluster")
    theme = room.staff.ok("create_theme", name="Asia")["theme"]["id"]
    ack = refused("Invalid", app, room, room.staff, "update_theme", theme_id=theme, name=name)
    assert ack["field"] == "name"


def test_a_theme_update_with_nothing_to_change(app):
    room = room_in(app, "cluster")
    theme = room.staff.ok("create_theme", name="Asia", color="#0f766e")["theme"]["id"]
    assert refused("Invalid", app, room, room.staff, "update_theme", theme_id=theme)["field"] == "name"
    settle()
    before = committed(app)["versions"]
    room.clear()
    for same in ({"name": "Asia"}, {"color": "#0F766E"}, {"name": "Asia", "color": "#0f766e"}):
        ack = room.staff.ok("update_theme", theme_id=theme, **same)
        assert ack["v"] == before[0][1] and ack["theme"]["name"] == "Asia", same
    assert committed(app)["versions"] == before
    assert all(s.pull() == [] for s in room.all)
