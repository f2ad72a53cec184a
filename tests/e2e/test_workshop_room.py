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

from tests.e2e.conftest import (
    CONN,
    ITEM_LISTS,
    PROJECTOR,
    PROJECTOR_FONTS,
    check_layout,
    create_workshop,
    db_items,
    items_with,
    join,
    log_in,
    propose,
    queue_key,
)

pytestmark = pytest.mark.e2e

IDEAS = {
    "Ada": ("Joint pavilion at a Tokyo AI fair", "Japan"),
    "Bo": ("Shared legal desk for data rules abroad", None),
    "Chiara": ("Blockchain pilots with ports in Singapore", None),
}
OFFLINE_IDEA = "Written in a dead zone, sent when back"
# The live connection's HTTP endpoint (long-polling handshake), not the vendored client
# under /static/vendor/socket.io/.
SOCKET_ENDPOINT = re.compile(r"/socket\.io/\?")


def _facilitator(screens, live_server, title: str):
    """A logged-in facilitator with a new workshop open in the cockpit, and the projector
    window of the same login (the cockpit's "Open the projector view", on the beamer)."""
    email = live_server.create_user("fac@example.org", "facilitator")
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, title, "Which third countries first?")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    return cockpit, projector, workshop_id, code


def _assert_qr_encodes(projector, url: str) -> None:
    """The QR's modules are those of the join URL (segno draws the same path for the same data)."""
    expected = segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True)
    modules = re.search(r'class="qrline"[^>]* d="([^"]+)"', expected).group(1)
    expect(projector.locator(".qr svg path.qrline")).to_have_attribute("d", modules)


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

    # The projector shows the code in large type and a QR of the join link, large enough
    # to read and scan from the back of the room, without scrolling (in Propose, where the
    # code is in a corner, J brings them back for latecomers).
    expect(projector.locator("[data-corner-code]")).to_contain_text(code)
    projector.keyboard.press("j")
    expect(projector.locator(".proj-code")).to_have_text(code)
    _assert_qr_encodes(projector, f"{live_server.url}/j/{code}")
    vp = PROJECTOR["viewport"]
    code_box = projector.locator(".proj-code").bounding_box()
    qr_box = projector.locator(".qr svg").bounding_box()
    modules = projector.locator(".qr svg path.qrline").bounding_box()  # the black squares
    assert code_box["height"] >= 0.07 * vp["height"], code_box
    assert code_box["x"] + code_box["width"] <= vp["width"], "the code overflows the screen"
    assert modules["width"] >= 0.2 * vp["width"], f"QR drawn at {modules['width']}px only"
    assert modules["width"] >= 0.8 * qr_box["width"], "the QR does not fill its white box"
    left, right = modules["x"] - qr_box["x"], qr_box["x"] + qr_box["width"] - modules["x"] - modules["width"]
    assert abs(left - right) <= 4, f"QR not centred in its white box ({left=}, {right=})"
    assert qr_box["y"] + qr_box["height"] <= vp["height"], "the QR is below the fold"
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
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    shot(cockpit, "cockpit-three-items", docs="cockpit")
    shot(projector, "projector-three-items", docs="projector")
    shot(ada, "phone-three-items", docs="phone")

    # Chiara's phone loses the Wi-Fi and proposes anyway.
    chiara.context.set_offline(True)
    expect(chiara.locator(CONN)).to_have_attribute("data-state", "offline")
    expect(chiara.locator(CONN)).to_contain_text("Offline")
    propose(chiara, OFFLINE_IDEA)
    waiting = items_with(chiara, OFFLINE_IDEA, "[data-mine]")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".pending")).to_have_text("Waiting for the connection")
    expect(items_with(chiara, OFFLINE_IDEA, "[data-items]")).to_have_count(0)  # not in the room's list yet
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
    chiara.wait_for_function("key => localStorage.getItem(key) === '[]'", arg=queue_key(chiara, workshop_id))
    rows = [row for row in db_items(live_server, workshop_id) if row[0] == OFFLINE_IDEA]
    assert rows == [(OFFLINE_IDEA, "idea", None, "live")]
    for screen, page in every_screen.items():
        expect(items_with(page, OFFLINE_IDEA), f"offline item on {screen}").to_have_count(1)
        expect(page.locator(f"{ITEM_LISTS} li.item"), f"all items on {screen}").to_have_count(4)
    # Each once on a phone: its own under "Your items", everyone else's below (counted there).
    for name, page in phones.items():
        own = 2 if name == "Chiara" else 1
        expect(page.locator("[data-mine] li.item")).to_have_count(own)
        expect(page.locator("[data-count-all]")).to_have_text(f"{4 - own} items")
    expect(cockpit.locator("[data-count-all]")).to_have_text("4 items")
    expect(items_with(chiara, OFFLINE_IDEA, "[data-mine]")).to_have_count(1)
    assert len(db_items(live_server, workshop_id)) == 4

    shot(cockpit, "cockpit-after-reconnect")
    shot(projector, "projector-after-reconnect")
    shot(chiara, "phone-after-reconnect")
    shot(bo, "phone-other-after-reconnect")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_unsent_text_survives_a_reload(screens, live_server, shot):
    cockpit, projector, workshop_id, code = _facilitator(screens, live_server, "Drafts")
    phone = _phone_by_url(screens, code, "Ada")
    form = phone.locator("[data-propose]")
    country_field = form.locator("[data-country]")
    expect(country_field).to_be_hidden()  # an idea needs no country
    form.locator("label", has_text="Target market").click()
    expect(country_field).to_be_visible()
    country_field.press_sequentially("Japan")
    draft = "Half a thought about Osaka, to be fin"
    form.locator("[data-text]").press_sequentially(draft)

    phone.reload()
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live")
    expect(form.locator("[data-text]")).to_have_value(draft)
    expect(form.locator("input[name=kind][value=market]")).to_be_checked()
    expect(country_field).to_be_visible()
    expect(country_field).to_have_value("Japan")
    expect(form.locator("[data-count]")).to_have_text(str(len(draft)))
    expect(form.locator("[data-text-label]")).to_have_text("Why this market?")
    shot(phone, "phone-draft-restored")

    form.locator("[data-text]").press_sequentially("ished")
    form.locator("[data-submit]").click()
    sent = draft + "ished"
    expect(items_with(phone, sent, "[data-mine]").locator(".country")).to_have_text("Japan")
    expect(items_with(cockpit, sent)).to_have_count(1)
    expect(items_with(projector, sent)).to_have_count(1)
    # Once sent, the draft is gone: a reload starts from an empty form.
    phone.reload()
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live")
    expect(form.locator("[data-text]")).to_have_value("")
    expect(country_field).to_have_value("")
    expect(items_with(phone, sent, "[data-mine]")).to_have_count(1)
    assert db_items(live_server, workshop_id) == [(sent, "market", "JP", "live")]
    assert screens.errors == []


def test_command_queued_while_unreachable_survives_a_reload(screens, live_server, shot):
    """Chromium's offline mode cannot reload a page (ERR_INTERNET_DISCONNECTED), so the
    phone here loads pages but cannot reach the live connection, as behind a venue
    proxy that drops WebSockets and long-polling, or a server restarting."""
    cockpit, projector, workshop_id, code = _facilitator(screens, live_server, "Queue")
    phone = _phone_by_url(screens, code, "Ada")
    text = "Queued, reloaded, then sent exactly once"

    key = queue_key(phone, workshop_id)
    phone.context.route(SOCKET_ENDPOINT, lambda route: route.abort("internetdisconnected"))
    phone.reload()  # drops the open WebSocket; the new page cannot connect
    expect(phone.locator(CONN)).not_to_have_attribute("data-state", "live")
    propose(phone, text)
    pending = items_with(phone, text, "[data-mine]")
    expect(pending.locator(".pending")).to_have_text("Waiting for the connection")

    phone.reload()
    expect(pending).to_have_count(1)  # still queued, from localStorage
    expect(pending.locator(".pending")).to_have_text("Waiting for the connection")
    queued = phone.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert [c["payload"]["text"] for c in queued] == [text]
    shot(phone, "phone-queued-after-reload")
    assert db_items(live_server, workshop_id) == []
    expect(items_with(cockpit, text)).to_have_count(0)

    phone.context.unroute(SOCKET_ENDPOINT)
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    phone.wait_for_function("key => localStorage.getItem(key) === '[]'", arg=key)
    for screen, page in {"cockpit": cockpit, "projector": projector, "phone": phone}.items():
        expect(items_with(page, text), screen).to_have_count(1)
    expect(pending.locator(".pending")).to_have_count(0)
    assert db_items(live_server, workshop_id) == [(text, "idea", None, "live")]
    # A further reload sends nothing again.
    phone.reload()
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live")
    expect(items_with(phone, text, "[data-mine]")).to_have_count(1)
    assert len(db_items(live_server, workshop_id)) == 1
    shot(phone, "phone-queued-delivered")
    assert screens.errors == []


def test_facilitator_hides_an_item_and_locks_submissions(screens, live_server, shot):
    cockpit, projector, workshop_id, code = _facilitator(screens, live_server, "Moderation")
    ada = _phone_by_url(screens, code, "Ada")
    bo = _phone_by_url(screens, code, "Bo")
    rude, fine = "Off-topic rant to be hidden", "Trade mission to Seoul"
    propose(ada, rude)
    propose(bo, fine)
    room = {"projector": projector, "Ada": ada, "Bo": bo}
    for screen, page in {"cockpit": cockpit, **room}.items():
        expect(items_with(page, rude), screen).to_have_count(1)
        expect(items_with(page, fine), screen).to_have_count(1)

    items_with(cockpit, rude).get_by_role("button", name="Hide").click()  # confirm() accepted
    for screen, page in room.items():
        expect(items_with(page, rude), screen).to_have_count(0)
        expect(items_with(page, fine), screen).to_have_count(1)
    expect(items_with(ada, rude, "[data-mine]")).to_have_count(0)  # its author too
    hidden = items_with(cockpit, rude)
    expect(hidden).to_have_class(re.compile(r"\bis-hidden\b"))
    expect(hidden.locator(".tag.warn")).to_have_text("Hidden")
    expect(hidden.get_by_role("button", name="Show")).to_be_visible()
    assert (rude, "idea", None, "hidden") in db_items(live_server, workshop_id)

    lock = cockpit.locator("[data-toggle-submissions]")
    expect(lock).to_have_text("Lock submissions")
    lock.click()
    expect(lock).to_have_text("Unlock submissions")
    expect(lock).to_have_attribute("aria-pressed", "true")
    for page in (ada, bo):
        expect(page.locator("[data-banner]")).to_be_visible()
        expect(page.locator("[data-banner]")).to_have_text("Submissions are closed for the moment.")
        expect(page.locator("[data-text]")).to_be_disabled()
        expect(page.locator("[data-submit]")).to_be_disabled()
        expect(page.locator("input[name=kind]").first).to_be_disabled()
    expect(items_with(bo, fine, "[data-mine]").get_by_role("button")).to_have_count(0)
    expect(cockpit.locator("[data-connected]")).to_have_text("2 people connected")
    expect(projector.locator("[data-connected]")).to_have_text("2 people connected")
    shot(cockpit, "cockpit-hidden-locked")
    shot(projector, "projector-after-hide")
    shot(bo, "phone-locked")

    lock.click()
    for page in (ada, bo):
        expect(page.locator("[data-banner]")).to_be_hidden()
        expect(page.locator("[data-text]")).to_be_enabled()
        expect(page.locator("[data-submit]")).to_be_enabled()
    assert screens.errors == []


def test_the_phone_socket_is_not_compressed(screens, live_server):
    """Chromium offers WebSocket compression (permessage-deflate) and the server declines it:
    with it, every phone's connection would keep a zlib compressor for the whole workshop and
    every broadcast would be compressed once per phone. What the browser itself negotiated,
    read from its DevTools protocol."""
    email = live_server.create_user("fac@example.org", "facilitator")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    _, code = create_workshop(cockpit, "Compression", "Which third countries first?")
    phone = screens.phone("Ada").new_page()
    devtools = phone.context.new_cdp_session(phone)
    offered, accepted = [], []
    devtools.on(
        "Network.webSocketWillSendHandshakeRequest", lambda e: offered.append(e["request"]["headers"])
    )
    devtools.on("Network.webSocketHandshakeResponseReceived", lambda e: accepted.append(e["response"]))
    devtools.send("Network.enable")
    phone.goto(f"/j/{code}")
    join(phone, "Ada")
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live")
    for _ in range(100):  # the upgrade from long-polling can follow "live" by a moment
        if accepted:
            break
        phone.wait_for_timeout(100)  # DevTools events are delivered while Playwright waits
    assert offered and accepted, "the phone never opened a WebSocket"
    headers = {k.lower(): v for k, v in offered[-1].items()}
    assert "permessage-deflate" in headers["sec-websocket-extensions"]
    response = accepted[-1]
    assert response["status"] == 101
    assert "sec-websocket-extensions" not in {k.lower() for k in response["headers"]}, response
