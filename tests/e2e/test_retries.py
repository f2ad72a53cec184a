"""A phone sends again what the server did not take, and nothing twice (app/static/js/live.js).

Over its budget the phone waits `retry_after` and sends again; after a failure of the
server's (an ack with `retry: true`) it sends again after a backoff; with no answer in time it
drops the connection, connects again and sends it again after the snapshot: each time with the
same op id, so the server applies the command once.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import create_workshop, db_items, items_with, join, log_in, propose

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(tmp_path):
    """A budget of 3 commands at once then 1 a second, and screens that wait 4 s for an ack."""
    with live.start(tmp_path, COMMAND_BURST="3", COMMAND_RATE="1", ACK_TIMEOUT="4") as server:
        yield server


def _room(screens, live_server, shot):
    email = live_server.create_user("fac@example.org")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Retries")
    phone = screens.phone("phone").new_page()
    return cockpit, phone, workshop_id, code


def queued(page) -> list[str]:
    """The commands the page's queue still holds (live.js keeps them in localStorage)."""
    return page.evaluate(
        """() => Object.keys(localStorage).filter((k) => k.startsWith("bridge:queue:"))
                 .flatMap((k) => JSON.parse(localStorage.getItem(k)).map((c) => c.event))"""
    )


def test_ideas_over_the_budget_go_out_after_the_wait(screens, live_server, shot):
    _cockpit, phone, workshop_id, code = _room(screens, live_server, shot)
    refused = []

    def route(ws) -> None:  # passes everything on, and counts the refusals
        server = ws.connect_to_server()
        ws.on_message(server.send)
        server.on_message(lambda m: (refused.append(m) if '"RateLimited"' in str(m) else None, ws.send(m)))

    phone.route_web_socket(re.compile(r"/socket\.io/"), route)
    phone.goto(f"/j/{code}")
    join(phone, "Ada")
    ideas = [f"Idea number {n}" for n in range(6)]
    for text in ideas:
        propose(phone, text)
    for text in ideas:
        expect(items_with(phone, text)).to_have_count(1, timeout=20_000)
    for _ in range(200):
        if not queued(phone):
            break
        phone.wait_for_timeout(50)
    assert refused, "the server never said RateLimited: the test did not test the wait"
    expect(phone.locator("[data-propose]")).not_to_contain_text("Too much at once")  # over once sent
    assert [row[0] for row in db_items(live_server, workshop_id)] == ideas  # each once, in order
    shot(phone, "after-the-wait")
    assert screens.errors == []


def test_a_failure_of_the_servers_and_a_lost_ack_are_sent_again_once(screens, live_server, shot):
    _cockpit, phone, workshop_id, code = _room(screens, live_server, shot)
    seen: list[str] = []  # the op ids of propose_item as the phone sent them
    upgraded = []  # the phone's Engine.IO moved from long-polling to this WebSocket

    def route(ws) -> None:
        server = ws.connect_to_server()
        asked: dict[str, str] = {}  # ack id -> op id of a propose_item

        def from_phone(message) -> None:
            if message == "5":
                upgraded.append(ws)
            m = isinstance(message, str) and re.match(r'42/live,(\d+)\["propose_item",(.*)\]$', message)
            if m:
                asked[m.group(1)] = json.loads(m.group(2))["op_id"]
                seen.append(asked[m.group(1)])
            server.send(message)

        def from_server(message) -> None:
            m = isinstance(message, str) and re.match(r"43/live,(\d+)\[", message)
            if m and m.group(1) in asked:
                attempt = seen.count(asked[m.group(1)])
                if attempt == 1:  # the server failed: the phone is told it may try again
                    failure = {"ok": False, "error": "Oops.", "code": "ServerError", "retry": True}
                    message = f"43/live,{m.group(1)}" + json.dumps([failure])
                elif attempt == 2:  # the answer is lost on the way: the phone hears nothing
                    return
            ws.send(message)

        ws.on_message(from_phone)
        server.on_message(from_server)

    def polled(http) -> None:  # after a reconnect, until the upgrade, commands go by long-polling
        for packet in (http.request.post_data or "").split("\x1e"):
            m = re.match(r'42/live,\d+\["propose_item",(.*)\]$', packet)
            if m:
                seen.append(json.loads(m.group(1))["op_id"])
        http.continue_()

    phone.route_web_socket(re.compile(r"/socket\.io/"), route)
    phone.route(re.compile(r"/socket\.io/.*transport=polling"), polled)
    phone.goto(f"/j/{code}")
    join(phone, "Ada")
    for _ in range(100):  # what the test rewrites travels on the WebSocket
        if upgraded:
            break
        phone.wait_for_timeout(50)
    assert upgraded, "the phone's WebSocket did not go through the test's route"
    propose(phone, "Said once")
    # The failure, then no answer for ACK_TIMEOUT (4 s), a reconnect, then the answer.
    for _ in range(400):
        if len(seen) >= 3 and not queued(phone):
            break
        phone.wait_for_timeout(50)
    assert len(seen) == 3 and len(set(seen)) == 1, seen  # three sends, one op id
    expect(items_with(phone, "Said once")).to_have_count(1)
    assert [row[0] for row in db_items(live_server, workshop_id)] == ["Said once"]
    assert screens.errors == []
