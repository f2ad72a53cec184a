"""The workshop's own files with its teams: a Teams table (CSV, Excel), the JSON archive's teams;
a name only where its member agreed, never an email; an archive with teams still restores."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Team
from tests.conftest import login
from tests.test_exports import csv_tables, download
from tests.test_teams_services import Room

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _room_with_a_team() -> Room:
    r = Room()
    r.choose([r.markets[0], r.idea])
    japan = db.session.scalar(sa.select(Team.id).where(Team.item_id == r.markets[0]))
    r.join(
        r.ada,
        japan,
        brings="=Osaka buyers",
        brings_tags=["Technology"],
        show_name=True,
        contact_email="ada@a.org",
    )
    r.join(r.bob, japan, looks_for="Funding", looks_tags=["Funding"], contact_email="bob@b.org")
    return r


def test_the_teams_table_names_only_who_agreed_and_holds_no_email(app, client):
    r = _room_with_a_team()
    tables = csv_tables(download(login(client, r.user), r.id, "csv").data)
    rows = tables["teams"]
    assert [(t["label"], t["members"], t["member"], t["name"]) for t in rows] == [
        ("Japan, robots", "2", "1", "Ada"),
        ("Japan, robots", "2", "2", ""),
        ("A shared booth", "0", "", ""),
    ]
    assert rows[0]["brings"] == "'=Osaka buyers"  # never a formula
    assert (rows[1]["looks_tags"], rows[1]["contactable"], rows[1]["organisation"]) == ("Funding", "true", "")
    everything = json.dumps(tables)
    assert "@" not in everything and "Bob" not in everything
    book = openpyxl.load_workbook(io.BytesIO(download(client, r.id, "xlsx").data))
    sheet = [[c.value for c in row] for row in book["teams"].iter_rows()]
    assert sheet[1][7] == "Ada" and sheet[2][7] is None
    archive = json.loads(download(client, r.id, "json").data)
    members = archive["teams"][0]["members"]
    assert [(m["participant"], m["name"]) for m in members] == [("P1", "Ada"), (None, None)]
    assert "@" not in json.dumps(archive["teams"])


def test_an_archive_with_teams_is_still_restored(app, client, tmp_path):
    r = _room_with_a_team()
    path = tmp_path / "w.json"
    archive = json.loads(download(login(client, r.user), r.id, "json").data)
    assert archive["teams"]  # what the restore meets (and leaves: see docs/exports.md)
    path.write_text(json.dumps(archive))
    args = ["workshops", "import", str(path), "--facilitator", r.user.email]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output


def test_the_pdf_report_has_a_teams_section_with_names_only_where_agreed(app, client):
    from pypdf import PdfReader

    r = _room_with_a_team()
    pdf = PdfReader(io.BytesIO(download(login(client, r.user), r.id, "pdf").data))
    report = " ".join(page.extract_text() for page in pdf.pages)
    teams = report[report.rindex("Teams") :]
    assert "Japan" in teams and "Ada" in teams and "Osaka" in teams and "2 people are in" in teams
    assert "Bob" not in report and "@" not in report
