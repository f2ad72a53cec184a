"""A workshop in real browsers: cockpit, projector and phones on one live server.

Every screen is its own Chromium context (its own cookies and localStorage), as
separate devices in a room would be. Assertions wait (Playwright's `expect`)
instead of sleeping, so the tests are as fast as the app and no faster.
"""

from __future__ import annotations

import re

import pytest
import segno
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, PROJECTOR, create_workshop, db_items, items_with, join, log_in, propose

pytestmark = pytest.mark.e2e

IDEAS = {
    "Ada": ("Joint pavilion at a Tokyo AI fair", "Japan"),
    "Bo": ("Shared legal desk for data rules abroad", None),
    "Chiara": ("Blockchain pilots with ports in Singapore", None),
}
OFFLINE_IDEA = "Written in a dead zone, sent when back"


def _facilitator(screens, live_server, title: str):
    """A logged-in facilitator with a new workshop open in the cockpit, plus the projector."""
    email = live_server.create_user("fac@example.org", "facilitator")
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, title, "Which third countries first?")
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    return cockpit, projector, workshop_id, code


def _phone_by_url(screens, code: str, name: str):
    page = screens.phone(name).new_page()
    page.goto(f"/j/{code}")
    join(page, name)
    return page


def _phone_by_code(screens, code: str, name: str):
    """The way of a participant who cannot scan: type the code from the projector on '/'."""
    page = screens.phone(name).new_page()
    page.goto("/")
    page.get_by_label("Workshop code").fill(code.lower())  # phones capitalise as they like
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(f"**/j/{code}")
    join(page, name)
    return page


def test_room_converges_and_offline_item_arrives_once(screens, live_server, shot):
    cockpit, projector, workshop_id, code = _facilitator(screens, live_server, "Going beyond Europe")

    # The projector shows the code in large type and a QR of the join link.
    expect(projector.locator(".proj-code")).to_have_text(code)
    join_url = f"{live_server.url}/j/{code}"
    expected_qr = segno.make(join_url, error="m").svg_inline(scale=8, border=2, dark="#111", light="#fff")
    qr_path = re.search(r' d="([^"]+)"', expected_qr).group(1)
    expect(projector.locator(".qr svg path").first).to_have_attribute("d", qr_path)
    code_box = projector.locator(".proj-code").bounding_box()
    qr_box = projector.locator(".qr svg").bounding_box()
    assert code_box["height"] >= 50, code_box  # readable from the back of the room
    assert qr_box["width"] >= 250 and qr_box["height"] >= 250, qr_box  # scannable from a seat
    vp = PROJECTOR["viewport"]
    assert qr_box["y"] + qr_box["height"] <= vp["height"], "QR must fit above the fold"
    assert code_box["x"] + code_box["width"] <= vp["width"], "code must not overflow"
    shot(projector, "projector-empty")

    ada = _phone_by_code(screens, code, "Ada")
    bo = _phone_by_url(screens, code, "Bo")
    chiara = _phone_by_url(screens, code, "Chiara")
    phones = {"Ada": ada, "Bo": bo, "Chiara": chiara}
    shot(bo, "phone-joined")

    for name, page in phones.items():
        text, country = IDEAS[name]
        propose(page, text, country)
        expect(items_with(page, text, "[data-mine]")).to_have_count(1)

    every_screen = {"cockpit": cockpit, "projector": projector, **phones}
    for screen, page in every_screen.items():
        for text, _country in IDEAS.values():
            expect(items_with(page, text), f"{text!r} on {screen}").to_have_count(1)
        market = items_with(page, IDEAS["Ada"][0])
        expect(market.locator(".country")).to_have_text("Japan")
        expect(market.locator(".tag").first).to_have_text("Target market")
    expect(cockpit.locator("[data-connected]")).to_have_text("3 people connected")
    expect(projector.locator("[data-connected]")).to_have_text("3 people connected")
    shot(cockpit, "cockpit-three-items")
    shot(projector, "projector-three-items")
    shot(ada, "phone-three-items")

    # Chiara's phone loses the Wi-Fi and proposes anyway.
    chiara.context.set_offline(True)
    expect(chiara.locator(CONN)).to_have_attribute("data-state", "offline")
    expect(chiara.locator(CONN)).to_contain_text("Offline")
    propose(chiara, OFFLINE_IDEA)
    waiting = items_with(chiara, OFFLINE_IDEA, "[data-mine]")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".pending")).to_have_text("Waiting for the connection")
    expect(items_with(chiara, OFFLINE_IDEA)).to_have_count(0)  # not in the room's list yet
    expect(chiara.locator("[data-text]")).to_have_value("")
    shot(chiara, "phone-offline-pending")
    # Nobody else sees it while it has not reached the server.
    assert OFFLINE_IDEA not in [row[0] for row in db_items(live_server, workshop_id)]
    for screen in ("cockpit", "projector", "Ada", "Bo"):
        expect(items_with(every_screen[screen], OFFLINE_IDEA)).to_have_count(0)

    chiara.context.set_offline(False)
    expect(chiara.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    expect(waiting.locator(".pending")).to_have_count(0)
    # The queue is empty once the server acknowledged; from here on nothing is in flight.
    chiara.wait_for_function(
        f"localStorage.getItem('bridge:queue:{workshop_id}:participant') === '[]'"
    )
    rows = [row for row in db_items(live_server, workshop_id) if row[0] == OFFLINE_IDEA]
    assert rows == [(OFFLINE_IDEA, "idea", None, "live")]
    for screen, page in every_screen.items():
        expect(items_with(page, OFFLINE_IDEA), f"offline item on {screen}").to_have_count(1)
        expect(page.locator("[data-items] li.item"), f"all items on {screen}").to_have_count(4)
    expect(items_with(chiara, OFFLINE_IDEA, "[data-mine]")).to_have_count(1)
    assert len(db_items(live_server, workshop_id)) == 4

    shot(cockpit, "cockpit-after-reconnect")
    shot(projector, "projector-after-reconnect")
    shot(chiara, "phone-after-reconnect")
    shot(bo, "phone-other-after-reconnect")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
