"""Serving one process: a listening socket tuned for a full room, and a garbage collector kept calm.

`python wsgi.py` comes here instead of `socketio.run()`, which leaves Nagle's algorithm
on (an ack written after a broadcast waited ~45 ms for the peer's delayed ACK) and
listens with a backlog of 50 (a join storm of a thousand phones queued for a second).
gunicorn sets both itself (`--backlog`, TCP_NODELAY on its listeners).
"""

from __future__ import annotations

import gc
import logging
import resource
import socket
from typing import TYPE_CHECKING

from flask import Flask

from app.extensions import socketio

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

BACKLOG = 2048
MAX_CONNECTIONS = 20_000  # eventlet's server otherwise serves 1,024 at once: a phone each, then nothing
log = logging.getLogger(__name__)


def listener(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A listening TCP socket; Linux hands TCP_NODELAY down to every accepted connection."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve(app: Flask, host: str, port: int, async_mode: str, log_output: bool = False) -> None:
    """Serve the app (its Socket.IO middleware included) with the server of the async mode."""
    # Only the chosen server's library is imported: the other one must not be (its import would
    # patch or check the wrong event loop).
    if async_mode == "gevent":
        from gevent import pywsgi

        server = pywsgi.WSGIServer(listener(host, port), app, log="default" if log_output else None)
        server.serve_forever()
    elif async_mode == "eventlet":
        import eventlet.wsgi

        protocol = _eventlet_protocol()
        eventlet.wsgi.server(
            listener(host, port), app, log_output=log_output, max_size=MAX_CONNECTIONS, protocol=protocol
        )
    else:  # threading: development only
        app.run(host=host, port=port, threaded=True)


def _eventlet_protocol():
    """eventlet's HTTP protocol, offering each request a way to release its connection's 16 KB
    response buffer: a connection that became a WebSocket writes to its socket itself, and would
    keep the buffer unused for the whole workshop (app/wire.py)."""
    import eventlet.wsgi

    from app.wire import RELEASE_WRITER

    class Protocol(eventlet.wsgi.HttpProtocol):
        def get_environ(self):
            environ = super().get_environ()
            environ[RELEASE_WRITER] = self.wfile.close
            return environ

    return Protocol


def uncompressed_websockets(wsgi_app: WSGIApplication) -> WSGIApplication:
    """Decline the WebSocket compression (permessage-deflate) every browser offers.

    eventlet's WebSocket accepts it (as simple-websocket did under gevent, before
    app/websocket.py, which never does), and then each connection keeps a zlib compressor
    for the life of the connection and compresses every broadcast once per phone: more than
    twice the memory per connection and a ballot ack p99 nine times longer in a full room
    (docs/performance.md, *Figures behind the code*). The price: each message travels
    uncompressed.
    """

    def app(environ: dict, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def raise_open_files() -> None:
    """Every phone holds a socket: lift this process's open-file limit from the usual soft 1,024
    to the hard limit the system allows (a service manager's LimitNOFILE sets that one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit above %s", soft)


def warm(app: Flask) -> None:
    """Make, before the first phone comes, what every join reads once per language: the live
    screens' words and the phone's country list (Babel's data of every language, ~6 MB). The
    first phones of a room then do not wait for it, and what the process holds for its
    connections is theirs alone (docs/performance.md, memory per connection)."""
    from flask_babel import force_locale

    from app.core.countries import search_list
    from app.workshops.live_words import live_words, phase_labels

    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                search_list(language)
                live_words()
                phase_labels()


def calm_gc() -> None:
    """Keep full collections away from the hot path.

    Everything alive after start-up (modules, the app, its templates) is moved out of
    the collector's sight, and the youngest generation is collected less often: with a
    thousand connections a full pass is long enough to set the 99th percentile
    (docs/performance.md, *Figures behind the code*).
    `GcTender` repeats the freeze after join storms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(7_000, 20, 20)
    gc_tender.enabled = True


class GcTender:
    """Freeze the long-lived objects of connections once a join storm has settled.

    Connections live for the whole workshop; scanning them on every full collection is
    what made the pauses long. Frozen objects are never collected, so when many frozen
    connections have gone (phones reconnect with new ones), they are thawed and collected
    once, at that moment, and the survivors frozen again.
    """

    grow = 50  # new connections since the last freeze that are worth a freeze
    delay = 1.0  # seconds of calm after a connection before looking

    def __init__(self) -> None:
        self.joined = 0
        self.left = 0
        self.frozen = 0  # connections alive at the last freeze
        self.alive = 0
        self._pending = False

    def connected(self) -> None:
        self.joined += 1
        self.alive += 1
        self._later()

    def disconnected(self) -> None:
        self.left += 1
        self.alive -= 1
        self._later()

    enabled = False  # only in a serving process (calm_gc), never in tests' shared interpreter

    def _later(self) -> None:
        if self.enabled and not self._pending:
            self._pending = True
            socketio.start_background_task(self._settle_later)

    def _settle_later(self) -> None:
        socketio.sleep(self.delay)
        self._pending = False
        self.settle(self.alive)

    def settle(self, alive: int) -> None:
        if self.left > max(self.grow, self.frozen // 2):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.joined = self.left = 0
            self.frozen = alive
        elif self.joined >= self.grow:
            gc.collect(1)
            gc.freeze()
            self.joined = 0
            self.frozen = alive


gc_tender = GcTender()
