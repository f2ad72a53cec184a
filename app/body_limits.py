"""Request bodies too large, or of no declared length: refused at once, before anything reads them.

Engine.IO answered a long-polling POST over its limit by closing the session, which waits for
the session's queue to drain: the request hung for the heartbeat's 20 s. Flask answered 413 at
once but kept the connection, and the server then read the whole body to reuse it. A body sent
in chunks (no Content-Length, which no browser sends) was read as empty, or up to the limit. So
the declared length is checked here, outside Flask and Engine.IO, and the refusal ends the
connection: the server sends its FIN after the answer and drops what the client still sends.
"""

from __future__ import annotations

import contextlib
import io
import socket
from http import HTTPStatus
from typing import TYPE_CHECKING

from flask import abort, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SOCKET_PATH = "/socket.io/"
REFUSED = "bridge.refused_body"  # the environ key that tells Flask which status to answer


def bounded_bodies(wsgi_app: WSGIApplication, max_body: int, max_socket_body: int) -> WSGIApplication:
    """Wrap the app (Socket.IO's middleware included) so oversized or unsized bodies are refused."""

    def app(environ: WSGIEnvironment, start_response: StartResponse):
        socket_request = environ.get("PATH_INFO", "").startswith(SOCKET_PATH)
        status = refusal(environ, max_socket_body if socket_request else max_body)
        if status is None:
            return wsgi_app(environ, start_response)
        sock = _connection(environ)

        def closing(status_line: str, headers: list[tuple[str, str]], exc_info=None):
            return start_response(status_line, [*headers, ("Connection", "close")], exc_info)

        if socket_request:  # Engine.IO's client reads the status, not a page
            phrase = HTTPStatus(status).phrase
            headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(phrase)))]
            closing(f"{status} {phrase}", headers)
            return _Closing([phrase.encode()], sock)
        # Flask renders the error page in the reader's language (refuse_marked_body); the body
        # is never read: the input is replaced by an empty one.
        environ = {**environ, REFUSED: status, "wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0"}
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return _Closing(wsgi_app(environ, closing), sock)

    return app


def refusal(environ: WSGIEnvironment, limit: int) -> int | None:
    """The HTTP status that refuses this request's body, or None when it may be read."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return 411  # Length Required
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400
    return 413 if length > limit else None


def refuse_marked_body() -> None:
    """Flask's side (a before_request hook): answer the status bounded_bodies chose."""
    if status := request.environ.get(REFUSED):
        abort(status)


def _connection(environ: WSGIEnvironment) -> socket.socket | None:
    """The client's socket, to half-close after the answer. gevent's server closes on the
    answer's `Connection: close` by itself; gunicorn drops that header, and eventlet sends it
    but waits for the client: for these two the socket is shut for writing here."""
    if sock := environ.get("gunicorn.socket"):
        return sock
    return getattr(environ.get("eventlet.input"), "_sock", None)  # eventlet's Input keeps it there


class _Closing:
    """The answer's body; once the server has sent it, the server's side of the connection ends
    (FIN). The server keeps reading and dropping what the client still sends until the client
    closes: closing outright would reset the connection, and the client might lose the answer."""

    def __init__(self, body, sock: socket.socket | None) -> None:
        self.body = body
        self.sock = sock

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        if hasattr(self.body, "close"):
            self.body.close()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
