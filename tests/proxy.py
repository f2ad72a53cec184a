"""A TCP proxy between a browser and the live server, that can turn into a black hole.

Bad venue Wi-Fi rarely closes a connection: it loses what goes over it. In `black_hole()`
the proxy keeps every socket open (no RST, no FIN: the browser's connection still looks
up) and discards the bytes both ways, new connections' included; `deaf()` passes what the
browser sends and discards what comes back (the answers are lost, the commands arrive);
`pass_traffic()` forwards again. A connection that lost bytes is closed then: TCP would have
sent them again, this proxy cannot, and a stream with a hole in it would hang whatever the
browser sends over it next (Chromium reuses its idle connections for the next request).
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Proxy:
    def __init__(self, target_port: int, port: int = 0) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.up = True  # browser -> server bytes are forwarded
        self.down = True  # server -> browser bytes are forwarded
        self.sockets: list[socket.socket] = []
        self.lost: set[socket.socket] = set()  # sockets whose stream lost bytes
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def black_hole(self) -> None:
        self.up = self.down = False

    def deaf(self) -> None:
        self.up, self.down = True, False

    def pass_traffic(self) -> None:
        with self._lock:
            broken, self.lost = self.lost, set()
        self.up = self.down = True
        for sock in broken:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        with self._lock:
            every = [self.listener, *self.sockets]
        for sock in every:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                browser, _address = self.listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self.sockets += [browser, server]
            threading.Thread(target=self._pump, args=(browser, server, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, browser, "down"), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, way: str) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:  # that side closed: close the other side's way too
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                return
            if getattr(self, way):
                with contextlib.suppress(OSError):
                    sink.sendall(data)
            else:  # lost on the way: this connection's stream has a hole in it now
                with self._lock:
                    self.lost.update((source, sink))
