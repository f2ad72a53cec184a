"""What a phone may send on the wire (app/wire.py): every command is answered, no input crashes.

Frames go through a real server, gevent's and eventlet's, exactly as written here: what a
socket.io client would never send is what a hostile or broken one does.
"""

from __future__ import annotations

import json

import pytest
import requests
from wsproto.events import BytesMessage, CloseConnection, TextMessage

from tests import live
from tests.test_websocket import Frames

pytestmark = pytest.mark.live


@pytest.fixture(scope="module", params=["gevent", "eventlet"])
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    with live.start(tmp, async_mode=request.param, **live.UNLIMITED) as app:
        _cookies, workshop_id, code = live.joined_phone(app)
        app.room = (workshop_id, code)
        yield app


@pytest.fixture
def phone(server):
    """A new phone in the server's workshop, its WebSocket joined."""
    workshop_id, code = server.room
    frames = Frames(server, live.join(server, code, "Eve"))
    frames.join(workshop_id)
    frames.log_from = len(server.log())
    return frames


def _quiet(server, phone) -> bool:
    """No traceback in what the server logged since this test's phone joined."""
    return "Traceback" not in server.log()[phone.log_from :]


def _propose(frames: Frames, ack_id: int, text: str) -> dict:
    idea = {"op_id": f"wire-op-{ack_id:06d}", "kind": "idea", "text": text}
    frames.send_text(f"42/live,{ack_id}" + json.dumps(["propose_item", idea]))
    return frames.ack(ack_id)


def _not_understood(ack: dict) -> bool:
    return ack == {"ok": False, "code": "Invalid", "error": "The request was not understood."}


NESTED = "[" * 20_000 + "]" * 20_000  # 40 KB: under the size limit, far over the parser's depth


@pytest.mark.parametrize(
    "packet",
    [
        '42/live,{id}["propose_item",' + NESTED + "]",  # nested too deep for the parser
        '42/live,{id}["disconnect"]',  # the connection's own handlers: reserved
        '42/live,{id}["connect",{{"workshop":1,"view":"staff"}}]',
        '42/live,{id}["message",{{}}]',
        '42/live,{id}["*",{{}}]',
        '42/live,{id}["no_such_command",{{"op_id":"wire-op-unknown"}}]',
        '42/live,{id}["get_snapshot",{{}},{{}}]',  # a command takes one payload at most
        '42/live,{id}{{"not":"a list"}}',
        "42/live,{id}[]",
        "42/live,{id}[42]",
        '42/live,{id}["propose_item"',  # cut short
        '42/live,{id}["propose_item",NaN]',
        '42/live,{id}["propose_item",' + "1" * 500 + "]",  # an integer of 500 digits
        '451-/live,{id}["propose_item",{{"_placeholder":true,"num":0}}]',  # binary: nobody sends it here
        '49/live,{id}["propose_item",{{}}]',  # no such packet type
    ],
    ids=[
        "nested",
        "disconnect",
        "connect",
        "message",
        "catch-all",
        "unknown",
        "two-payloads",
        "not-a-list",
        "empty",
        "not-a-name",
        "cut-short",
        "nan",
        "huge-int",
        "binary",
        "bad-type",
    ],
)
def test_a_malformed_command_is_answered_and_the_connection_carries_on(server, phone, packet):
    phone.send_text(packet.format(id=7))
    assert _not_understood(phone.ack(7))
    # The connection keeps its identity (an event named "disconnect" used to detach it):
    assert _propose(phone, 8, "Still here")["ok"] is True
    assert _quiet(server, phone)


def test_a_binary_frame_is_dropped_and_the_connection_carries_on(server, phone):
    phone.send(BytesMessage(data=b"\x00\x01not an attachment"))
    assert _propose(phone, 9, "After a binary frame")["ok"] is True
    assert _quiet(server, phone)


@pytest.mark.parametrize("frame", ["x", "", "9", "{}"], ids=["letter", "empty", "bad-type", "json"])
def test_a_frame_engineio_cannot_read_closes_the_connection(server, phone, frame):
    phone.send(TextMessage(data=frame))
    while (event := phone.event()) is not None and not isinstance(event, CloseConnection):
        assert isinstance(event, TextMessage), event
    assert event is None or event.code in (1002, 1000), event
    assert requests.get(server.url + "/login", timeout=10).status_code == 200
    assert _quiet(server, phone)
