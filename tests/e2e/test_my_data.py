"""A participant's "My data" in real browsers: she proposes, comments, gives a +1 and votes; reads
and downloads what the workshop holds; removes it. The projector, the other phone and her other
tab follow at once, and the live server's database file holds no trace of her."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CONN,
    PHONE,
    as_staff,
    create_workshop,
    items_with,
    join,
    log_in,
    propose,
    set_phase,
)
from tests.e2e.test_phone_phases import _card, _comment
from tests.e2e.test_phone_voting import _option, _options, _saved

pytestmark = pytest.mark.e2e

NAME = "Zyxquokka Ada"
IDEA = "Zebracorn desk in Ulaanbaatar 7Q4X"
COMMENT = "Kumquat comment 3M9P"
BOS = "Shared legal desk in Seoul"


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"page is {width}px wide"


def _database(server) -> bytes:
    path = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_a_phone_reads_downloads_and_removes_its_data(screens, live_server, shot, tmp_path):
    email = live_server.create_user("fac@example.org", "facilitator")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Going to Mongolia")
    projector = screens.projector(cockpit.context).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    ada_phone = screens.phone("ada")
    ada, bo = ada_phone.new_page(), screens.phone("bo").new_page()
    for page, name in ((ada, NAME), (bo, "Bo")):
        page.goto(f"/j/{code}")
        join(page, name)
    propose(ada, IDEA)
    propose(bo, BOS)
    for page in (ada, bo, projector):
        expect(page.get_by_text(IDEA).first).to_be_visible()

    set_phase(cockpit, "Discuss")
    _comment(ada, _card(ada, BOS), COMMENT)
    _card(ada, BOS).locator("[data-react]").click()
    _card(bo, IDEA).locator("[data-react]").click()
    expect(_card(bo, BOS).locator("[data-comments] .comment-text")).to_have_text([COMMENT])

    set_phase(cockpit, "Vote")
    ids = {text: i for text, i in _ids(live_server, workshop_id).items()}
    ack = as_staff(
        live_server,
        cockpit,
        workshop_id,
        "open_round",
        {
            "title": "First",
            "method": "dots",
            "target": "items",
            "item_ids": [ids[IDEA], ids[BOS]],
            "budget": 5,
            "cap": 3,
        },
    )
    assert _options(live_server, ack["round"]["id"])
    _option(ada, BOS).locator(".plus").click()
    _option(ada, BOS).locator(".plus").click()
    _saved(ada)
    set_phase(cockpit, "Discuss")  # everyone sees the items and comments again
    other_tab = ada_phone.new_page()  # her second tab, on the room
    other_tab.goto(f"/j/{code}")
    expect(other_tab.locator(CONN)).to_have_attribute("data-state", "live")
    ada.evaluate(f"localStorage.setItem('bridge:draft:{workshop_id}:text', 'typed, not sent')")

    # My data, from the link at the foot of the room page.
    ada.locator("[data-my-data]").click()
    ada.wait_for_url(f"**/w/{workshop_id}/my-data")
    expect(ada.locator("[data-name]")).to_have_text(NAME)
    expect(ada.locator("[data-held=items]")).to_contain_text(IDEA)
    expect(ada.locator("[data-held=comments]")).to_contain_text(COMMENT)
    expect(ada.locator("[data-held=plus_ones]")).to_contain_text(BOS)
    expect(ada.locator("[data-held=ballots]")).to_contain_text(f"{BOS}: 2")
    _fits(ada)
    shot(ada, "my-data")
    with ada.expect_download() as download:
        ada.locator("[data-download]").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["you"]["display_name"] == NAME
    assert [i["text"] for i in data["items"]] == [IDEA]
    assert [(c["text"], c["on"]) for c in data["comments"]] == [(COMMENT, BOS)]
    assert [p["on"] for p in data["plus_ones"]] == [BOS]
    assert data["ballots"][0]["choices"] == [{"choice": BOS, "points": 2}]

    # Remove: asked first, then said what went.
    ada.locator("[data-remove]").click()
    expect(ada.locator("h1")).to_have_text("Remove my contributions?")
    _fits(ada)
    shot(ada, "confirm")
    ada.locator("[data-confirm-remove]").click()
    expect(ada.locator("h1")).to_have_text("Your contributions were removed")
    expect(ada.locator("[data-count=items]")).to_have_text("Ideas and target markets: 1")
    expect(ada.locator("[data-count=ballots_withdrawn]")).to_have_text(
        "Ballots withdrawn from open rounds: 1"
    )
    _fits(ada)
    shot(ada, "removed")
    assert ada.evaluate(f"localStorage.getItem('bridge:draft:{workshop_id}:text')") is None

    # Every other screen follows at once; her other tab is told she left.
    for page in (projector, bo, cockpit):
        # What is shown (the projector keeps the propose phase's hidden list until it is shown again,
        # when it is drawn anew from the state, which no longer has her item).
        expect(page.get_by_text(IDEA).filter(visible=True)).to_have_count(0)
        expect(page.get_by_text(COMMENT).filter(visible=True)).to_have_count(0)
    expect(items_with(bo, BOS, "[data-discuss-items]").locator("[data-react] .react-count")).to_have_text("0")
    expect(other_tab.locator("[data-left]")).to_contain_text("You have left this workshop")
    shot(bo, "other-phone")
    shot(other_tab, "other-tab")
    shot(projector, "projector")
    stored = _database(live_server)
    for trace in (NAME, IDEA, COMMENT):
        assert trace.encode() not in stored, trace
    assert not screens.errors, screens.errors


def _ids(server, workshop_id: int) -> dict[str, int]:
    from tests.e2e.test_phone_voting import _item_ids

    return _item_ids(server, workshop_id)


def test_the_facilitator_removes_someone_who_asks_and_the_phone_is_told(screens, live_server, shot):
    email = live_server.create_user("fac@example.org", "facilitator")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Going to Mongolia")
    bo = screens.phone("bo").new_page()
    bo.goto(f"/j/{code}")
    join(bo, "Bo Quokkason")
    propose(bo, BOS)
    expect(cockpit.get_by_text(BOS).first).to_be_visible()

    cockpit.locator("[data-participants-link]").click()
    row = cockpit.locator("[data-participants] tr", has_text="Bo Quokkason")
    row.get_by_role("link", name="Remove contributions…").click()
    expect(cockpit.locator("h1")).to_have_text("Remove the contributions of “Bo Quokkason”?")
    shot(cockpit, "confirm")
    cockpit.locator("[data-confirm-remove]").click()
    expect(cockpit.locator(".flash")).to_contain_text("Their contributions were removed")
    expect(cockpit.locator("[data-participants]")).to_have_count(0)  # nobody left on the list

    # Bo's phone, in his hand: its connection ends, it comes back refused, reloads, is told.
    expect(bo.locator("[data-left]")).to_contain_text("You have left this workshop")
    _fits(bo)
    shot(bo, "told")
    assert b"Bo Quokkason" not in _database(live_server) and BOS.encode() not in _database(live_server)
    assert not screens.errors, screens.errors
