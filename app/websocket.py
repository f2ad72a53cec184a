"""Engine.IO's WebSocket transport under gevent, read in the request's own greenlet.

python-engineio serves WebSockets under gevent through simple-websocket, which starts a
reader greenlet for every connection beside the request's greenlet (which only waits on
it), and keeps the parsed HTTP handshake for the life of the connection. A room holds
one connection per phone for the whole workshop, so both count: this class does the same
job with the request's greenlet reading the socket itself, wsproto parsing the frames
(as in simple-websocket) and the handshake answered in a few lines. Measured in
docs/performance.md. Engine.IO's eventlet driver already reads this way.

It also gives Engine.IO the socket to set its read timeout on (ping interval + ping
timeout), so a phone that stops answering (a frozen tab, Wi-Fi gone) frees its connection
then, instead of when it comes back or TCP gives up on it.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque

from gevent.lock import Semaphore
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import ProtocolError, generate_accept_token

from app.wire import well_formed_frame

RECEIVE_BYTES = 4096


def send_all(sock: socket.socket, data: bytes) -> None:
    """`sock.sendall(data)` without gevent's question to the kernel, on every call, of the
    socket's send buffer size: a system call per frame, 5 % of the server's CPU with 2,000
    phones at the ballots' ceiling (docs/performance.md). A frame mostly goes in one send."""
    view = memoryview(data)
    while view:
        view = view[sock.send(view) :]


class WebSocket:
    """What Engine.IO's websocket transport calls: the object is made with its handler,
    called as a WSGI app, then `wait()`ed on by the request's greenlet while Engine.IO's
    writer greenlet `send()`s."""

    def __init__(self, handler, server) -> None:
        self.handler = handler
        self.limit = server.max_http_buffer_size
        self._sock = None  # Engine.IO sets its read timeout on this attribute
        self.protocol = Connection(ConnectionType.SERVER)
        self.received: deque[str | bytes] = deque()
        self.parts: list = []
        self.size = 0
        self.over = False  # the peer closed, or broke the protocol or the size limit
        # Engine.IO's writer sends messages while this connection's reader may answer a ping or
        # a close: one frame on the socket at a time.
        self.sending = Semaphore()

    def __call__(self, environ: dict, start_response):
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
        if environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13" or not key:
            start_response(
                "400 Bad Request", [("Content-Type", "text/plain"), ("Sec-WebSocket-Version", "13")]
            )
            return (b"Not a WebSocket handshake\n",)  # not a list, which Engine.IO would take for packets
        sock = environ.get("gunicorn.socket")
        reader = None
        if sock is None:  # gevent's pywsgi does not hand its socket to the app: its reader holds it
            reader = environ["wsgi.input"]
            reader = getattr(reader, "rfile", reader)
            sock = reader.raw._sock
            # Frames are read from the socket itself: closing the reader frees its 8 KB buffer
            # for the life of the connection (the socket stays open), and pywsgi then closes the
            # connection instead of reading a next request.
            reader.close()
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + generate_accept_token(key.encode()) + b"\r\n\r\n"
        )
        self._sock = sock
        try:
            self.handler(self)
        except OSError:
            # Engine.IO wrote to a peer that had gone: a page reloaded, or a link dropped as dead,
            # while it answered the upgrade's probe. Nothing is wrong on this side.
            if not self.over:
                raise
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if reader is None:
            raise StopIteration  # gunicorn then closes the connection without a response of its own
        return ()  # not a list: Engine.IO passes it on as the response, with nothing to write

    def wait(self) -> str | bytes | None:
        """The next message; None once the connection is over and every message the peer
        sent before its end has been taken, or after a frame Engine.IO could not decode."""
        try:
            while not self.received and not self.over:
                data = self._sock.recv(RECEIVE_BYTES)
                if not data:
                    self.over = True
                    break
                self.protocol.receive_data(data)
                self._handle_events()
        except (OSError, ProtocolError):
            self.over = True
        message = self.received.popleft() if self.received else None
        if message is not None and not well_formed_frame(message):
            self.close(CloseReason.PROTOCOL_ERROR)
            return None
        return message

    def send(self, message: str | bytes) -> None:
        event = BytesMessage(data=message) if isinstance(message, bytes) else TextMessage(data=message)
        with self.sending:
            try:
                data = self.protocol.send(event)
            except ProtocolError as e:
                self.over = True
                raise OSError("the WebSocket is closed") from e  # what Engine.IO's writer expects
            try:
                send_all(self._sock, data)
            except OSError:
                self.over = True
                raise

    def close(self, code: int = CloseReason.NORMAL_CLOSURE) -> None:
        with self.sending, contextlib.suppress(OSError):
            if self.protocol.state is ConnectionState.OPEN:
                send_all(self._sock, self.protocol.send(CloseConnection(code=code)))
        self.over = True

    def _handle_events(self) -> None:
        """Take what the peer sent: whole messages to `received`, replies to its pings and
        its close; a message over the limit, or a frame wsproto refuses, ends the connection."""
        out = b""
        for event in self.protocol.events():
            if isinstance(event, Message):
                self.size += len(event.data)
                if self.size > self.limit:
                    out += self._closing(CloseReason.MESSAGE_TOO_BIG)
                    break
                self.parts.append(event.data)
                if event.message_finished:
                    glue = "" if isinstance(event, TextMessage) else b""
                    self.received.append(glue.join(self.parts))
                    self.parts, self.size = [], 0
            elif isinstance(event, Ping):
                out += self.protocol.send(event.response())
            elif isinstance(event, CloseConnection):
                if self.protocol.state is ConnectionState.REMOTE_CLOSING:  # the peer's close
                    out += self.protocol.send(event.response())
                else:  # wsproto's verdict on a frame that broke the protocol
                    out += self._closing(event.code, event.reason)
                self.over = True
                break
        if out:
            with self.sending, contextlib.suppress(OSError):
                send_all(self._sock, out)

    def _closing(self, code: int, reason: str | None = None) -> bytes:
        self.over = True
        if self.protocol.state is not ConnectionState.OPEN:
            return b""
        return self.protocol.send(CloseConnection(code=code, reason=reason))
