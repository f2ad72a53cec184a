"""A workshop's files name countries in the workshop's language, whoever downloads them (docs/exports.md)."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.extensions import db
from app.models import Workshop
from app.voting import services as voting
from app.voting.tally_pump import tally_pump
from tests.conftest import login, make_item, make_participant, make_workshop, op

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(autouse=True)
def no_tally_timer(monkeypatch):
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: None)


def german_workshop() -> int:
    """A German workshop that scored India and Brazil (a closed round)."""
    workshop = make_workshop(phase="vote", language="de", title="Märkte")
    staff = Actor(workshop.id, STAFF, user_id=workshop.facilitator_id)
    voter = Actor(workshop.id, PARTICIPANT, participant_id=make_participant(workshop).id)
    make_item(workshop, None, "Fintech", kind="market", country="IN")
    make_item(workshop, None, "Open Banking", kind="market", country="BR")
    workshop_id = workshop.id
    settings = {"title": "Bewertung", "method": "scores", "target": "markets"}
    r = voting.open_round(staff, op(), settings)["round"]
    o = [str(x["id"]) for x in r["options"]]
    c = [str(x["id"]) for x in r["criteria"]]
    ballot = {o[0]: {k: 5 for k in c}, o[1]: {k: 2 for k in c}}
    assert voting.cast_ballot(voter, op(), r["id"], 0, ballot)["ok"]
    assert voting.close_round(staff, op(), r["id"])["ok"]
    return workshop_id


def test_a_german_workshops_files_print_german_country_names_for_an_english_reader(app, client):
    workshop_id = german_workshop()
    user = login(client, db.session.get(Workshop, workshop_id).facilitator)
    english = {"Accept-Language": "en"}

    def download(fmt: str) -> bytes:
        response = user.get(f"/workshops/{workshop_id}/export/{fmt}", headers=english)
        assert response.status_code == 200
        return response.data

    book = openpyxl.load_workbook(io.BytesIO(download("xlsx")))
    rows = list(book["items"].iter_rows(values_only=True))
    names = {row[rows[0].index("country_name")] for row in rows[1:]}
    assert names == {"Indien", "Brasilien"}
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert "first: Indien — Fintech" in summary["Round 1: Bewertung"]  # the reader's words, German countries

    with zipfile.ZipFile(io.BytesIO(download("csv"))) as zf:
        items = list(csv.DictReader(io.StringIO(zf.read("items.csv").decode("utf-8-sig"))))
    assert {i["country_name"] for i in items} == {"Indien", "Brasilien"}

    reader = PdfReader(io.BytesIO(download("pdf")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Indien" in text and "Brasilien" in text
    assert "India" not in text and "Brazil" not in text
    assert "Voting rounds" in text  # the report itself reads in the reader's language
