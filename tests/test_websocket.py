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
from wsproto.extensions import PerMessageDeflate

from tests import live

pytestmark = pytest.mark.live

LIMIT = 64 * 1024  # SOCKET_MAX_MESSAGE


class Frames:
    """One WebSocket connection to /socket.io/, driven frame by frame."""

    def __init__(
        self,
        server: live.LiveServer,
        cookies: dict,
        receive_buffer: int = 0,
        extensions: list | None = None,
        sid: str = "",  # a long-polling session's, to upgrade it as a browser does
    ) -> None:
        port = int(server.url.rsplit(":", 1)[1])
        self.sock = socket.socket()
        if receive_buffer:  # set before connecting: it sets the window the server may fill
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.ws = WSConnection(ConnectionType.CLIENT)
        headers = [("Origin", server.url), ("Cookie", live.cookie_header(cookies))]
        self.send(
            Request(
                host=f"127.0.0.1:{port}",
                target="/socket.io/?EIO=4&transport=websocket" + (f"&sid={sid}" if sid else ""),
                extra_headers=headers,
                extensions=extensions or [],
            )
        )
        self.accepted = self.event()

    def send(self, *events) -> None:
        """In one write: the server reads them together."""
        self.sock.sendall(b"".join(self.ws.send(event) for event in events))

    def event(self):
        """The next event from the server, a message whole; None once it closed the connection."""
        parts: list[str] = []
        while True:
            for event in self.ws.events():
                if not isinstance(event, TextMessage):
                    return event
                parts.append(event.data)  # a long message arrives in pieces
                if event.message_finished:
                    return TextMessage(data="".join(parts))
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
    # Its tests take a snapshot right after connecting, which the budget counts as one a second.
    with live.start(tmp_path, gunicorn=request.param == "gunicorn", SNAPSHOT_INTERVAL="0") as app:
        yield app


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "gunicorn"])
def test_websockets_are_not_compressed(tmp_path, mode):
    """Every browser offers permessage-deflate, and both servers would accept it: each phone's
    connection would then keep a zlib compressor for the whole workshop and every broadcast
    would be compressed once per phone (memory per connection more than doubled, measured).
    The handshake is accepted without it."""
    async_mode = "eventlet" if mode == "eventlet" else "gevent"
    with live.start(tmp_path, async_mode=async_mode, gunicorn=mode == "gunicorn") as app:
        offered = Frames(app, {}, extensions=[PerMessageDeflate()])
        assert isinstance(offered.accepted, AcceptConnection), offered.accepted
        assert offered.accepted.extensions == []
        assert offered.text().startswith("0{")  # and Engine.IO speaks on it, uncompressed


def test_fragments_pings_and_a_close(server):
    cookies, workshop_id, _ = live.joined_phone(server)
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
    cookies, workshop_id, _ = live.joined_phone(server)
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


def test_a_message_sent_with_the_close_is_not_lost(server):
    """A phone closing its tab sends its last command and the close in one go."""
    cookies, workshop_id, _ = live.joined_phone(server)
    frames = Frames(server, cookies)
    frames.join(workshop_id)
    idea = {"op_id": "frames-op-0003", "kind": "idea", "text": "Said on the way out"}
    frames.send(
        TextMessage(data='42/live,1["propose_item",' + json.dumps(idea) + "]"), CloseConnection(code=1000)
    )
    while not isinstance(event := frames.event(), CloseConnection):
        assert isinstance(event, TextMessage), event
    again = Frames(server, cookies)
    again.join(workshop_id)
    again.send_text('42/live,2["get_snapshot",{}]')
    assert [i["text"] for i in again.ack(2)["snapshot"]["items"]] == ["Said on the way out"]


def test_a_ping_while_the_server_is_still_sending(tmp_path):
    """A slow phone: the server's writer waits for it to read while its reader has a ping
    to answer on the same socket. Both frames get through, whole, in order of sending.
    (Faster than a person may: 40 ideas and 200 snapshots at once.)"""
    with live.start(tmp_path, **live.UNLIMITED) as live_server:
        _a_ping_while_sending(live_server)


def _a_ping_while_sending(live_server) -> None:
    cookies, workshop_id, _ = live.joined_phone(live_server)
    frames = Frames(live_server, cookies, receive_buffer=4096)
    frames.join(workshop_id)
    for n in range(1, 41):  # snapshots of about 25 KB
        idea = {"op_id": f"frames-op-{n:04d}", "kind": "idea", "text": f"{n} " + "x" * 490}
        frames.send_text(f'42/live,{n}["propose_item",' + json.dumps(idea) + "]")
        assert frames.ack(n)["ok"]
    # 5 MB of answers, more than the kernel buffers on both sides hold
    asks = [TextMessage(data=f'42/live,{n}["get_snapshot",{{}}]') for n in range(101, 301)]
    frames.send(*asks)
    # The server answers them all, then its writer waits for the phone to read; the phone
    # reads one answer (the writer is running) and pings before reading on.
    acks, pong = set(), None
    while (first := frames.event()).data.startswith('42/live,["changed"'):
        pass  # the last beat of the ideas may come after their acks (app/change_pump.py)
    assert isinstance(first, TextMessage) and first.data.startswith("43/live,101["), first
    acks.add(101)
    frames.send(Ping(payload=b"slow phone"))
    while len(acks) < 200 or pong is None:
        event = frames.event()
        if isinstance(event, Pong):
            pong = event.payload
        else:
            assert isinstance(event, TextMessage), event
            if event.data.startswith("43/live,"):
                acks.add(int(event.data[8:].split("[", 1)[0]))
    assert pong == b"slow phone" and acks == set(range(101, 301))
    assert "Traceback" not in live_server.log()


def test_a_page_that_leaves_during_the_upgrade_is_let_go_quietly(server):
    """A browser upgrades its long-polling session with a probe on the WebSocket ("2probe",
    answered "3probe"). A page that leaves in between (reloaded, or dropping a link it found
    dead) has closed the WebSocket before the answer: the server lets it go, no traceback."""
    opened = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
    sid = json.loads(opened.text[1:])["sid"]
    frames = Frames(server, {}, sid=sid)
    assert isinstance(frames.accepted, AcceptConnection), frames.accepted
    frames.send(TextMessage(data="2probe"), CloseConnection(code=1001))
    while frames.event() is not None:  # until the server has closed the connection
        pass
    assert requests.get(server.url + "/login", timeout=10).ok  # served after it
    assert "Traceback" not in server.log()


def test_a_bad_handshake_after_long_polling_is_refused(live_server):
    """The way a browser upgrades: a long-polling session first, then the WebSocket."""
    opened = requests.get(live_server.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
    sid = json.loads(opened.text[1:])["sid"]
    r = requests.get(
        live_server.url + f"/socket.io/?EIO=4&transport=websocket&sid={sid}",
        headers={"Origin": live_server.url, "Upgrade": "websocket", "Connection": "Upgrade"},
        timeout=10,
    )
    assert r.status_code == 400, r.text
    assert "Traceback" not in live_server.log()


def test_a_handshake_without_a_key_is_refused(live_server):
    r = requests.get(
        live_server.url + "/socket.io/?EIO=4&transport=websocket",
        headers={"Origin": live_server.url, "Upgrade": "websocket", "Connection": "Upgrade"},
        timeout=10,
    )
    assert r.status_code == 400 and r.headers["Sec-WebSocket-Version"] == "13", r.text
    assert requests.get(live_server.url + "/login", timeout=10).status_code == 200


def test_a_phone_that_stops_answering_is_let_go(tmp_path):
    """A frozen tab keeps its TCP connection open and answers nothing. After Engine.IO's ping
    timeout the server closes the WebSocket and then the connection, instead of keeping its
    greenlets and socket until the phone comes back (simple-websocket's reader waited for
    ever). Heartbeat shortened to 1 s + 1 s here; by default 25 s + 20 s."""
    with live.start(tmp_path, SOCKET_PING_INTERVAL="1", SOCKET_PING_TIMEOUT="1") as app:
        cookies, workshop_id, _ = live.joined_phone(app)
        frozen = Frames(app, cookies)
        frozen.join(workshop_id)
        frozen.sock.settimeout(15)  # far beyond the server's 2 + 2 s
        while (event := frozen.event()) is not None:  # reads, but never answers a ping
            assert isinstance(event, TextMessage | CloseConnection), event
        assert requests.get(app.url + "/login", timeout=10).status_code == 200
        assert "Traceback" not in app.log()


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "gunicorn"])
def test_phones_that_answer_get_their_pings_on_time_from_one_task(tmp_path, mode):
    """Every connection's heartbeat is sent by one task of the process (app/realtime/pings.py):
    two phones that answer each ping get the next one an interval later, for as long as they
    stay, and one that stops answering is let go meanwhile. Heartbeat 1 s + 1 s here."""
    async_mode = "eventlet" if mode == "eventlet" else "gevent"
    heartbeat = {"SOCKET_PING_INTERVAL": "1", "SOCKET_PING_TIMEOUT": "1"}
    with live.start(tmp_path, async_mode=async_mode, gunicorn=mode == "gunicorn", **heartbeat) as app:
        cookies, workshop_id, _ = live.joined_phone(app)
        phones = [Frames(app, cookies) for _ in range(2)]
        frozen = Frames(app, cookies)
        for phone in [*phones, frozen]:
            phone.join(workshop_id)
        for _round in range(4):
            for phone in phones:
                while (text := phone.text()) != "2":  # what else the room sends meanwhile
                    assert not text.startswith("1"), text  # not closed
                phone.send_text("3")
        frozen.sock.settimeout(10)
        while (event := frozen.event()) is not None:  # never answers: closed, the others kept theirs
            assert isinstance(event, TextMessage | CloseConnection), event
        assert "Traceback" not in app.log()
