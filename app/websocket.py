"""Engine.IO's WebSocket transport under gevent, read in the request's own greenlet.

python-engineio serves WebSockets under gevent through simple-websocket, which starts a
reader greenlet for every connection beside the request's greenlet (which only waits on
it), and keeps the parsed HTTP handshake for the life of the connection. A room holds
one connection per phone for the whole workshop, so both count: this class does the same
job with the request's greenlet reading the socket itself, wsproto parsing the frames
(as in simple-websocket) and the handshake answered in a few lines. Measured in
docs/performance.md. Engine.IO's eventlet driver already reads this way.

It also gives Engine.IO the socket to set its read timeout on (ping interval + ping
timeout), so a phone that vanished without closing (Wi-Fi gone) frees its connection
then, instead of when TCP gives up on it.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import ProtocolError, generate_accept_token

RECEIVE_BYTES = 4096


class WebSocket:
    """What Engine.IO's websocket transport calls: the object is made with its handler,
    called as a WSGI app, then `wait()`ed on by the request's greenlet and `send()`s from
    Engine.IO's writer greenlet."""

    def __init__(self, handler, server) -> None:
        self.handler = handler
        self.limit = server.max_http_buffer_size
        self._sock = None  # Engine.IO sets its read timeout on this attribute
        self.protocol = Connection(ConnectionType.SERVER)
        self.received: deque[str | bytes] = deque()
        self.parts: list = []
        self.size = 0

    def __call__(self, environ: dict, start_response):
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
        if environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13" or not key:
            start_response(
                "400 Bad Request", [("Content-Type", "text/plain"), ("Sec-WebSocket-Version", "13")]
            )
            return [b"Not a WebSocket handshake\n"]
        sock = environ.get("gunicorn.socket")
        reader = None
        if sock is None:  # gevent's pywsgi does not hand its socket to the app: its reader holds it
            reader = environ["wsgi.input"]
            reader = getattr(reader, "rfile", reader)
            sock = reader.raw._sock
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + generate_accept_token(key.encode()) + b"\r\n\r\n"
        )
        self._sock = sock
        try:
            self.handler(self)
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if reader is None:
            raise StopIteration  # gunicorn then closes the connection without a response of its own
        reader.close()  # pywsgi then closes the connection instead of reading a next request
        return ()  # not a list: Engine.IO passes it on as the response, with nothing to write

    def wait(self) -> str | bytes | None:
        """The next message, None once the connection is closed."""
        try:
            while not self.received:
                if self.protocol.state is not ConnectionState.OPEN:
                    return None
                data = self._sock.recv(RECEIVE_BYTES)
                if not data:
                    return None
                self.protocol.receive_data(data)
                if not self._handle_events():
                    return None
        except (OSError, ProtocolError):
            return None
        return self.received.popleft()

    def send(self, message: str | bytes) -> None:
        event = BytesMessage(data=message) if isinstance(message, bytes) else TextMessage(data=message)
        try:
            data = self.protocol.send(event)
        except ProtocolError as e:
            raise OSError("the WebSocket is closed") from e  # what Engine.IO's writer expects
        self._sock.sendall(data)

    def close(self) -> None:
        if self.protocol.state is ConnectionState.OPEN:
            self._send_quietly(self.protocol.send(CloseConnection(code=CloseReason.NORMAL_CLOSURE)))

    def _handle_events(self) -> bool:
        """Take what the peer sent; False when the connection is over."""
        out = b""
        for event in self.protocol.events():
            if isinstance(event, Message):
                self.size += len(event.data)
                if self.size > self.limit:
                    self._send_quietly(
                        out + self.protocol.send(CloseConnection(code=CloseReason.MESSAGE_TOO_BIG))
                    )
                    return False
                self.parts.append(event.data)
                if event.message_finished:
                    glue = "" if isinstance(event, TextMessage) else b""
                    self.received.append(glue.join(self.parts))
                    self.parts, self.size = [], 0
            elif isinstance(event, Ping):
                out += self.protocol.send(event.response())
            elif isinstance(event, CloseConnection):
                if self.protocol.state is ConnectionState.REMOTE_CLOSING:
                    out += self.protocol.send(event.response())
                self._send_quietly(out)
                return False
        if out:
            self._sock.sendall(out)
        return True

    def _send_quietly(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendall(data)
