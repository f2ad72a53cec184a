"""A coordinator on a laptop downloads every file: a workshop's CSV (zip), XLSX, JSON and PDF from
the overview, and the joint strategy's XLSX, JSON and PDF; each file is opened with the tool a
user's software would read it with."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import live
from tests.e2e.conftest import LAPTOP

pytestmark = pytest.mark.e2e

# Three scored workshops in two clusters (the hand-computed fixture of the service tests), written
# straight into the live server's database through the same services the app uses.
SEED = """
from app import create_app
from app.voting.tally_pump import tally_pump

tally_pump.touch = lambda workshop_id, round_id: None  # no screens to update here
app = create_app()
with app.app_context():
    from tests.test_strategy_services import three_workshops
    rooms = three_workshops()
    print(" ".join(str(room.workshop.id) for room in rooms))
"""


def download(page, link) -> bytes:
    """Click a download link as a user would; the file's bytes as the browser saved them."""
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert info.value.failure() is None
    return path.read_bytes(), info.value.suggested_filename


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_coordinator_downloads_every_file(screens, live_server, shot):
    email = live_server.create_user("coord@example.org", "coordinator")
    a_id, b_id, c_id = live.seed(live_server, SEED)
    page = screens.new(LAPTOP, "coordinator", accept_downloads=True).new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(live.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/coordinate")  # coordinators land on the overview
    expect(page.get_by_role("heading", name="All workshops")).to_be_visible()
    expect(page.locator("table.overview-table tbody tr")).to_have_count(3)
    shot(page, "overview")

    row = page.locator("tr", has=page.get_by_role("link", name="A big room", exact=True))
    expect(row).to_contain_text("India — a market")
    files = {
        fmt: download(page, row.get_by_role("link", name=re.compile(f"^{fmt}", re.I)))
        for fmt in ("csv", "xlsx", "json", "pdf")
    }

    data, name = files["csv"]
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None and any(n.endswith(".csv") for n in archive.namelist())
    data, name = files["xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) > 1 and name.endswith(".xlsx")
    data, name = files["json"]
    archive = json.loads(data)
    assert archive["format"] == "bridge-codesign/workshop" and archive["workshop"]["title"] == "A big room"
    data, name = files["pdf"]
    assert "A big room" in pdf_text(data)

    for title in ("A big room", "B small room", "C reran"):
        page.get_by_label(f"Select {title}").check()
    page.get_by_role("button", name="Combine the selected workshops").click()
    page.wait_for_url(re.compile(r"/coordinate/joint\?"))
    expect(page.locator("tr[id^=market-]")).to_have_count(4)
    expect(page.locator("tr[id^=market-]").first).to_contain_text("India")
    shot(page, "joint")

    data, name = download(page, page.get_by_role("link", name=re.compile("^JSON")))
    joint = json.loads(data)
    assert name.startswith("joint-strategy-") and name.endswith(".json")
    assert [(m["country"], m["score"]) for m in joint["markets"]] == [  # tests/test_strategy_services.py
        ("IN", 4.0),
        ("BR", 3.8056),
        ("JP", 2.6389),
        ("VN", 2.2222),
    ]
    assert {w["id"] for w in joint["workshops"]} == {a_id, b_id, c_id}
    data, name = download(page, page.get_by_role("link", name=re.compile("^XLSX")))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.value for c in book["Markets"][2]][:5] == [1, "IN", "India", 4.0, 3]
    data, name = download(page, page.get_by_role("link", name=re.compile("^PDF")))
    text = pdf_text(data)
    assert "India" in text and "B small room" in text

    # The suggested recurring theme, confirmed under another name, is in the next download.
    suggestion = page.locator("article.suggestion").first
    suggestion.get_by_label("Name of the recurring theme").fill("Access to capital")
    suggestion.get_by_role("button", name="Confirm").click()
    expect(page.locator(".flash")).to_contain_text("“Access to capital” is confirmed")
    expect(page.locator("article.recurring h3")).to_have_text(["Access to capital"])
    shot(page, "joint-confirmed")
    data, _name = download(page, page.get_by_role("link", name=re.compile("^JSON")))
    assert [t["name"] for t in json.loads(data)["themes"]] == ["Access to capital"]

    page.get_by_role("link", name="C reran", exact=True).first.click()
    page.wait_for_url(f"**/coordinate/workshops/{c_id}")
    expect(page.locator("article.round-card")).to_have_count(3)
    shot(page, "workshop")
    assert not screens.errors
