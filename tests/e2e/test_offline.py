"""A phone's page after a reload on bad Wi-Fi: the room it last saw and what it queued, never an
error page; never a stale page online; never another person's page or data.

The phone's service worker (app/static/js/offline_worker.js) keeps its page and files; live.js
keeps its last snapshot. Chromium's offline mode reaches the worker's own requests too, so an
offline reload here is served by the worker or not at all.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import (
    CONN,
    TIMEOUT_MS,
    db_items,
    items_with,
    join,
    join_phone,
    open_cockpit,
    propose,
    queue_key,
    set_phase,
)

pytestmark = pytest.mark.e2e

SOCKET_ENDPOINT = re.compile(r"/socket\.io/\?")
BOS_IDEA = "Shared legal desk for data rules abroad"
ADAS_IDEA = "Joint pavilion at a Tokyo AI fair"
# A reload served by the offline worker on a machine starved by other runs can take its time.
RELOAD_MS = 30_000


def _boot(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('boot').textContent)")


# Whether the page's own worker runs it, activated, and keeps it for the person it is now: in
# that worker's cache, for right after a deploy the last worker's cache holds the new page too
# (it kept what it served) until the new worker drops it; and activated, for a worker is the
# controller for a second before it is (Chromium, when the last worker was busy), and a reload
# then goes to a worker being swapped out.
KEPT = """async () => {
  const worker = navigator.serviceWorker.controller;
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const name = `bridge-offline-${boot.offline.release}`;
  if (!worker?.scriptURL.endsWith(boot.offline.release) || worker.state !== "activated") return false;
  const kept = (await caches.has(name)) && (await (await caches.open(name)).match(location.pathname));
  return kept?.headers.get("Bridge-Person") === boot.offline.person;
}"""


def _kept(page) -> None:
    """Wait until the phone's worker runs the page and keeps it (KEPT)."""
    # Polled here: wait_for_function does not await a predicate's promise (a promise is truthy,
    # so an async predicate passes at once).
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not page.evaluate(KEPT):
        assert time.monotonic() < deadline, "the page's own worker did not keep it"
        page.wait_for_timeout(100)


def _waiting(page, text: str) -> None:
    """The phone's own item, queued: not sent yet."""
    card = items_with(page, text, "[data-mine]")
    expect(card.locator(".pending")).to_have_text("Waiting for the connection")


def _in_stage(page, stage: str) -> None:
    expect(page.locator(f"section[data-stage={stage}]")).to_be_visible()


def test_reloaded_offline_the_phone_shows_its_room_and_sends_once(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Offline reload")
    bo = join_phone(screens, code, "Bo")
    propose(bo, BOS_IDEA)
    expect(items_with(bo, BOS_IDEA)).to_have_count(1)  # stored before the phase moves on
    set_phase(cockpit, "Welcome")
    ada = join_phone(screens, code, "Ada")  # her page is kept as the lobby's
    _in_stage(ada, "lobby")
    _kept(ada)
    set_phase(cockpit, "Propose")
    _in_stage(ada, "propose")
    propose(ada, ADAS_IDEA)
    expect(items_with(ada, ADAS_IDEA)).to_have_count(1)
    expect(items_with(ada, BOS_IDEA)).to_have_count(1)

    ada.context.set_offline(True)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "offline")
    queued = "Written offline, then the page was reloaded"
    propose(ada, queued)
    _waiting(ada, queued)

    ada.reload(timeout=RELOAD_MS)  # offline: no browser error page
    # The page says what the browser tells it: Chromium 150's offline emulation does not reach
    # the reloaded document's navigator.onLine (a phone's real loss of network does), and a page
    # told it is online while it cannot connect says it is reconnecting.
    told_online = ada.evaluate("navigator.onLine")
    expect(ada.locator(CONN)).to_have_attribute("data-state", "reconnecting" if told_online else "offline")
    _in_stage(ada, "propose")  # as last seen, not as the page was kept (the lobby)
    expect(ada.locator("[data-phase-name]")).to_have_text("Propose")
    expect(items_with(ada, BOS_IDEA)).to_have_count(1)
    expect(items_with(ada, ADAS_IDEA, "[data-mine]")).to_have_count(1)
    _waiting(ada, queued)
    expect(ada.locator("[data-count-all]")).to_have_text("1 item")  # Bo's: hers are under "Your items"
    shot(ada, "phone-reloaded-offline")

    typed = "Typed after the offline reload"
    propose(ada, typed)
    _waiting(ada, typed)
    assert [row[0] for row in db_items(live_server, workshop_id)] == [BOS_IDEA, ADAS_IDEA]

    ada.context.set_offline(False)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    # A function, not an expression: polling an expression needs eval, which the CSP refuses.
    ada.wait_for_function("key => localStorage.getItem(key) === '[]'", arg=queue_key(ada, workshop_id))
    for page in (ada, bo, cockpit):
        for text in (queued, typed):
            expect(items_with(page, text)).to_have_count(1)
    ada.reload(timeout=RELOAD_MS)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    expect(ada.locator("[data-mine] li.item")).to_have_count(3)
    assert [row[0] for row in db_items(live_server, workshop_id)] == [BOS_IDEA, ADAS_IDEA, queued, typed]
    shot(ada, "phone-back-online")
    assert screens.errors == []


def test_after_a_new_deploy_the_phone_gets_the_new_page_not_its_copy(screens, live_server, tmp_path, shot):
    _cockpit, workshop_id, code = open_cockpit(screens, live_server, "New deploy")
    ada = join_phone(screens, code, "Ada")
    propose(ada, ADAS_IDEA)
    expect(items_with(ada, ADAS_IDEA)).to_have_count(1)
    _kept(ada)
    first = _boot(ada)["offline"]["release"]
    ada.context.set_offline(True)
    ada.reload(timeout=RELOAD_MS)
    assert _boot(ada)["offline"]["release"] == first  # the copy kept
    expect(items_with(ada, ADAS_IDEA)).to_have_count(1)
    ada.context.set_offline(False)

    # A new deploy: the same address and database, another release.
    port = int(live_server.url.rsplit(":", 1)[1])
    live_server.stop()
    deployed = live.start(tmp_path, port=port, RELEASE="next-deploy")
    try:
        ada.reload(timeout=RELOAD_MS)  # online, while the old deploy's worker still runs the page
        second = _boot(ada)["offline"]["release"]
        assert second != first, "the page came from the old deploy's copy"
        expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
        expect(items_with(ada, ADAS_IDEA)).to_have_count(1)
        _kept(ada)  # the new deploy's worker runs it now, and keeps it

        ada.context.set_offline(True)
        ada.reload(timeout=RELOAD_MS)
        assert _boot(ada)["offline"]["release"] == second
        assert ada.evaluate("caches.keys()") == [f"bridge-offline-{second}"]  # the old copy is gone
        expect(items_with(ada, ADAS_IDEA)).to_have_count(1)
        shot(ada, "phone-offline-after-deploy")
        assert screens.errors == []
    finally:
        deployed.stop()


def test_another_person_on_the_same_browser_never_sees_the_first_ones(screens, live_server, shot):
    """The cookie changes (Ada's session expired, or the shared phone's cookies were cleared)
    and Bo joins on the same browser: Ada's kept page, snapshot, queue and draft stay hers."""
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Shared phone")
    phone = join_phone(screens, code, "Ada")
    propose(phone, ADAS_IDEA)
    expect(items_with(phone, ADAS_IDEA, "[data-mine]")).to_have_count(1)
    _kept(phone)
    ada = _boot(phone)["offline"]["person"]
    # Her last idea never reaches the server (its live connection is blocked); a draft waits too.
    unsent, draft = "Ada's idea that never left her phone", "Ada's half-typed thought"
    phone.context.route(SOCKET_ENDPOINT, lambda route: route.abort("internetdisconnected"))
    phone.reload(timeout=RELOAD_MS)
    expect(phone.locator(CONN)).not_to_have_attribute("data-state", "live")
    propose(phone, unsent)
    expect(items_with(phone, unsent, "[data-mine]")).to_have_count(1)
    phone.locator("[data-text]").fill(draft)

    phone.context.clear_cookies()
    phone.context.set_offline(True)
    with pytest.raises(PlaywrightError, match="net::ERR_"):
        # The browser's own page: Ada's copy is not served to whoever holds it now.
        phone.reload(timeout=RELOAD_MS)
    phone.context.set_offline(False)
    phone.context.unroute(SOCKET_ENDPOINT)

    phone.goto(f"/j/{code}")
    join(phone, "Bo")
    bo = _boot(phone)["offline"]["person"]
    assert bo != ada
    expect(items_with(phone, ADAS_IDEA)).to_have_count(1)  # in the room's list, as for anyone
    expect(phone.locator("[data-mine] li.item")).to_have_count(0)
    expect(phone.get_by_text(unsent)).to_have_count(0)
    expect(phone.locator("[data-text]")).to_have_value("")
    shot(phone, "phone-next-person")

    _kept(phone)  # now Bo's page
    phone.context.set_offline(True)
    phone.reload(timeout=RELOAD_MS)
    assert _boot(phone)["offline"]["person"] == bo
    expect(items_with(phone, ADAS_IDEA)).to_have_count(1)
    expect(phone.locator("[data-mine] li.item")).to_have_count(0)
    expect(phone.get_by_text(unsent)).to_have_count(0)
    expect(phone.locator("[data-text]")).to_have_value("")
    shot(phone, "phone-next-person-offline")
    phone.context.set_offline(False)
    expect(phone.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    # Nothing of Ada's went out as Bo's: what she queued is still hers, on this phone only.
    assert [row[0] for row in db_items(live_server, workshop_id)] == [ADAS_IDEA]
    expect(items_with(cockpit, unsent)).to_have_count(0)
    assert screens.errors == []


def test_without_a_worker_a_page_from_the_browsers_cache_shows_the_kept_room(screens, live_server, shot):
    """Plain http to a LAN address has no service worker: a page the browser had cached (a tab
    restored, back and forward) still shows the room from the snapshot live.js kept."""
    _cockpit, workshop_id, code = open_cockpit(screens, live_server, "No worker")
    bo = join_phone(screens, code, "Bo")
    propose(bo, BOS_IDEA)
    phone = join_phone(screens, code, "Ada", service_workers="block")
    propose(phone, ADAS_IDEA)
    expect(items_with(phone, BOS_IDEA)).to_have_count(1)
    expect(items_with(phone, ADAS_IDEA, "[data-mine]")).to_have_count(1)
    cached = phone.context.request.get(f"/j/{code}").text()  # the page, as the browser keeps it

    # The network is gone but the browser has the page: it shows, then the room as last seen.
    phone.context.route(SOCKET_ENDPOINT, lambda route: route.abort("internetdisconnected"))
    phone.context.route(f"**/j/{code}", lambda route: route.fulfill(body=cached, content_type="text/html"))
    phone.reload(timeout=RELOAD_MS)
    expect(phone.locator(CONN)).not_to_have_attribute("data-state", "live")
    expect(items_with(phone, BOS_IDEA)).to_have_count(1)
    expect(items_with(phone, ADAS_IDEA, "[data-mine]")).to_have_count(1)
    shot(phone, "phone-from-browser-cache")

    # Chiara joins on this browser; the same cached page (Ada's) shows nothing of Ada's.
    phone.context.unroute(f"**/j/{code}")
    phone.context.unroute(SOCKET_ENDPOINT)
    phone.context.clear_cookies()
    phone.goto(f"/j/{code}")
    join(phone, "Chiara")
    expect(items_with(phone, ADAS_IDEA)).to_have_count(1)
    phone.context.route(SOCKET_ENDPOINT, lambda route: route.abort("internetdisconnected"))
    phone.context.route(f"**/j/{code}", lambda route: route.fulfill(body=cached, content_type="text/html"))
    phone.reload(timeout=RELOAD_MS)
    expect(items_with(phone, ADAS_IDEA)).to_have_count(1)  # from Chiara's own kept snapshot
    expect(phone.locator("[data-mine] li.item")).to_have_count(0)
    shot(phone, "phone-next-person-from-browser-cache")
    assert len(db_items(live_server, workshop_id)) == 2
    assert screens.errors == []
