"""The WebSocket transport under gevent (app/websocket.py), frame by frame, on a real server.

A socket.io client never fragments a message, pings or closes on its own, and never sends
more than the limit; browsers and proxies may. A wsproto client here sends exactly those
frames, through `python wsgi.py` and through gunicorn's gevent worker.
"""

from __future__ import annotations

import json
import socket

import pytest
import requests
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    Pong,
    Request,
    TextMessage,
)

from tests import live
from tests.test_live_server import _joined_phone

pytestmark = pytest.mark.live

LIMIT = 64 * 1024  # SOCKET_MAX_MESSAGE


class Frames:
    """One WebSocket connection to /socket.io/, driven frame by frame."""

    def __init__(self, server: live.LiveServer, cookies: dict, target: str = "") -> None:
        port = int(server.url.rsplit(":", 1)[1])
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.ws = WSConnection(ConnectionType.CLIENT)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        headers = [("Origin", server.url), ("Cookie", cookie)]
        self.send(
            Request(
                host=f"127.0.0.1:{port}",
                target=target or "/socket.io/?EIO=4&transport=websocket",
                extra_headers=headers,
            )
        )
        self.accepted = self.event()

    def send(self, event) -> None:
        self.sock.sendall(self.ws.send(event))

    def event(self):
        """The next event from the server; None once it closed the TCP connection."""
        while True:
            for event in self.ws.events():
                return event
            data = self.sock.recv(65536)
            if not data:
                return None
            self.ws.receive_data(data)

    def text(self) -> str:
        event = self.event()
        assert isinstance(event, TextMessage), event
        return event.data

    def send_text(self, text: str, pieces: int = 1) -> None:
        size = -(-len(text) // pieces)
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        for i, part in enumerate(parts):
            self.send(Message(data=part, message_finished=i == len(parts) - 1))

    def join(self, workshop_id: int) -> None:
        assert self.text().startswith("0{")  # Engine.IO open
        self.send_text("40/live," + json.dumps({"workshop": workshop_id, "view": "participant"}))
        while not self.text().startswith("40/live,"):
            pass

    def ack(self, ack_id: int) -> dict:
        prefix = f"43/live,{ack_id}"
        while not (text := self.text()).startswith(prefix):
            pass
        return json.loads(text[len(prefix) :])[0]


@pytest.fixture(params=["gevent", "gunicorn"])
def server(request, tmp_path):
    app = live.start(tmp_path, gunicorn=request.param == "gunicorn")
    yield app
    app.stop()


def test_fragments_pings_and_a_close(server):
    cookies, workshop_id, _ = _joined_phone(server)
    frames = Frames(server, cookies)
    assert isinstance(frames.accepted, AcceptConnection)
    frames.join(workshop_id)

    # A message in three frames is one message.
    idea = {"op_id": "frames-op-0001", "kind": "idea", "text": "Trade mission to Nairobi"}
    frames.send_text('42/live,1["propose_item",' + json.dumps(idea) + "]", pieces=3)
    ack = frames.ack(1)
    assert ack["ok"] and ack["item"]["text"] == "Trade mission to Nairobi", ack

    frames.send(Ping(payload=b"still there?"))
    while not isinstance(event := frames.event(), Pong):
        assert isinstance(event, TextMessage), event  # broadcasts may come first
    assert event.payload == b"still there?"

    frames.send(CloseConnection(code=1000))
    while not isinstance(event := frames.event(), CloseConnection):
        assert isinstance(event, TextMessage), event
    assert event.code == 1000
    assert frames.event() is None  # and the server let the TCP connection go

    # The server carries on: the stored idea, a page, no traceback in its log.
    again = Frames(server, cookies)
    again.join(workshop_id)
    again.send_text('42/live,2["propose_item",' + json.dumps(idea) + "]")
    assert again.ack(2) == ack  # the same op_id: the stored answer
    assert requests.get(server.url + "/login", timeout=10).status_code == 200
    assert "Traceback" not in server.log()


def test_a_message_over_the_limit_closes_the_connection(server):
    cookies, workshop_id, _ = _joined_phone(server)
    frames = Frames(server, cookies)
    frames.join(workshop_id)
    idea = {"op_id": "frames-op-0002", "kind": "idea", "text": "x" * LIMIT}
    frames.send_text('42/live,1["propose_item",' + json.dumps(idea) + "]", pieces=8)
    while not isinstance(event := frames.event(), CloseConnection):
        assert isinstance(event, TextMessage), event
    assert event.code == 1009  # message too big
    again = Frames(server, cookies)
    again.join(workshop_id)
    again.send_text('42/live,1["get_snapshot",{}]')
    assert again.ack(1)["snapshot"]["items"] == []  # nothing was stored
    assert "Traceback" not in server.log()


def test_a_handshake_without_a_key_is_refused(live_server):
    r = requests.get(
        live_server.url + "/socket.io/?EIO=4&transport=websocket",
        headers={"Origin": live_server.url, "Upgrade": "websocket", "Connection": "Upgrade"},
        timeout=10,
    )
    assert r.status_code == 400 and r.headers["Sec-WebSocket-Version"] == "13", r.text
    assert requests.get(live_server.url + "/login", timeout=10).status_code == 200
