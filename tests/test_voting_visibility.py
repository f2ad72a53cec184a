"""One outcome of a round, one rule for who may see it (app/voting/visibility.py, Round.sealed).

The rule is asserted once; then every consumer of a round's results (the screens' snapshots and
tallies, the coordinator's pages, the joint strategy, the API, the archive, CSV, Excel and the
PDF) is shown to go through it: with the rule forced to "sealed", none of them shows a result per
option of a closed, named, revealed round that each of them shows otherwise. A consumer with a
copy of the rule of its own would still show them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from io import BytesIO

import openpyxl
import pytest
from pypdf import PdfReader

from app import realtime
from app.api import tokens
from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.exports import archive, service
from app.extensions import db
from app.models import Role, Round, RoundStatus, Workshop
from app.strategy import overview
from app.strategy import services as strategy
from app.voting import results
from app.voting import services as voting
from app.voting.tally_pump import tally_pump
from app.voting.visibility import snapshot_part
from tests.conftest import make_item, make_participant, make_user, make_workshop, op, statements

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def no_tally_timer(monkeypatch):
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: None)


@pytest.mark.parametrize(
    ("anonymous", "status", "sealed"),
    [
        (True, RoundStatus.OPEN, True),
        (True, RoundStatus.CLOSED, False),
        (False, RoundStatus.OPEN, False),
        (False, RoundStatus.CLOSED, False),
    ],
)
def test_a_round_is_sealed_while_it_is_anonymous_and_open(anonymous, status, sealed):
    assert Round(anonymous=anonymous, status=status).sealed is sealed


def scored_round() -> tuple[int, int]:
    """A closed, named scoring round on two markets, its results revealed: every reader may see them."""
    workshop = make_workshop(phase="vote")
    staff = Actor(workshop.id, STAFF, user_id=workshop.facilitator_id)
    voters = [Actor(workshop.id, PARTICIPANT, participant_id=make_participant(workshop, n).id) for n in "ABC"]
    make_item(workshop, None, "Fintech demand", kind="market", country="IN")
    make_item(workshop, None, "Open banking", kind="market", country="BR")
    workshop_id = workshop.id
    settings = {"title": "Markets", "method": "scores", "target": "markets", "results_hidden": False}
    r = voting.open_round(staff, op(), settings)["round"]
    o = [str(x["id"]) for x in r["options"]]
    c = [str(x["id"]) for x in r["criteria"]]
    for n, voter in enumerate(voters):
        ballot = {o[0]: {k: 4 + n % 2 for k in c}, o[1]: {k: 2 for k in c}}
        assert voting.cast_ballot(voter, op(), r["id"], 0, ballot)["ok"]
    assert voting.close_round(staff, op(), r["id"])["ok"]
    return workshop_id, r["id"]


def shown_per_option(client, token: str, workshop_id: int, round_id: int, monkeypatch) -> dict[str, bool]:
    """Per consumer: whether it shows the round's result for each option."""
    workshop = db.session.get(Workshop, workshop_id)
    out = {}
    for staff in (True, False):
        [tally] = snapshot_part(workshop, None, staff=staff)["tallies"]
        out[f"snapshot, staff={staff}"] = "results" in tally
    sent: list = []
    monkeypatch.setattr(realtime, "broadcast", sent.extend)
    tally_pump.flush({round_id: workshop_id})
    out["tally_changed"] = any("results" in payload for _room, _event, payload in sent)
    [(_round, rows)] = overview.workshop_detail(workshop_id)["rounds"]
    out["coordinator page"] = rows["rows"] is not None
    out["coordinator overview"] = overview.top_result(workshop_id) is not None
    out["joint strategy"] = bool(strategy.joint_strategy([workshop_id])["markets"])
    api = client.get(f"/api/v1/workshops/{workshop_id}/results", headers={"Authorization": f"Bearer {token}"})
    out["API"] = "standings" in api.json["rounds"][0]["results"]
    out["archive"] = "results" in archive.build(workshop_id)["rounds"][0]["results"]
    with zipfile.ZipFile(io.BytesIO(service.export(None, workshop_id, "csv").data)) as zf:
        results_csv = zf.read("results.csv").decode("utf-8-sig")
    out["CSV"] = len(list(csv.reader(io.StringIO(results_csv)))) > 1
    book = openpyxl.load_workbook(io.BytesIO(service.export(None, workshop_id, "xlsx").data))
    out["Excel"] = book["results"].max_row > 1
    reader = PdfReader(BytesIO(service.export(None, workshop_id, "pdf").data))
    out["PDF"] = "Weighted scores" in "\n".join(page.extract_text() for page in reader.pages)
    return out


def test_every_consumer_shows_a_round_through_the_one_rule(app, client, monkeypatch):
    workshop_id, round_id = scored_round()
    token = tokens.create_token(make_user(Role.COORDINATOR), "report")[1]
    before = shown_per_option(client, token, workshop_id, round_id, monkeypatch)
    assert before == dict.fromkeys(before, True), before

    monkeypatch.setattr(Round, "sealed", property(lambda round_: True))
    after = shown_per_option(client, token, workshop_id, round_id, monkeypatch)
    assert after == dict.fromkeys(after, False), after


def test_the_results_cache_keeps_only_the_rounds_used_last(app):
    """A process serves rounds for months: it keeps the tallies of RESULTS_CACHE_ROUNDS rounds, not all."""
    app.config["RESULTS_CACHE_ROUNDS"] = 2
    rounds = [scored_round()[1] for _ in range(3)]
    for round_id in rounds:
        results.current(db.session.get(Round, round_id))
    kept = app.extensions["round_results"]
    assert len(kept) == 2
    first = db.session.get(Round, rounds[0])
    assert results.current(first)["results"]  # computed again when asked for again
    assert len(kept) == 2


def test_a_beat_of_the_tally_pump_reads_a_round_once_for_the_staff_and_the_room(app, monkeypatch):
    """At the ceiling of a full room the pump beats twice a second: whether the tally changed, and
    the tally itself, are worked out once per round for both audiences."""
    workshop_id, round_id = scored_round()
    monkeypatch.setattr(realtime, "broadcast", lambda messages: None)
    with statements() as seen:
        tally_pump.flush({round_id: workshop_id})
    assert seen.count("SELECT ballots") == 2  # the stamp (count and versions), then the ballots
    assert seen.count("SELECT participants") == 1  # who may vote
