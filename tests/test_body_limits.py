"""A request body too large, or sent in chunks, is refused at once and its connection closed:
under gevent (`python wsgi.py`), eventlet and gunicorn, on the Socket.IO path and on Flask's."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from tests import live

pytestmark = pytest.mark.live

BIG = 2 * 1024 * 1024  # over MAX_CONTENT_LENGTH (1 MB) and SOCKET_MAX_MESSAGE (64 KiB)
WAIT = 10  # seconds: generous, so only a hang fails the test, never a slow machine


@pytest.fixture(scope="module", params=["gevent", "eventlet", "gunicorn"])
def server(request, tmp_path_factory):
    mode = request.param
    async_mode = "eventlet" if mode == "eventlet" else "gevent"
    with live.start(tmp_path_factory.mktemp(mode), async_mode=async_mode, gunicorn=mode == "gunicorn") as app:
        yield app


def _polling_sid(server: live.LiveServer) -> str:
    """An Engine.IO long-polling session, as a phone opens one before upgrading."""
    r = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=WAIT)
    assert r.status_code == 200, r.text
    return json.loads(r.text[1:])["sid"]


def _post(server: live.LiveServer, path: str, body: bytes, chunked: bool = False) -> tuple[bytes, bool]:
    """POST over a raw socket as a client would (headers, then the whole body); returns the
    answer's bytes and whether the server then closed the connection."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/plain\r\n"
        s.sendall(f"{head}{length}\r\n\r\n".encode())
        try:
            if chunked:
                for i in range(0, len(body), 64 * 1024):
                    part = body[i : i + 64 * 1024]
                    s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                s.sendall(b"0\r\n\r\n")
            else:
                s.sendall(body)
        except OSError:
            pass  # the server may stop reading once it has answered; its answer still counts
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except TimeoutError:
            return answer, False
        return answer, True


def _status(answer: bytes) -> int:
    assert answer, "no answer"
    return int(answer.split(b" ", 2)[1])


def test_a_long_polling_post_over_the_limit_is_refused_at_once(server):
    """Engine.IO used to close the session first, which waited 20 s for the heartbeat."""
    sid = _polling_sid(server)
    answer, closed = _post(server, f"/socket.io/?EIO=4&transport=polling&sid={sid}", b"4" + b"x" * BIG)
    assert _status(answer) == 413
    assert closed


def test_a_chunked_long_polling_post_is_refused(server):
    """Engine.IO read a body without Content-Length as empty and answered 'ok'."""
    sid = _polling_sid(server)
    answer, closed = _post(server, f"/socket.io/?EIO=4&transport=polling&sid={sid}", b"4" * BIG, chunked=True)
    assert _status(answer) == 411
    assert closed


def test_a_post_over_the_limit_to_a_page_is_refused_and_closed(server):
    """Flask answered 413 but kept the connection, and the server read the whole body."""
    answer, closed = _post(server, "/login", b"email=" + b"x" * BIG)
    assert _status(answer) == 413
    assert b"That was too large." in answer  # Flask's page, in the reader's language
    assert closed


def test_a_chunked_post_to_a_page_is_refused_and_closed(server):
    answer, closed = _post(server, "/login", b"email=" + b"x" * BIG, chunked=True)
    assert _status(answer) == 411
    assert closed


def test_a_post_within_the_limit_still_works(server):
    """The socket's own long-polling POST (a Socket.IO connect packet) is still read."""
    sid = _polling_sid(server)
    url = server.url + f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    r = requests.post(url, data="40/live,", timeout=WAIT)
    assert (r.status_code, r.text) == (200, "OK")
