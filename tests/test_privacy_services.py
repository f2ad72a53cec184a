"""Removing a participant's contributions, in an app context: each rule of docs/privacy.md.

The room is built through the real services (so the log of applied commands fills as it does on
a live server); what the database holds is read back through the models after the removal.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.errors import NotFound
from app.extensions import db
from app.models import AuditEvent, Ballot, Comment, Item, Operation, Participant, Reaction, Round, RoundOption
from app.privacy.held import held, preview
from app.privacy.removal import remove_participant
from app.voting import results as voting_results
from app.voting import services as voting
from app.voting import tally_pump as voting_tally_pump
from app.voting.ballots import keyed_voter
from app.workshops.services import discussion, items, themes
from app.workshops.services.participants import participant_in
from tests.conftest import make_participant, make_user, make_workshop, op, set_phase

pytestmark = pytest.mark.usefixtures("fast_passwords")

SECRET_IDEA = "Zebracorn desk in Ulaanbaatar 7Q4X"


@pytest.fixture(autouse=True)
def quiet_tallies(monkeypatch) -> list:
    """The tally timer, replaced by a list of the rounds it was asked to send again."""
    calls: list = []
    monkeypatch.setattr(voting_tally_pump.tally_pump, "touch", lambda w, r: calls.append(r))
    return calls


class Room:
    """A workshop with its facilitator, Ada (who will leave), Bob and Cy, and what they did."""

    def __init__(self, **settings) -> None:
        self.user = make_user()
        workshop = make_workshop(self.user, **settings)
        self.id = workshop.id
        self.staff = Actor(self.id, STAFF, user_id=self.user.id)
        people = [make_participant(workshop, name) for name in ("Ada Quintessa", "Bob Builder", "Cy Twombly")]
        people[0].organisation = "Quintessa Labs"
        db.session.commit()
        self.pids = [p.id for p in people]
        self.ada, self.bob, self.cy = (Actor(self.id, PARTICIPANT, participant_id=pid) for pid in self.pids)

    def propose(self, actor: Actor, text: str, **fields) -> int:
        set_phase(self.id, "propose")
        return items.propose_item(actor, op(), kind="idea", text=text, country=None, **fields)["item"]["id"]

    def comment(self, actor: Actor, item_id: int, text: str, parent_id=None) -> int:
        set_phase(self.id, "discuss")
        return discussion.add_comment(actor, op(), item_id, text, parent_id)["comment"]["id"]

    def react(self, actor: Actor, item_id: int) -> None:
        set_phase(self.id, "discuss")
        discussion.toggle_reaction(actor, op(), item_id)

    def round(self, item_ids: list[int], **settings) -> dict:
        set_phase(self.id, "vote")
        chosen = {"title": "Which first?", "method": "dots", "target": "items", "item_ids": item_ids}
        return voting.open_round(self.staff, op(), chosen | settings)["round"]

    def vote(self, actor: Actor, round_: dict, points: list[int]) -> None:
        ballot = {str(o["id"]): p for o, p in zip(round_["options"], points, strict=True) if p}
        assert voting.cast_ballot(actor, op(), round_["id"], 0, ballot)["ok"]

    def close(self, round_: dict) -> None:
        voting.close_round(self.staff, op(), round_["id"])

    def remove_ada(self, by: str = "participant"):
        return remove_participant(self.id, self.pids[0], by=by)


def test_items_comments_and_plus_ones_go_and_the_name_is_erased(app):
    room = Room()
    idea = room.propose(room.ada, SECRET_IDEA)
    bobs = room.propose(room.bob, "Bob's booth in Seoul")
    mine = room.comment(room.ada, bobs, "Ada says: Seoul rocks")
    reply = room.comment(room.bob, bobs, "Bob agrees", parent_id=mine)
    on_hers = room.comment(room.bob, idea, "Bob on Ada's idea")
    room.react(room.ada, bobs)
    room.react(room.bob, idea)

    removal = room.remove_ada()

    assert removal.to_dict() == {
        "items": 1,
        "kept_merged": 0,
        "comments": 1,
        "reactions": 1,
        "ballots_withdrawn": 0,
        "ballots_unlinked": 0,
        "teams": 0,
    }
    item = db.session.get(Item, idea)
    assert (item.state, item.text, item.participant_id) == ("withdrawn", "", None)
    assert db.session.get(Comment, mine) is None
    assert db.session.get(Comment, reply).parent_id is None  # Bob's reply stays, as a comment of his own
    assert db.session.get(Comment, on_hers).text == "Bob on Ada's idea"  # Bob's, stored, off the screens
    assert db.session.scalars(sa.select(Reaction.participant_id)).all() == [room.pids[1]]
    ada = db.session.get(Participant, room.pids[0])
    assert (ada.display_name, ada.organisation, ada.cluster_id, ada.sector) == ("", "", None, None)
    assert ada.removed_at is not None
    assert participant_in(room.id, ada.id) is None  # her cookie no longer opens the room


def test_the_audit_log_says_who_asked_and_names_nobody(app):
    room = Room()
    room.propose(room.ada, SECRET_IDEA)
    room.remove_ada(by="facilitator")
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.removed"))
    assert event.target == f"participant:{room.pids[0]}"
    assert event.detail == {"workshop_id": room.id, "by": "facilitator"}
    assert "Ada" not in json.dumps(event.detail) + event.actor + event.target


def test_open_ballots_are_withdrawn_closed_ones_stay_counted_and_name_nobody(app, quiet_tallies):
    room = Room()
    ideas = [room.propose(room.bob, "Bob's idea"), room.propose(room.cy, "Cy's idea")]
    named = room.round(ideas)
    room.vote(room.ada, named, [3, 2])
    room.vote(room.bob, named, [1, 0])
    room.close(named)
    anonymous = room.round(ideas, anonymous=True)
    room.vote(room.ada, anonymous, [2, 0])
    room.close(anonymous)
    decided = {r["id"]: _results(r) for r in (named, anonymous)}
    open_ = room.round(ideas)
    room.vote(room.ada, open_, [0, 3])
    room.vote(room.cy, open_, [1, 0])
    quiet_tallies.clear()

    removal = room.remove_ada()

    assert (removal.ballots_withdrawn, removal.ballots_unlinked) == (1, 2)
    pid = room.pids[0]
    rows = db.session.execute(sa.select(Ballot.round_id, Ballot.voter, Ballot.participant_id)).all()
    assert all(p != pid and voter != f"p{pid}" for _r, voter, p in rows)
    assert (named["id"], keyed_voter(named["id"], pid), None) in rows
    assert [r for r in rows if r.round_id == open_["id"]] == [(open_["id"], f"p{room.pids[2]}", room.pids[2])]
    for round_ in (named, anonymous):  # the decided results stay as they were
        assert _results(round_) == decided[round_["id"]]
    assert open_["id"] in quiet_tallies  # the open round's tally is sent again
    assert voting_results.eligible(room.id) == 2


def _results(round_: dict) -> list:
    return voting_results.results(db.session.get(Round, round_["id"]))["results"]


def test_an_item_others_merged_into_keeps_the_merge_without_her_text(app):
    room = Room()
    hers = room.propose(room.ada, SECRET_IDEA)
    bobs = room.propose(room.bob, "Bob: a desk in Mongolia")
    also_hers = room.propose(room.ada, "Ada's second idea")
    cys = room.propose(room.cy, "Cy's idea")
    themes.merge_items(room.staff, op(), hers, [bobs])  # Bob's duplicate folded into Ada's item
    themes.merge_items(room.staff, op(), cys, [also_hers])  # Ada's duplicate folded into Cy's
    round_ = room.round([hers, cys])

    removal = room.remove_ada()

    assert (removal.items, removal.kept_merged) == (1, 1)
    kept = db.session.get(Item, hers)
    assert (kept.state, kept.text, kept.participant_id) == ("live", "Bob: a desk in Mongolia", None)
    assert [m.id for m in kept.merged_from] == [bobs]  # the merge holds
    gone = db.session.get(Item, also_hers)
    assert (gone.state, gone.text, gone.merged_into_id) == ("withdrawn", "", None)
    assert db.session.get(Item, cys).merged_from == []  # her text left Cy's history
    labels = db.session.scalars(sa.select(RoundOption.label).where(RoundOption.round_id == round_["id"]))
    assert sorted(labels) == ["Bob: a desk in Mongolia", "Cy's idea"]


def test_the_log_of_commands_forgets_her_and_her_text(app):
    room = Room()
    idea = room.propose(room.ada, SECRET_IDEA)
    room.comment(room.ada, idea, "Ada's own note 9K2")
    items.set_item_hidden(room.staff, op(), idea, True)  # the facilitator's ack holds her item
    items.set_item_hidden(room.staff, op(), idea, False)
    room.round([idea, room.propose(room.bob, "Bob's idea")])  # and the round's choices its text

    room.remove_ada()

    acks = db.session.execute(sa.select(Operation.actor, Operation.ack)).all()
    assert acks and all(actor != f"p{room.pids[0]}" for actor, _ack in acks)
    stored = json.dumps([ack for _actor, ack in acks])
    for trace in (SECRET_IDEA, "Ada Quintessa", "Ada's own note 9K2"):
        assert trace not in stored


def test_what_is_held_and_what_a_removal_would_take(app):
    room = Room()
    idea = room.propose(room.ada, SECRET_IDEA)
    bobs = room.propose(room.bob, "Bob's booth")
    room.comment(room.ada, bobs, "Nice one")
    room.react(room.ada, bobs)
    round_ = room.round([idea, bobs], anonymous=True)
    room.vote(room.ada, round_, [0, 2])

    data = held(db.session.get(Participant, room.pids[0]))

    assert data["you"]["display_name"] == "Ada Quintessa" and data["you"]["organisation"] == "Quintessa Labs"
    assert [i["text"] for i in data["items"]] == [SECRET_IDEA]
    assert [(c["text"], c["on"]) for c in data["comments"]] == [("Nice one", "Bob's booth")]
    assert [p["on"] for p in data["plus_ones"]] == ["Bob's booth"]
    [ballot] = data["ballots"]  # her anonymous ballot, found by the keyed hash
    assert ballot["anonymous"] and ballot["choices"] == [{"choice": "Bob's booth", "points": 2}]
    assert preview(db.session.get(Participant, room.pids[0])).to_dict() == {
        "items": 1,
        "kept_merged": 0,
        "comments": 1,
        "reactions": 1,
        "ballots_withdrawn": 1,
        "ballots_unlinked": 0,
        "teams": 0,
    }


def test_only_a_participant_of_that_workshop_once(app):
    room, other = Room(), Room()
    with pytest.raises(NotFound):
        remove_participant(other.id, room.pids[0], by="administrator")  # TENANT
    room.remove_ada()
    with pytest.raises(NotFound):
        room.remove_ada()
