"""Per-workshop exports: each file opened with what a user's tool reads it with, and who may download it.

The workshop is built through the real services (joining, proposing, commenting, clustering, merging,
three voting rounds), with user text that tries to become a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.auth.actor import PARTICIPANT, STAFF, Actor
from app.extensions import db
from app.models import Participant, Role, User, Workshop
from app.voting import services as voting
from app.voting.tally_pump import tally_pump
from app.workshops import services as ws
from app.workshops.services import discussion, themes
from tests.conftest import login, make_user, make_workshop, op, set_phase

pytestmark = pytest.mark.usefixtures("fast_passwords")

# User text that a spreadsheet would run if it were written as it is.
HYPERLINK = '=HYPERLINK("http://evil.example","click")'
PAYLOADS = (HYPERLINK, "@SUM(1+1)", "-2+3", "+cmd|' /C calc'!A0")
GREEK, CYRILLIC = "Ελλάδα: κοινό περίπτερο", "България: ментори"


@pytest.fixture(autouse=True)
def no_tally_timer(monkeypatch):
    """The tally timer broadcasts in the background; exports do not need it."""
    monkeypatch.setattr(tally_pump, "touch", lambda w, r: None)


@dataclass
class Built:
    workshop_id: int
    user_id: int
    items: dict  # text -> item id
    rounds: dict  # "dots" | "ranking" | "scores" -> round dict

    @property
    def user(self) -> User:
        """The facilitator, fresh: casting a ballot ends the test's database session."""
        return db.session.get(User, self.user_id)


def _act(fn, *args, **kwargs) -> dict:
    ack = fn(*args, **kwargs)
    assert ack["ok"] is True, ack
    return ack


def build_workshop(
    user=None, *, anonymous_ranking: bool = True, title: str = "Asia & beyond: Ελλάδα"
) -> Built:
    """A finished workshop: 6 participants in two clusters, ideas and markets, comments (one hidden),
    +1s, two themes, a merge, and three closed rounds (named dots, anonymous ranking, named scores)."""
    user = user or make_user()
    user_id = user.id
    workshop = make_workshop(user, phase="propose", title=title, question="Which markets first — and how?")
    staff = Actor(workshop.id, STAFF, user_id=user.id)
    people = [
        ws.join(workshop, display_name=name, organisation=org, cluster_id=cluster, sector=sector)
        for name, org, cluster, sector in (
            ("Ada", "Tokyo Desk GmbH", 1, "ai"),
            ("Bob", "=ORG()", 1, "ai"),
            ("Χρήστος", "APTE", 3, "blockchain"),
            ("Мария", "Cluster ICT", 4, "both"),
            ("Cy", "Torino Labs", 1, "blockchain"),
            ("Di", "", 2, None),
        )
    ]
    actors = [Actor(workshop.id, PARTICIPANT, participant_id=p.id) for p in people]
    items = {}
    texts = (*PAYLOADS, GREEK, CYRILLIC, "A shared booth in Singapore", "A shared booth in Singapore!")
    for n, text in enumerate(texts):
        ack = _act(ws.propose_item, actors[n % 6], op(), kind="idea", text=text, country=None)
        items[text] = ack["item"]["id"]
    for n, (code, text) in enumerate((("IN", "India, huge demand"), ("BR", "Brazil"), ("JP", "Japan"))):
        ack = _act(ws.propose_item, actors[n], op(), kind="market", text=text, country=code)
        items[text] = ack["item"]["id"]
    set_phase(workshop.id, "discuss")
    first = _act(discussion.add_comment, actors[1], op(), items[HYPERLINK], "=1+1 is what I think")["comment"]
    _act(discussion.add_comment, actors[2], op(), items[HYPERLINK], "Συμφωνώ", first["id"])
    _act(discussion.add_comment, staff, op(), items[GREEK], "Facilitator: good point")
    rude = _act(discussion.add_comment, actors[3], op(), items[CYRILLIC], "a rude remark")["comment"]
    _act(discussion.hide_comment, staff, op(), rude["id"], True)
    for actor in actors[:4]:
        _act(discussion.toggle_reaction, actor, op(), items[GREEK])
    _act(discussion.toggle_reaction, actors[0], op(), items["India, huge demand"])
    set_phase(workshop.id, "cluster")
    _act(
        themes.create_theme,
        staff,
        op(),
        "Presence abroad",
        None,
        [items[GREEK], items["A shared booth in Singapore"]],
    )
    _act(themes.create_theme, staff, op(), "=Formulas", "#be123c", [items[HYPERLINK]])
    _act(
        themes.merge_items,
        staff,
        op(),
        items["A shared booth in Singapore"],
        [items["A shared booth in Singapore!"]],
    )
    set_phase(workshop.id, "vote")
    rounds = {
        "dots": _dots(staff, actors, items),
        "ranking": _ranking(staff, actors, items, anonymous_ranking),
        "scores": _scores(staff, actors),
    }
    return Built(workshop.id, user_id, items, rounds)


def _dots(staff, actors, items) -> dict:
    ideas = [items[t] for t in (HYPERLINK, GREEK, CYRILLIC, "@SUM(1+1)")]
    r = _act(voting.open_round, staff, op(), {"title": "=Which first?", "method": "dots", "target": "items",
                                               "item_ids": ideas})["round"]  # fmt: skip
    o = [str(x["id"]) for x in r["options"]]
    for n, actor in enumerate(actors[:5]):
        _act(voting.cast_ballot, actor, op(), r["id"], 0, {o[n % 4]: 3, o[(n + 1) % 4]: 2})
    _act(voting.close_round, staff, op(), r["id"])
    return r


def _ranking(staff, actors, items, anonymous: bool) -> dict:
    settings = {"title": "Rank the ideas", "method": "ranking", "target": "items", "anonymous": anonymous,
                "item_ids": [items[GREEK], items[CYRILLIC], items["-2+3"]]}  # fmt: skip
    r = _act(voting.open_round, staff, op(), settings)["round"]
    a, b, c = (x["id"] for x in r["options"])
    for actor, order in zip(actors, ([a, b, c], [a, c], [b, a, c], [c, b, a], [a, b]), strict=False):
        _act(voting.cast_ballot, actor, op(), r["id"], 0, order)
    _act(voting.close_round, staff, op(), r["id"])
    return r


def _scores(staff, actors) -> dict:
    r = _act(voting.open_round, staff, op(), {"title": "Score the markets", "method": "scores",
                                               "target": "markets"})["round"]  # fmt: skip
    o = [str(x["id"]) for x in r["options"]]
    c = [str(x["id"]) for x in r["criteria"]]
    for n, actor in enumerate(actors[:4]):
        _act(voting.cast_ballot, actor, op(), r["id"], 0, {o[0]: {c[0]: 5, c[1]: 4, c[2]: 3 + n % 2},
                                                         o[1]: {c[0]: 2, c[1]: 1 + n, c[2]: 2}})  # fmt: skip
    _act(voting.close_round, staff, op(), r["id"])
    return r


def download(client, workshop_id: int, fmt: str):
    return client.get(f"/workshops/{workshop_id}/export/{fmt}")


def csv_tables(data: bytes) -> dict[str, list[dict]]:
    """The zip's CSV files, read as Python's csv module (and so Excel) reads them."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no UTF-8 byte-order mark"
            out[name.removesuffix(".csv")] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return out


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(book, title: str) -> list[dict]:
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- JSON: the archive ---------------------------------------------------------------------------


def test_json_archive_holds_the_whole_workshop_with_refs_not_ids(app, client):
    built = build_workshop()
    response = download(login(client, built.user), built.workshop_id, "json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)
    assert (data["format"], data["schema_version"]) == ("bridge-codesign/workshop", 1)
    assert data["exported_at"].endswith("Z")
    w = data["workshop"]
    assert (w["title"], w["cluster"], w["facilitator"]) == ("Asia & beyond: Ελλάδα", "bwcon", "Test User")
    assert [p["ref"] for p in data["participants"]] == [f"P{n}" for n in range(1, 7)]
    assert data["participants"][2]["display_name"] == "Χρήστος"
    items = {i["text"]: i for i in data["items"]}
    assert items[HYPERLINK]["author"] == "P1" and items[HYPERLINK]["theme"] == "T2"
    assert items["A shared booth in Singapore!"]["merged_into"] == items["A shared booth in Singapore"]["ref"]
    assert items["A shared booth in Singapore!"]["state"] == "merged"
    assert items["India, huge demand"]["country_name"] == "India"
    comments = data["comments"]
    assert [(c["ref"], c["parent"], c["by_facilitator"], c["hidden"]) for c in comments] == [
        ("K1", None, False, False),
        ("K2", "K1", False, False),
        ("K3", None, True, False),
        ("K4", None, False, True),
    ]
    assert {"item": items[GREEK]["ref"], "participant": "P4"} in data["reactions"]
    assert len(data["reactions"]) == 5
    dots, ranking, scores = data["rounds"]
    assert dots["ballots"][0] == {
        "voter": "P1",
        "segment_cluster": "bwcon",
        "segment_sector": "ai",
        "data": {dots["options"][0]["ref"]: 3, dots["options"][1]["ref"]: 2},
        "total": 5,
        "version": 1,
        "updated_at": dots["ballots"][0]["updated_at"],
    }
    assert dots["results"]["voted"] == 5 and dots["results"]["eligible"] == 6
    assert {r["item_id"] for r in dots["results"]["results"]} == {o["ref"] for o in dots["options"]}
    assert all(c["criterion"].startswith("C") for r in scores["results"]["results"] for c in r["criteria"])
    assert [c["ref"] for c in scores["criteria"]] == ["C1", "C2", "C3"]
    assert ranking["results"]["schulze"]["items"] == [o["ref"] for o in ranking["options"]]
    # No database id anywhere: every reference is a ref.
    text = json.dumps(data)
    assert '"id"' not in text and '"round_id"' not in text and '"theme_id"' not in text


def test_anonymous_round_in_json_has_no_voter_no_time_and_a_canonical_order(app, client):
    built = build_workshop()
    data = json.loads(download(login(client, built.user), built.workshop_id, "json").data)
    ranking = data["rounds"][1]
    assert ranking["anonymous"] is True
    assert len(ranking["ballots"]) == 5
    for ballot in ranking["ballots"]:
        assert ballot["voter"] is None
        assert "updated_at" not in ballot
    canonical = [
        json.dumps(b, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for b in ranking["ballots"]
    ]
    assert canonical == sorted(canonical)
    # ... and the anonymous round's results are there in full.
    assert ranking["results"]["voted"] == 5


def test_an_open_anonymous_round_is_sealed_in_every_export(app, client):
    """While an anonymous round is open nobody sees its results, the facilitator included: exports neither."""
    built = build_workshop()
    staff = Actor(built.workshop_id, STAFF, user_id=built.user.id)
    settings = {"title": "Secret", "method": "dots", "target": "markets", "anonymous": True}
    r = _act(voting.open_round, staff, op(), settings)["round"]
    first = db.session.scalar(
        sa.select(sa.func.min(Participant.id)).where(Participant.workshop_id == built.workshop_id)
    )
    voter = Actor(built.workshop_id, PARTICIPANT, participant_id=first)
    _act(voting.cast_ballot, voter, op(), r["id"], 0, {str(r["options"][0]["id"]): 2})
    login(client, built.user)
    secret = json.loads(download(client, built.workshop_id, "json").data)["rounds"][3]
    assert secret["ballots"] == []
    assert secret["results"] == {"round": "R4", "method": "dots", "eligible": 6, "sealed": True}
    assert [
        r
        for r in csv_tables(download(client, built.workshop_id, "csv").data)["results"]
        if r["round"] == "R4"
    ] == []


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_zip_has_one_utf8_file_per_table_and_no_names(app, client):
    built = build_workshop()
    response = download(login(client, built.user), built.workshop_id, "csv")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    tables = csv_tables(response.data)
    assert sorted(tables) == sorted(
        [
            "items",
            "comments",
            "themes",
            "merges",
            "rounds",
            "results",
            "criteria_scores",
            "ballots",
            "participation",
        ]
    )
    items = {row["text"].removeprefix("'"): row for row in tables["items"]}
    assert items[GREEK]["theme_name"] == "Presence abroad" and items[GREEK]["reactions"] == "4"
    assert items[CYRILLIC]["text"] == CYRILLIC  # Cyrillic read back intact through the BOM
    assert [(m["item_text"], m["merged_into_text"]) for m in tables["merges"]] == [
        ("A shared booth in Singapore!", "A shared booth in Singapore")
    ]
    assert [c["hidden"] for c in tables["comments"]] == ["false", "false", "false", "true"]
    assert {t["name"] for t in tables["themes"]} == {"Presence abroad", "'=Formulas"}
    rounds = {r["ref"]: r for r in tables["rounds"]}
    assert (rounds["R1"]["method"], rounds["R1"]["voted"], rounds["R1"]["eligible"]) == ("dots", "5", "6")
    # People appear by ref only: no name or organisation of a participant is in any file.
    everything = json.dumps(tables, ensure_ascii=False)
    for name in ("Ada", "Χρήστος", "Мария", "Tokyo Desk", "Torino Labs"):
        assert name not in everything
    participation = {(p["dimension"], p["group"]): p["participants"] for p in tables["participation"]}
    assert participation[("all", "all")] == "6"
    assert participation[("cluster", "bwcon")] == "3"
    assert (
        participation[("cluster", "(groups under 3 people)")] == "3"
    )  # elinclus, cluster-ict, torino: 1 each
    assert ("cluster", "elinclus") not in participation


def test_csv_results_and_ballots_leave_out_the_anonymous_round(app, client):
    built = build_workshop()
    tables = csv_tables(download(login(client, built.user), built.workshop_id, "csv").data)
    assert {b["round"] for b in tables["ballots"]} == {"R1", "R3"}  # R2 is the anonymous ranking
    assert {r["round"] for r in tables["results"]} == {"R1", "R2", "R3"}  # its results are there
    r2 = [r for r in tables["results"] if r["round"] == "R2" and r["segment"] == "all"]
    assert [r["rank"] for r in r2] == ["1", "2", "3"] and all(r["schulze_rank"] for r in r2)
    dots = [b for b in tables["ballots"] if b["round"] == "R1"]
    assert len(dots) == 10 and {b["voter"] for b in dots} == {"P1", "P2", "P3", "P4", "P5"}
    assert sum(int(b["value"]) for b in dots) == 25
    scores = [
        s for s in tables["criteria_scores"] if s["segment"] == "all" and s["label"] == "India, huge demand"
    ]
    assert [(s["criterion_name"], s["mean"]) for s in scores] == [
        ("Market potential", "5.0"),
        ("Capital opportunities", "4.0"),
        ("Knowledge and expertise in AI and blockchain", "3.5"),
    ]


def test_csv_cells_never_start_a_formula(app, client):
    built = build_workshop()
    tables = csv_tables(download(login(client, built.user), built.workshop_id, "csv").data)
    texts = [row["text"] for row in tables["items"]]
    for payload in PAYLOADS:
        assert "'" + payload in texts, payload
    assert "'=1+1 is what I think" in [c["text"] for c in tables["comments"]]
    assert "'=Which first?" in {r["title"] for r in tables["rounds"]}
    for name, rows in tables.items():
        for row in rows:
            for value in row.values():
                assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)


def test_inert_guards_every_trigger_and_leaves_other_values_alone():
    from app.exports.tables import inert

    for payload in ("=1+1", "+1", "-1+1", "@A1", "\t=1", "\r=1", "  =1"):
        assert inert(payload) == "'" + payload
    assert [inert(v) for v in ("plain", "", None, True, False, 3, -2, 2.5)] == [
        "plain", "", "", "true", "false", "3", "-2", "2.5",
    ]  # fmt: skip


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_opens_with_a_summary_styled_headers_and_no_formula(app, client):
    built = build_workshop()
    response = download(login(client, built.user), built.workshop_id, "xlsx")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"].endswith('.xlsx"')
        or ".xlsx" in response.headers["Content-Disposition"]
    )
    book = workbook(response.data)
    assert book.sheetnames == [
        "Summary", "items", "comments", "themes", "merges", "rounds", "results", "criteria_scores", "ballots",
        "participation",
    ]  # fmt: skip
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Workshop"] == "Asia & beyond: Ελλάδα"
    assert summary["Participants"] == 6
    assert "5 of 6 voted" in summary["Round 1: =Which first?"]
    for ws_ in book.worksheets:
        header = ws_[1]
        assert all(cell.font.bold for cell in header), ws_.title
        assert header[0].fill.fgColor.rgb.endswith("1F4E79")
        assert ws_.freeze_panes == "A2"
        assert ws_.auto_filter.ref and ws_.auto_filter.ref.startswith("A1:")
        for row in ws_.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws_.title, cell.coordinate, cell.value)
    items = sheet_rows(book, "items")
    texts = [r["text"] for r in items]
    for payload in PAYLOADS:
        assert payload in texts  # exactly as typed, as text
    cell = next(c for c in book["items"]["C"] if c.value == HYPERLINK)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert book["items"].column_dimensions["C"].width > 20
    results = sheet_rows(book, "results")
    assert isinstance(results[0]["points"], int)  # numbers stay numbers
    assert {b["round"] for b in sheet_rows(book, "ballots")} == {"R1", "R3"}


def test_write_workbook_sanitises_titles_and_never_writes_formulas():
    from app.exports.xlsx import Sheet, write_workbook

    data = write_workbook(
        [
            Sheet("Results: 2026/05 [final]?*", ["a", "b"], [["=1+1", 1], ["x\x01y", None]]),
            Sheet("results: 2026/05 [final]?*", ["a"], [["@x"]]),
            Sheet("A very long title that Excel would refuse outright", ["a"], []),
        ]
    )
    book = workbook(data)
    assert book.sheetnames == [
        "Results_ 2026_05 _final___",
        "results_ 2026_05 _final___ (2)",
        "A very long title that Excel wo",
    ]
    first = book.worksheets[0]
    assert (first["A2"].value, first["A2"].data_type) == ("=1+1", "s")
    assert first["A3"].value == "x\ufffdy"  # a control character Excel cannot hold


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_facilitator_an_admin_and_a_coordinator_may_download(app, client, fmt):
    built = build_workshop()
    for user in (built.user, make_user(Role.ADMIN), make_user(Role.COORDINATOR)):
        http = login(app.test_client(), user)
        response = download(http, built.workshop_id, fmt)
        assert response.status_code == 200, (user.role, response.status_code)
        assert response.headers["Content-Disposition"].startswith(
            "attachment; filename=asia-beyond-ellada-20"
        )


def test_unknown_and_foreign_workshops_are_both_404(app, client):
    built = build_workshop()
    other = login(app.test_client(), make_user())
    unknown = download(other, 999999, "json")
    foreign = download(other, built.workshop_id, "json")
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.data == foreign.data  # nothing tells the two apart
    mine = login(app.test_client(), built.user)
    assert download(mine, built.workshop_id, "docx").status_code == 404


def test_participants_and_strangers_are_sent_to_log_in(app):
    from tests.conftest import join

    built = build_workshop()
    workshop = db.session.get(Workshop, built.workshop_id)
    for http in (app.test_client(), join(app, workshop, "Eve")):
        response = download(http, built.workshop_id, "json")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_file_names_are_ascii_slugs_whatever_the_title(app):
    from app.exports import service

    user = make_user()
    workshop = make_workshop(user, title='Ελλάδα / "..\\evil"\r\nX-Header: 1')
    file = service.export(None, workshop.id, "json")
    assert file.filename.isascii()
    assert file.filename.startswith("ellada-evil-x-header-1-20") and file.filename.endswith(".json")
    bare = make_workshop(user, title="Ελλ")
    assert service.export(None, bare.id, "csv").filename.startswith("ell-")
    greek_only = make_workshop(user, title="中文")
    assert service.export(None, greek_only.id, "csv").filename.startswith("workshop-")


def test_pdf_goes_through_the_same_service(app):
    from app.exports import service

    built = build_workshop()
    file = service.export(built.user, built.workshop_id, "pdf")
    assert file.mimetype == "application/pdf" and file.filename.endswith(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(file.data)).pages)
    assert "Asia" in text


# --- CLI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_flask_export_writes_the_same_file_as_the_download(app, client, tmp_path, fmt):
    built = build_workshop()
    out = tmp_path / f"w.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["export", str(built.workshop_id), "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    downloaded = download(login(client, built.user), built.workshop_id, fmt).data
    if fmt == "json":
        strip = lambda b: {k: v for k, v in json.loads(b).items() if k != "exported_at"}  # noqa: E731
        assert strip(out.read_bytes()) == strip(downloaded)
    elif fmt == "csv":
        assert csv_tables(out.read_bytes()) == csv_tables(downloaded)
    else:
        assert [list(ws_.values) for ws_ in workbook(out.read_bytes())][1:] == [
            list(ws_.values) for ws_ in workbook(downloaded)
        ][1:]


def test_flask_export_errors_are_clear_and_write_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "x.json"
    result = runner.invoke(args=["export", "424242", "--format", "json", "--out", str(out)])
    assert result.exit_code == 1 and "This workshop does not exist." in result.output
    result = runner.invoke(args=["export", "1", "--format", "docx", "--out", str(out)])
    assert result.exit_code == 2 and "docx" in result.output
    workshop = make_workshop()
    result = runner.invoke(
        args=["export", str(workshop.id), "--format", "json", "--out", str(tmp_path / "no" / "x")]
    )
    assert result.exit_code != 0 and "does not exist" in result.output
    # A folder nobody may create files in (even root, in /proc): a message, not a traceback.
    result = runner.invoke(args=["export", str(workshop.id), "--format", "json", "--out", "/proc/x.json"])
    assert result.exit_code == 1 and "Could not write /proc/x.json" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cockpit_and_dashboard_link_every_download(app, client):
    user = make_user()
    workshop = make_workshop(user)
    login(client, user)
    for page in (f"/workshops/{workshop.id}", "/workshops"):
        html = client.get(page).get_data(as_text=True)
        for fmt in ("csv", "xlsx", "json", "pdf"):
            assert f'href="/workshops/{workshop.id}/export/{fmt}"' in html, (page, fmt)
