"""The phone's ballot in real browsers, for each voting method: cast with thumb-sized controls,
"Saved" only after the server's ack, the same ballot after a reload and in the database, and the
results once the facilitator reveals them.

Rounds are opened, revealed and closed by the facilitator over a socket of their own (the
cockpit's voting screens are built in parallel). Assertions wait (Playwright's `expect`).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CONN,
    PHONE,
    as_staff,
    check_layout,
    items_with,
    join_phone,
    open_cockpit,
    propose,
    query,
    queue_key,
    set_phase,
)

pytestmark = pytest.mark.e2e

TAP_PX = 44


# --- steps ------------------------------------------------------------------------------


def _proposed(page, *texts: str) -> None:
    for text in texts:
        propose(page, text)
    for text in texts:
        expect(items_with(page, text)).to_have_count(1)


def _item_ids(server, workshop_id: int) -> dict[str, int]:
    return dict(query(server, "SELECT text, id FROM items WHERE workshop_id = ?", workshop_id))


def _options(server, round_id: int) -> dict[str, int]:
    """label -> option id of a round."""
    return dict(query(server, "SELECT label, id FROM round_options WHERE round_id = ?", round_id))


def _db_ballot(server, round_id: int, name: str):
    """(ballot, version) the database holds for this participant in this round."""
    rows = query(
        server,
        "SELECT b.data, b.version FROM ballots b JOIN participants p ON p.id = b.participant_id"
        " WHERE b.round_id = ? AND p.display_name = ?",
        round_id,
        name,
    )
    assert len(rows) == 1, rows
    return json.loads(rows[0][0]), rows[0][1]


def _saved(page) -> None:
    """The bar says "Saved": the server acknowledged the ballot shown."""
    expect(page.locator("[data-save-status]")).to_have_text("Saved")
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")


def _option(page, label: str):
    return page.locator("[data-ballot] li.ballot-option").filter(has_text=label)


def _order(page) -> list[int]:
    return [
        int(x)
        for x in page.locator("[data-ballot] li.ballot-option").evaluate_all(
            "nodes => nodes.map(n => n.dataset.optionId)"
        )
    ]


def _top(page):
    page.evaluate("window.scrollTo(0, 0)")
    return page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"page is {width}px wide"


def _thumb_sized(locator) -> None:
    box = locator.bounding_box()
    assert box and box["height"] >= TAP_PX and box["width"] >= TAP_PX, (locator, box)


def _touch(cdp, kind: str, x: float | None = None, y: float | None = None) -> None:
    points = [] if x is None else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


# --- tests ------------------------------------------------------------------------------

TOKYO, LEGAL, PORTS = (
    "Joint pavilion at a Tokyo AI fair",
    "Shared legal desk for data rules abroad",
    "Blockchain pilots with ports in Singapore",
)


def test_dot_vote_on_the_phone(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Dots")
    ada, bo = join_phone(screens, code, "Ada"), join_phone(screens, code, "Bo")
    _proposed(ada, TOKYO)
    _proposed(bo, LEGAL, PORTS)
    set_phase(cockpit, "Vote")
    none = ada.locator("[data-vote-none]")
    expect(none).to_contain_text("No round is open yet")

    items = _item_ids(live_server, workshop_id)
    ack = as_staff(
        live_server,
        cockpit,
        workshop_id,
        "open_round",
        {
            "title": "Which ideas first?",
            "method": "dots",
            "target": "items",
            "item_ids": list(items.values()),
            "budget": 5,
            "cap": 3,
            "allow_own": False,
        },
    )
    round_id = ack["round"]["id"]
    opts = _options(live_server, round_id)
    expect(none).to_be_hidden()
    left = ada.locator("[data-points-left]")
    expect(left).to_have_text("5 points left")
    expect(ada.locator("[data-save-status]")).to_have_text("You have not voted yet.")

    # Her own item cannot get her points (allow_own is off).
    own = _option(ada, TOKYO)
    expect(own.locator(".own-tag")).to_have_text("Your own item: the others vote on it")
    expect(own.locator(".plus")).to_be_hidden()

    # Three on the legal desk: the cap stops the fourth; two on the ports: nothing left.
    legal, ports = _option(ada, LEGAL), _option(ada, PORTS)
    for _ in range(3):
        legal.locator(".plus").click()
    expect(legal.locator("[data-points]")).to_have_text("3")
    expect(legal.locator(".plus")).to_be_disabled()
    expect(left).to_have_text("2 points left")
    ports.locator(".plus").click()
    ports.locator(".plus").click()
    expect(left).to_have_text("0 points left")
    expect(ports.locator(".plus")).to_be_disabled()
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada")[0] == {str(opts[LEGAL]): 3, str(opts[PORTS]): 2}
    _thumb_sized(ports.locator(".plus"))
    _thumb_sized(ports.locator(".minus"))
    _fits(ada)
    check_layout(ada)
    shot(_top(ada), "ballot")

    # A reload brings the same ballot back, saved.
    ada.reload()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    expect(_option(ada, LEGAL).locator("[data-points]")).to_have_text("3")
    expect(_option(ada, PORTS).locator("[data-points]")).to_have_text("2")
    _saved(ada)

    # Offline, a change waits in the queue; a second one made meanwhile goes out after it, on
    # the version its ack brings.
    ada.context.set_offline(True)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "offline")
    _option(ada, PORTS).locator(".minus").click()
    expect(ada.locator("[data-save-status]")).to_have_text("Waiting for the connection")
    expect(left).to_have_text("1 point left")
    ada.wait_for_function(
        "key => JSON.parse(localStorage.getItem(key) || '[]').length === 1",
        arg=queue_key(ada, workshop_id),
    )
    _option(ada, PORTS).locator(".plus").click()
    expect(left).to_have_text("0 points left")
    expect(ada.locator("[data-save-status]")).to_have_text("Waiting for the connection")
    ada.context.set_offline(False)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada") == ({str(opts[LEGAL]): 3, str(opts[PORTS]): 2}, 3)

    # The facilitator lowers the budget and the cap: she is asked to trim, then saves again.
    as_staff(live_server, cockpit, workshop_id, "set_limits", {"round_id": round_id, "budget": 3, "cap": 2})
    note = ada.locator("[data-ballot-note]")
    expect(note).to_contain_text("please take points off")
    expect(left).to_have_text("2 points too many")
    expect(ada.locator("[data-save-status]")).to_have_text("Take points off to save")
    expect(_option(ada, LEGAL)).to_have_class(re.compile(r"\bis-over-cap\b"))
    shot(_top(ada), "over-limit")
    _option(ada, LEGAL).locator(".minus").click()
    expect(left).to_have_text("1 point too many")
    expect(ada.locator("[data-save-status]")).to_have_text("Take points off to save")
    _option(ada, PORTS).locator(".minus").click()
    expect(note).to_be_hidden()
    expect(left).to_have_text("0 points left")
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada")[0] == {str(opts[LEGAL]): 2, str(opts[PORTS]): 1}

    # Her second device changes the ballot while this one, offline, changes it too: back
    # online, this one's change is refused (Conflict) and the server's copy comes back, said.
    other = screens.new(PHONE, "Ada-2", storage_state=ada.context.storage_state()).new_page()
    other.goto(ada.url)
    expect(other.locator(CONN)).to_have_attribute("data-state", "live")
    ada.context.set_offline(True)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "offline")
    _option(ada, PORTS).locator(".minus").click()
    expect(ada.locator("[data-save-status]")).to_have_text("Waiting for the connection")
    _option(other, LEGAL).locator(".minus").click()
    _saved(other)
    ada.context.set_offline(False)
    expect(ada.locator("[data-ballot-error]")).to_contain_text("Your ballot changed elsewhere")
    expect(_option(ada, LEGAL).locator("[data-points]")).to_have_text("1")
    expect(_option(ada, PORTS).locator("[data-points]")).to_have_text("1")
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada")[0] == {str(opts[LEGAL]): 1, str(opts[PORTS]): 1}
    shot(_top(ada), "conflict")
    other.context.close()

    # Bo votes too (only Ada's item is not his own); once revealed, both phones show the
    # results and who voted.
    for _ in range(2):
        _option(bo, TOKYO).locator(".plus").click()
    expect(_option(bo, PORTS).locator(".plus")).to_be_hidden()
    _saved(bo)
    as_staff(live_server, cockpit, workshop_id, "reveal_results", {"round_id": round_id, "revealed": True})
    results = ada.locator("[data-vote-results] [data-results]")
    expect(results.locator(".results-count")).to_have_text("2 of 2 have voted")
    expect(results.locator(".result-row .option-label")).to_have_count(3)
    expect(results.locator(".result-row").first).to_contain_text("2 points")
    expect(bo.locator("[data-vote-results] [data-results]")).to_be_visible()
    _fits(ada)
    check_layout(ada)
    shot(_top(ada), "results")

    # Closed: read-only, with the results still there.
    as_staff(live_server, cockpit, workshop_id, "close_round", {"round_id": round_id})
    expect(note).to_have_text("This round is closed")
    expect(ada.locator("[data-ballot] button.step:enabled")).to_have_count(0)
    expect(results).to_be_visible()
    shot(_top(ada), "closed")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_ranking_on_the_phone(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Ranking")
    ada = join_phone(screens, code, "Ada")
    fourth = "Trade mission to Seoul"
    _proposed(ada, TOKYO, LEGAL, PORTS, fourth)
    set_phase(cockpit, "Vote")
    items = _item_ids(live_server, workshop_id)
    ack = as_staff(
        live_server,
        cockpit,
        workshop_id,
        "open_round",
        {
            "title": "Rank the ideas",
            "method": "ranking",
            "target": "items",
            "item_ids": list(items.values()),
            "top_n": 3,
            "shuffle": True,
        },
    )
    round_id = ack["round"]["id"]
    rows = ada.locator("[data-ballot] li.ballot-option")
    expect(rows).to_have_count(4)
    expect(ada.locator("[data-ballot]")).to_contain_text("Only your top 3 count")
    shown = _order(ada)
    # The shuffle is stable: the same order after a reload (nothing saved yet).
    ada.reload()
    expect(rows).to_have_count(4)
    assert _order(ada) == shown
    expect(rows.nth(3).locator(".rank-num")).to_have_text("–")

    # Keyboard: the first one down, the last one up (into the top 3).
    rows.nth(0).get_by_role("button", name="Down").click()
    expected = [shown[1], shown[0], shown[2], shown[3]]
    expect(rows.nth(1)).to_have_attribute("data-option-id", str(shown[0]))
    rows.nth(3).get_by_role("button", name="Up").click()
    expected = [expected[0], expected[1], expected[3], expected[2]]
    _saved(ada)
    assert _order(ada) == expected
    assert _db_ballot(live_server, round_id, "Ada")[0] == expected[:3]
    _thumb_sized(rows.nth(1).get_by_role("button", name="Up"))

    # A finger: press and hold the last one, slide it to the top.
    cdp = ada.context.new_cdp_session(ada)
    last, first = rows.nth(3).locator(".option-label").bounding_box(), rows.nth(0).bounding_box()
    x, y = last["x"] + 20, last["y"] + last["height"] / 2
    _touch(cdp, "touchStart", x, y)
    expect(ada.locator("[data-ballot] .is-chosen")).to_have_count(1)  # held long enough: it lifted
    to_y = first["y"] + 4
    for i in range(1, 17):
        _touch(cdp, "touchMove", x, y + (to_y - y) * i / 16)
    _touch(cdp, "touchEnd")
    expect(ada.locator("[data-ballot] .is-ghost, .sortable-fallback")).to_have_count(0)
    expected = [expected[3], *expected[:3]]
    expect(rows.nth(0)).to_have_attribute("data-option-id", str(expected[0]))
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada")[0] == expected[:3]
    _fits(ada)
    check_layout(ada)
    shot(_top(ada), "ballot")

    ada.reload()
    expect(rows).to_have_count(4)
    _saved(ada)
    assert _order(ada) == expected
    expect(rows.nth(0).locator(".rank-num")).to_have_text("1")

    as_staff(live_server, cockpit, workshop_id, "reveal_results", {"round_id": round_id, "revealed": True})
    results = ada.locator("[data-vote-results] [data-results]")
    expect(results.locator(".results-count")).to_have_text("1 of 1 has voted")
    expect(results.locator(".result-row")).to_have_count(4)
    expect(results.locator(".result-row").first).to_have_attribute("data-option-id", str(expected[0]))
    expect(results.locator(".result-note")).to_contain_text("Preferred to every other choice")
    check_layout(ada)
    shot(_top(ada), "results")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_scores_on_the_phone(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Markets")
    ada = join_phone(screens, code, "Ada")
    propose(ada, "Big AI market, strong fairs", "Japan")
    propose(ada, "Fintech hub, blockchain-friendly rules", "Brazil")
    expect(ada.locator("[data-mine] li.item")).to_have_count(2)
    set_phase(cockpit, "Vote")
    ack = as_staff(
        live_server,
        cockpit,
        workshop_id,
        "open_round",
        {"title": "Score the markets", "method": "scores", "target": "markets"},
    )
    round_id = ack["round"]["id"]
    criteria = [c["id"] for c in ack["round"]["criteria"]]
    opts = {o["country"]: o["id"] for o in ack["round"]["options"]}
    japan = _option(ada, "Japan")
    rows = japan.locator("fieldset.score-row")
    expect(rows).to_have_count(3)

    # One criterion scored is not a ballot yet; all three are.
    rows.nth(0).locator("label", has_text="5").click()
    expect(japan.locator(".score-state")).to_have_text("1 of 3 scored: score all to count it")
    expect(ada.locator("[data-save-status]")).to_have_text("Score every criterion of a market to save it")
    rows.nth(1).locator("label", has_text="4").click()
    rows.nth(2).locator("label", has_text="3").click()
    expect(japan.locator(".score-state")).to_have_text("Scored")
    _saved(ada)
    assert _db_ballot(live_server, round_id, "Ada")[0] == {
        str(opts["JP"]): {str(criteria[0]): 5, str(criteria[1]): 4, str(criteria[2]): 3}
    }
    brazil = _option(ada, "Brazil")
    for row in range(3):
        brazil.locator("fieldset.score-row").nth(row).locator("label", has_text="2").click()
    _saved(ada)
    _thumb_sized(brazil.locator("fieldset.score-row").nth(0).locator("label", has_text="2"))
    _fits(ada)
    check_layout(ada)
    shot(_top(ada), "ballot")

    ada.reload()
    expect(rows).to_have_count(3)
    _saved(ada)
    expect(rows.nth(0).get_by_label(re.compile(r": 5 of 5$"))).to_be_checked()
    expect(rows.nth(2).get_by_label(re.compile(r": 3 of 5$"))).to_be_checked()
    ballot, version = _db_ballot(live_server, round_id, "Ada")
    assert version == 2 and ballot[str(opts["BR"])] == dict.fromkeys(map(str, criteria), 2)

    # Revealed, closed, and the room moves to Results: the ranked table.
    as_staff(live_server, cockpit, workshop_id, "reveal_results", {"round_id": round_id, "revealed": True})
    as_staff(live_server, cockpit, workshop_id, "close_round", {"round_id": round_id})
    expect(ada.locator("[data-ballot-note]")).to_have_text("This round is closed")
    expect(japan.locator("input:enabled")).to_have_count(0)
    set_phase(cockpit, "Results")
    table = ada.locator("section[data-stage=results] [data-results] table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Japan")
    expect(table.locator("tbody tr").first.locator(".result-score")).to_have_text("4.0")
    expect(table.locator("tbody tr").first.locator(".result-means li")).to_have_text(
        [
            "Market potential: 5.0",
            "Capital opportunities: 4.0",
            "Knowledge and expertise in AI and blockchain: 3.0",
        ]
    )
    # The 2x2 of markets: Japan at market potential 5, the others' mean (4 + 3) / 2 = 3.5.
    japan_point = ada.locator("section[data-stage=results] [data-quadrant] [data-label='Japan']")
    expect(japan_point).to_have_attribute("data-x", "5")
    expect(japan_point).to_have_attribute("data-y", "3.5")
    _fits(ada)
    check_layout(ada)
    shot(_top(ada), "results")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_a_hidden_choice_leaves_the_phones_ballot_and_its_points_come_back(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Moderated")
    ada = join_phone(screens, code, "Ada")
    _proposed(ada, TOKYO, LEGAL, PORTS)
    set_phase(cockpit, "Vote")
    items = _item_ids(live_server, workshop_id)
    settings = {
        "title": "Which first?",
        "method": "dots",
        "target": "items",
        "item_ids": list(items.values()),
    }
    round_id = as_staff(live_server, cockpit, workshop_id, "open_round", settings | {"budget": 5, "cap": 3})[
        "round"
    ]["id"]
    legal = _option(ada, LEGAL)
    for _ in range(3):
        legal.locator(".plus").click()
    _option(ada, PORTS).locator(".plus").click()
    _saved(ada)
    left = ada.locator("[data-points-left]")
    expect(left).to_have_text("1 point left")

    as_staff(live_server, cockpit, workshop_id, "hide_item", {"item_id": items[LEGAL], "hidden": True})
    expect(_option(ada, LEGAL)).to_have_count(0)
    expect(ada.locator("[data-ballot] li.ballot-option")).to_have_count(2)
    expect(ada.locator("[data-ballot-note]")).to_contain_text("your points on it are free again")
    expect(left).to_have_text("4 points left")
    _saved(ada)
    opts = _options(live_server, round_id)
    assert _db_ballot(live_server, round_id, "Ada") == ({str(opts[PORTS]): 1}, 2)
    shot(ada, "phone-ballot-choice-taken-out")

    # The freed points can be given again, on the new version.
    _option(ada, TOKYO).locator(".plus").click()
    _saved(ada)
    expect(ada.locator("[data-ballot-note]")).to_be_hidden()
    assert _db_ballot(live_server, round_id, "Ada") == ({str(opts[PORTS]): 1, str(opts[TOKYO]): 1}, 3)
