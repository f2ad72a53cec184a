"""An open WebSocket holds no HTTP reader: frames are read from the socket itself, so the reader
of the request that opened it (and its 8 KB buffer) is closed once the handshake is answered,
under gevent's pywsgi (app/websocket.py) and eventlet's server (app/wire.py) alike; under
eventlet its 16 KB response buffer too (frames are written to the socket itself). A room holds
one such connection per phone for the whole workshop (docs/performance.md, memory per connection).
"""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from app.websocket import WebSocket, send_all

HANDSHAKE = {
    "HTTP_CONNECTION": "Upgrade",
    "HTTP_UPGRADE": "websocket",
    "HTTP_SEC_WEBSOCKET_VERSION": "13",
    "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
    "HTTP_HOST": "127.0.0.1",
    "PATH_INFO": "/socket.io/",
}
SERVER = SimpleNamespace(max_http_buffer_size=64 * 1024)


@pytest.fixture
def connection():
    server_side, phone = socket.socketpair()
    reader = server_side.makefile("rb")
    yield server_side, phone, reader
    for sock in (server_side, phone):
        sock.close()


def test_under_gevent_the_reader_is_closed_while_the_connection_is_open(connection):
    server_side, phone, reader = connection
    states = []
    app = WebSocket(lambda ws: states.append((reader.closed, ws._sock.fileno() != -1)), SERVER)
    app(HANDSHAKE | {"wsgi.input": SimpleNamespace(rfile=reader)}, lambda *a: None)
    assert phone.recv(4096).startswith(b"HTTP/1.1 101")
    assert states == [(True, True)]  # the reader closed, the socket still open while Engine.IO runs


def test_under_eventlet_the_reader_is_closed_while_the_connection_is_open(connection):
    from eventlet.wsgi import Input

    from app.wire import RELEASE_WRITER, eventlet_websocket

    server_side, phone, reader = connection
    writer = server_side.makefile("wb", 16 << 10)  # eventlet's server's response buffer
    states = []
    app = eventlet_websocket()(
        lambda ws: states.append((reader.closed, writer.closed, server_side.fileno() != -1)), SERVER
    )
    environ = HANDSHAKE | {
        "eventlet.input": Input(reader, None, server_side),
        "wsgi.input": None,
        RELEASE_WRITER: writer.close,  # as app/server.py's protocol offers it
    }
    app(environ, lambda *a: None)
    assert phone.recv(4096).startswith(b"HTTP/1.1 101")
    assert states == [(True, True, True)]  # reader and writer closed, the socket open


def test_a_frame_goes_whole_however_little_the_socket_takes_at_a_time():
    """Frames are sent with send(), not gevent's sendall (which asks the kernel for the send
    buffer's size on every call): what a send leaves over is sent next, in order."""

    class Narrow:
        def __init__(self) -> None:
            self.wire = b""

        def send(self, data) -> int:
            self.wire += bytes(data[:3])
            return min(3, len(data))

        def sendall(self, data) -> None:
            raise AssertionError("sendall looks the send buffer up on every frame")

    sock = Narrow()
    frame = bytes(range(256)) * 5
    send_all(sock, frame)
    assert sock.wire == frame
