"""The clustering board in real browsers: drag and drop with a mouse and with a finger,
the keyboard's "Move to…", themes, merging duplicates and suggested themes.

Every screen must end on the board the database holds (CONVERGE): the tests read the
live server's SQLite file and compare it with what the cockpit, the projector and a
phone show. One live server for the module; each test makes its own workshop.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import CONN, create_workshop, db_items, items_with, join, log_in, propose, set_phase

pytestmark = pytest.mark.e2e

TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module's tests (overrides the per-test one of tests/conftest.py)."""
    with live.start(tmp_path_factory.mktemp("clustering")) as server:
        yield server


@pytest.fixture(scope="module")
def facilitator(live_server) -> str:
    return live_server.create_user("clustering@example.org", "facilitator")


# --- steps ---------------------------------------------------------------------------


def _cockpit(screens, facilitator: str, title: str, kind=None):
    context = screens.new(kind, "cockpit") if kind else screens.laptop("cockpit")
    cockpit = context.new_page()
    log_in(cockpit, facilitator)
    workshop_id, code = create_workshop(cockpit, title)
    return cockpit, workshop_id, code


def _phone_proposes(screens, code: str, name: str, texts, cockpit):
    phone = screens.phone(name).new_page()
    phone.goto(f"/j/{code}")
    join(phone, name)
    for text in texts:
        propose(phone, text)
        expect(items_with(phone, text, "[data-mine]")).to_have_count(1)
    for text in texts:
        expect(items_with(cockpit, text)).to_have_count(1)
    return phone


def _plus_one(phone, text: str):
    """The +1 button of an item on a phone (discussion.js), in the room's list."""
    return items_with(phone, text, "body").locator("[data-react]")


def _add_theme(cockpit, name: str, color: str | None = None) -> None:
    cockpit.locator("[data-new-theme-name]").fill(name)
    if color:
        cockpit.locator("[data-new-theme-color]").fill(color)
    cockpit.get_by_role("button", name="Add theme").click()
    expect(_column(cockpit, name)).to_have_count(1)


def _column(page, name: str | None):
    """A board column by theme name (None: Unsorted)."""
    if name is None:
        return page.locator(".board-col.is-unsorted")
    return page.locator(".board-col.is-theme").filter(
        has=page.locator(".col-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def _card(page, text: str):
    return page.locator(".board-card").filter(
        has=page.locator(".item-text", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def _board_of(page) -> list[tuple[str, list[str]]]:
    """[(column name, [item texts in order])] as a screen shows the board."""
    return page.locator(".board-col").evaluate_all(
        """cols => cols.map(c => [
            (c.querySelector('.col-name') || {}).textContent,
            [...c.querySelectorAll('.board-card .item-text')].map(n => n.textContent)])"""
    )


def _expect_board(page, expected) -> None:
    """Wait until the page shows this board: [(name, [texts])], Unsorted first."""
    names = [name for name, _texts in expected]
    expect(page.locator(".board-col .col-name")).to_have_text(names)
    for name, texts in expected:
        column = page.locator(".board-col").filter(
            has=page.locator(".col-name", has_text=re.compile(f"^{re.escape(name)}$"))
        )
        expect(column.locator(".board-card .item-text")).to_have_text(texts)


def _db_board(server: live.LiveServer, workshop_id: int) -> list[tuple[str, list[str]]]:
    """The board the database holds: [("Unsorted", texts), (theme, texts), …] in board order."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        themes = conn.execute(
            "SELECT id, name FROM themes WHERE workshop_id = ? ORDER BY position, id", (workshop_id,)
        ).fetchall()

        def texts(theme_id):
            where = "theme_id IS NULL" if theme_id is None else "theme_id = ?"
            args = (workshop_id,) if theme_id is None else (workshop_id, theme_id)
            rows = conn.execute(
                f"SELECT text FROM items WHERE workshop_id = ? AND {where} AND state IN ('live', 'hidden')"
                " ORDER BY position, id",
                args,
            ).fetchall()
            return [row[0] for row in rows]

        return [("Unsorted", texts(None))] + [(name, texts(theme_id)) for theme_id, name in themes]
    finally:
        conn.close()


def _db_positions(server: live.LiveServer, workshop_id: int) -> list[tuple[str, int]]:
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT text, position FROM items WHERE workshop_id = ? AND state IN ('live', 'hidden')"
            " ORDER BY theme_id, position",
            (workshop_id,),
        ).fetchall()
    finally:
        conn.close()


def _settled(page) -> None:
    """The drag is over and every command it sent is acknowledged (the board re-rendered)."""
    expect(page.locator(".is-ghost, .sortable-fallback")).to_have_count(0)
    expect(page.locator(".board-wrap[data-saving=true]")).to_have_count(0)


def _wait_for_db(page, server, workshop_id, expected) -> None:
    """The cockpit has shown the board; the database holds it once the moves are acknowledged."""
    _settled(page)
    assert _db_board(server, workshop_id) == expected


def _centre(box, dy=None):
    return box["x"] + box["width"] / 2, box["y"] + (box["height"] / 2 if dy is None else dy)


def _mouse_drag(page, handle, to: tuple[float, float], landed) -> None:
    """Press on `handle`, move in steps to `to`, wait until SortableJS shows the drop place
    (`landed` becomes visible: the placeholder where it should be), release."""
    x, y = _centre(handle.bounding_box())
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)  # past the fallback's 4 px tolerance: the drag starts
    page.mouse.move(*to, steps=12)
    expect(landed).to_have_count(1)
    page.mouse.up()
    _settled(page)


def _touch(cdp, kind: str, x: float | None = None, y: float | None = None) -> None:
    points = [] if x is None else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def _touch_drag(page, cdp, card, to: tuple[float, float], landed) -> None:
    """A finger: press and hold until the card lifts (the board waits 160 ms so that a swipe
    scrolls), slide in many small moves, wait for the drop place, lift."""
    x, y = _centre(card.locator(".item-text").bounding_box())
    _touch(cdp, "touchStart", x, y)
    expect(page.locator(".board-card.is-chosen")).to_have_count(1)  # held long enough: it lifted
    steps = 16
    for i in range(1, steps + 1):
        _touch(cdp, "touchMove", x + (to[0] - x) * i / steps, y + (to[1] - y) * i / steps)
    expect(landed).to_have_count(1)
    _touch(cdp, "touchEnd")
    _settled(page)


# --- tests ---------------------------------------------------------------------------

A, B, C, D = (
    "Find venture investors in Singapore",
    "Legal desk for data rules in Brazil",
    "Seed round with Gulf angel investors",
    "Joint pavilion at a Tokyo AI fair",
)


def test_drag_and_drop_with_a_mouse_on_every_screen(screens, live_server, facilitator, shot):
    cockpit, workshop_id, code = _cockpit(screens, facilitator, "Board by mouse")
    # Participants may cluster too: the phone gets the same board (board.js) as the cockpit.
    cockpit.goto(f"/workshops/{workshop_id}/edit")
    cockpit.get_by_label("Participants may cluster too").check()
    cockpit.get_by_role("button", name="Save").click()
    cockpit.goto(f"/workshops/{workshop_id}")
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    phone = _phone_proposes(screens, code, "Ada", [A, B, C, D], cockpit)
    projector = screens.projector(cockpit.context).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")

    set_phase(cockpit, "Cluster")
    expect(cockpit.locator("[data-board-view]")).to_be_visible()  # the main view in this phase
    expect(cockpit.locator("[data-list-view]")).to_be_hidden()
    _add_theme(cockpit, "Funding")
    _add_theme(cockpit, "Rules", "#be123c")
    expect(_column(cockpit, "Rules")).to_have_css("border-top-color", "rgb(190, 18, 60)")
    _expect_board(projector, [("Unsorted", [A, B, C, D]), ("Funding", []), ("Rules", [])])

    # A into the empty Funding column, B into Rules, C under A: the placeholder shows where.
    funding, rules = _column(cockpit, "Funding"), _column(cockpit, "Rules")
    _mouse_drag(
        cockpit,
        _card(cockpit, A).locator(".item-text"),
        _centre(funding.locator(".board-list").bounding_box()),
        funding.locator(".board-card.is-ghost"),
    )
    expect(funding.locator(".board-card .item-text")).to_have_text([A])
    _mouse_drag(
        cockpit,
        _card(cockpit, B).locator(".item-text"),
        _centre(rules.locator(".board-list").bounding_box()),
        rules.locator(".board-card.is-ghost"),
    )
    below_a = _card(cockpit, A).bounding_box()
    _mouse_drag(
        cockpit,
        _card(cockpit, C).locator(".item-text"),
        (below_a["x"] + below_a["width"] / 2, below_a["y"] + below_a["height"] - 4),
        funding.locator(".board-card.is-ghost"),
    )
    _expect_board(cockpit, [("Unsorted", [D]), ("Funding", [A, C]), ("Rules", [B])])
    # Reorder inside a column: C to the top of Funding.
    top_a = _card(cockpit, A).bounding_box()
    _mouse_drag(
        cockpit,
        _card(cockpit, C).locator(".item-text"),
        (top_a["x"] + top_a["width"] / 2, top_a["y"] + 4),
        funding.locator(".board-card").first.and_(cockpit.locator(".is-ghost")),
    )
    # Reorder the themes: Rules's handle dragged onto Funding.
    head = funding.locator(".col-head").bounding_box()
    _mouse_drag(
        cockpit,
        rules.locator(".col-handle"),
        (head["x"] + 12, head["y"] + 10),
        cockpit.locator(".board-col").nth(1).and_(cockpit.locator(".board-col", has_text="Rules")),
    )

    board = [("Unsorted", [D]), ("Rules", [B]), ("Funding", [C, A])]
    for name, page in {"cockpit": cockpit, "projector": projector, "phone": phone}.items():
        _expect_board(page, board)
        assert _board_of(page) == [list(col) for col in board], name
    _wait_for_db(cockpit, live_server, workshop_id, board)
    # Positions are 0, 1, … within each column, as shown.
    assert sorted(_db_positions(live_server, workshop_id)) == sorted([(D, 0), (B, 0), (C, 0), (A, 1)])
    # The projector is read-only: no controls, no drag.
    expect(
        projector.locator("[data-cluster] select, [data-cluster] button, [data-cluster] input")
    ).to_have_count(0)
    shot(cockpit, "cockpit-board")
    shot(projector, "projector-board")
    shot(phone, "phone-board")

    # A reload shows the same board: it came from the server, not from the page's memory.
    cockpit.reload()
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    _expect_board(cockpit, board)
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_touch_drag_move_to_select_and_theme_tools(screens, live_server, facilitator, shot):
    cockpit, workshop_id, code = _cockpit(screens, facilitator, "Board by touch", kind=TABLET)
    _phone_proposes(screens, code, "Bo", [A, B, C, D], cockpit)
    set_phase(cockpit, "Cluster")
    _add_theme(cockpit, "Capital")
    _add_theme(cockpit, "Regulation")
    capital, regulation = _column(cockpit, "Capital"), _column(cockpit, "Regulation")

    # A finger drags A into Capital, then B under it.
    cdp = cockpit.context.new_cdp_session(cockpit)
    _touch_drag(
        cockpit,
        cdp,
        _card(cockpit, A),
        _centre(capital.locator(".board-list").bounding_box()),
        capital.locator(".board-card.is-ghost"),
    )
    expect(capital.locator(".board-card .item-text")).to_have_text([A])
    a_box = _card(cockpit, A).bounding_box()
    _touch_drag(
        cockpit,
        cdp,
        _card(cockpit, B),
        (a_box["x"] + a_box["width"] / 2, a_box["y"] + a_box["height"] - 4),
        capital.locator(".board-card").nth(1).and_(cockpit.locator(".is-ghost")),
    )
    _expect_board(cockpit, [("Unsorted", [C, D]), ("Capital", [A, B]), ("Regulation", [])])
    # A short swipe is no drag (the page may scroll): nothing moves.
    x, y = _centre(_card(cockpit, C).locator(".item-text").bounding_box())
    _touch(cdp, "touchStart", x, y)
    for i in range(1, 6):
        _touch(cdp, "touchMove", x, y + 12 * i)
    _touch(cdp, "touchEnd")
    _wait_for_db(
        cockpit, live_server, workshop_id, [("Unsorted", [C, D]), ("Capital", [A, B]), ("Regulation", [])]
    )

    # The keyboard's way: "Move to…" on a card, focus stays on the card's select.
    select = _card(cockpit, B).locator("[data-move-to]")
    expect(select.locator("option")).to_have_text(["Move to…", "Unsorted", "Regulation"])
    select.focus()
    select.select_option(label="Regulation")
    expect(regulation.locator(".board-card .item-text")).to_have_text([B])
    _card(cockpit, D).locator("[data-move-to]").select_option(label="Regulation")
    expect(regulation.locator(".board-card .item-text")).to_have_text([B, D])

    # Theme tools: move left, rename, recolour, delete (its items go back to unsorted).
    regulation.get_by_role("button", name="Move the theme “Regulation” left").click()
    expect(cockpit.locator(".board-col .col-name")).to_have_text(["Unsorted", "Regulation", "Capital"])
    capital.get_by_role("button", name="Rename the theme “Capital”").click()
    rename = cockpit.locator(".rename-form input")
    expect(rename).to_be_focused()
    rename.fill("Capital & funding")
    rename.press("Enter")
    capital = _column(cockpit, "Capital & funding")
    expect(capital).to_have_count(1)
    capital.locator("input[type=color]").fill("#0f766e")
    expect(capital).to_have_css("border-top-color", "rgb(15, 118, 110)")
    shot(cockpit, "tablet-board")
    regulation.get_by_role("button", name="Delete the theme “Regulation”").click()  # confirm() accepted
    board = [("Unsorted", [C, B, D]), ("Capital & funding", [A])]
    _expect_board(cockpit, board)
    _wait_for_db(cockpit, live_server, workshop_id, board)
    path = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute(
            "SELECT name, color FROM themes WHERE workshop_id = ?", (workshop_id,)
        ).fetchall() == [("Capital & funding", "#0f766e")]
    # An error from the server shows on the board, it is not swallowed: a name too long.
    cockpit.locator("[data-new-theme-name]").evaluate("el => el.removeAttribute('maxlength')")
    cockpit.locator("[data-new-theme-name]").fill("x" * 81)
    cockpit.get_by_role("button", name="Add theme").click()
    expect(cockpit.locator(".board-error")).to_be_visible()
    expect(cockpit.locator(".board-error")).not_to_be_empty()
    assert screens.errors == []


SUGGESTIBLE = [
    "Find venture capital investors in Singapore",
    "Meet angel investors and VC funds in Dubai",
    "Raise a seed round with investors from the Gulf",
    "Shared legal desk for data protection rules abroad",
    "Help with GDPR-like regulation and compliance in Brazil",
    "Legal advice on regulation for blockchain licences",
    "Joint pavilion at a Tokyo AI fair",
]
DUPLICATE = "Joint stand at a Tokyo AI fair"


def test_a_hidden_item_is_not_merged_and_the_board_says_why(screens, live_server, facilitator, shot):
    """Two hidden items: merged, the one merged away would no longer be hidden."""
    cockpit, workshop_id, code = _cockpit(screens, facilitator, "Merge a hidden item")
    rant, again = "Off-topic rant to be hidden", "The same rant once more"
    phone = _phone_proposes(screens, code, "Dora", [rant, again], cockpit)
    for text in (rant, again):
        items_with(cockpit, text).get_by_role("button", name="Hide").click()  # confirm() accepted
        expect(items_with(phone, text, "body")).to_have_count(0)
    set_phase(cockpit, "Cluster")
    cockpit.locator("[data-merge-mode]").click()
    _card(cockpit, rant).locator(".pick input").check()
    _card(cockpit, again).locator(".pick input").check()
    cockpit.locator("[data-merge-target]").select_option(label=again)
    cockpit.get_by_role("button", name="Merge", exact=True).click()  # confirm() accepted
    expect(cockpit.locator(".board-error")).to_have_text(
        "A hidden item cannot be merged: show it first, or leave it hidden."
    )
    expect(cockpit.locator(".merge-hint")).to_have_text("2 items selected")  # still there to change
    shot(cockpit, "merge-hidden-refused")
    states = {text: state for text, _kind, _country, state in db_items(live_server, workshop_id)}
    assert states == {rant: "hidden", again: "hidden"}
    assert screens.errors == []


def test_merge_duplicates_and_accept_a_suggested_theme(screens, live_server, facilitator, shot):
    cockpit, workshop_id, code = _cockpit(screens, facilitator, "Merge and suggest")
    phone = _phone_proposes(screens, code, "Chiara", [*SUGGESTIBLE, DUPLICATE], cockpit)
    projector = screens.projector(cockpit.context).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    set_phase(cockpit, "Discuss")
    # A +1 and a comment on the duplicate move to the item it is merged into.
    _plus_one(phone, DUPLICATE).click()
    expect(items_with(cockpit, DUPLICATE).locator("[data-react-count]")).to_have_text("+1 · 1")
    set_phase(cockpit, "Cluster")
    kept = SUGGESTIBLE[6]

    cockpit.locator("[data-merge-mode]").click()
    expect(cockpit.locator("[data-merge-mode]")).to_have_attribute("aria-pressed", "true")
    _card(cockpit, DUPLICATE).locator(".pick input").check()
    _card(cockpit, kept).locator(".pick input").check()
    expect(cockpit.locator(".merge-hint")).to_have_text("2 items selected")
    cockpit.locator("[data-merge-target]").select_option(label=kept)
    shot(cockpit, "merge-selection")
    cockpit.get_by_role("button", name="Merge", exact=True).click()  # confirm() accepted
    for page in (cockpit, projector):
        expect(_card(page, DUPLICATE)).to_have_count(0)
        merged = _card(page, kept)
        expect(merged.locator(".merged summary")).to_have_text("1 duplicate merged in")
        expect(merged.locator(".card-meta .plus")).to_have_text("+1 × 1")
    _card(cockpit, kept).locator(".merged summary").click()
    expect(_card(cockpit, kept).locator(".merged li")).to_have_text([DUPLICATE])
    expect(cockpit.locator(".pick")).to_have_count(0)  # the selection mode ends with the merge
    path = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        (state,) = conn.execute("SELECT state FROM items WHERE text = ?", (DUPLICATE,)).fetchone()
    assert state == "merged"

    # Suggested themes: edit the first proposal's name and accept it, reject the second.
    cockpit.locator("[data-suggest]").click()
    proposals = cockpit.locator("[data-suggestion]")
    expect(proposals).to_have_count(2)
    investors = proposals.filter(has_text=SUGGESTIBLE[0])
    expect(investors.locator(".suggestion-items .suggested-text")).to_have_text(SUGGESTIBLE[:3])
    expect(investors.locator(".suggestion-items .why").first).to_have_text(" — investors, funding")
    shot(cockpit, "suggestions")
    investors.locator("input").fill("Investors abroad")
    investors.get_by_role("button", name="Accept").click()
    expect(proposals).to_have_count(1)
    board = [("Unsorted", SUGGESTIBLE[3:]), ("Investors abroad", SUGGESTIBLE[:3])]
    _expect_board(cockpit, board)
    _expect_board(projector, board)
    proposals.get_by_role("button", name="Reject").click()
    expect(cockpit.locator(".suggestions")).to_be_hidden()
    _wait_for_db(cockpit, live_server, workshop_id, board)
    shot(cockpit, "after-suggestion")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
