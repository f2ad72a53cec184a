"""Issue 19 across workshops: two workshops in two clusters each form a team for Japan, and a
coordinator reads it on the joint strategy page and in its XLSX, at the laptop's two sizes, with axe.

The teams are formed through the Teams service of the in-workshop work (app/workshops/services/
teams.py) in a process of its own on the live server's database: this branch has neither the
phones' Teams screen nor its socket commands yet, so no phone can count itself in through them.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import LAPTOP, WIDE, axe, check_layout

pytestmark = pytest.mark.e2e

SEED = """
from app import create_app

app = create_app()
with app.app_context():
    from tests.test_strategy_teams import two_rooms
    north, south, _people = two_rooms()
    print(north.id, south.id)
"""


def test_a_team_formed_across_two_clusters_is_read_on_the_joint_page_and_in_the_xlsx(
    screens, live_server, shot
):
    north, south = live.seed(live_server, SEED)
    email = live_server.create_user("coord@example.org", "coordinator")
    context = screens.new(LAPTOP, "coordinator", accept_downloads=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(live.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/coordinate/joint?w={north}&w={south}")

    japan = page.locator("#teams-JP")
    expect(japan.locator("[data-team-count]")).to_have_text("4 members · in 2 workshops")
    clusters = "Baden-Württemberg: Connected (3), Cluster ICT (1)"
    expect(japan.locator("[data-team-clusters]")).to_have_text(clusters)
    rows = japan.locator("tr[data-member]")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="Robot arms")).to_contain_text("ada@example.org")
    unnamed = rows.filter(has_text="A fund")  # Bob neither agreed to be named nor left an email
    expect(unnamed).to_contain_text("Not named")
    expect(unnamed).to_contain_text("not given")
    expect(japan).not_to_contain_text("Bob")
    match = japan.locator("[data-match]")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Ada")
    expect(match).to_contain_text("Cem")
    expect(match.get_by_role("link", name="Introduce")).to_be_visible()

    for size, name in ((LAPTOP, "1366"), (WIDE, "1920")):
        page.set_viewport_size(size["viewport"])
        japan.scroll_into_view_if_needed()
        check_layout(page)
        axe(page, f"the joint strategy's teams at {name}")
        shot(page, f"joint-teams-{name}")

    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX download").click()
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    header, *members = list(book["Teams"].iter_rows(values_only=True))
    assert header[:4] == ("Target market", "Workshop", "Host cluster", "Name")
    japan_rows = [(r[1], r[3], r[-1]) for r in members if r[0] == "Japan"]
    assert japan_rows == [
        ("Stuttgart kick-off", "Ada", "ada@example.org"),
        ("Stuttgart kick-off", None, None),  # Bob: not named, no email
        ("Stuttgart kick-off", "Dan", "dan@example.org"),
        ("Sofia kick-off", "Cem", "cem@example.org"),
    ]
    assert screens.errors == []
