"""Engine.IO's heartbeat: the pings of every connection of the process sent by one task.

Engine.IO (4.x) starts a task for each connection at each ping cycle, which sleeps the ping
interval and then sends one ping: a room of 1,000 phones keeps 1,000 sleeping tasks, each with
its stack saved on the heap (about 3.5 KB a connection, measured with tracemalloc;
docs/performance.md, memory per connection). The interval is the same for every connection,
so the pings fall due in the order they were scheduled: one queue, and one task that sleeps
until the first is due and sends what is due. What a ping is and when a connection is dead
(the pong, the timeout, the close) stay Engine.IO's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from engineio import packet
from engineio import socket as engineio_socket

log = logging.getLogger(__name__)
_own_schedule = engineio_socket.Socket.schedule_ping


class PingPump:
    def __init__(self, server) -> None:
        self.server = server  # Engine.IO's server: its interval, its sleep, its tasks
        self.due: deque = deque()  # (when, socket), in the order they fall due
        self.lock = threading.Lock()
        self.running = False

    def schedule(self, sock) -> None:
        """Engine.IO's Socket.schedule_ping: one ping after the interval, once the last
        cycle is over (its pong came, or it is the connection's first)."""
        if not sock.last_ping:
            return
        sock.last_ping = None
        with self.lock:
            self.due.append((time.monotonic() + self.server.ping_interval, sock))
            start, self.running = not self.running, True
        if start:
            self.server.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.due:
                    self.running = False
                    return
                wait = self.due[0][0] - time.monotonic()
                sock = self.due.popleft()[1] if wait <= 0 else None
            if sock is None:
                self.server.sleep(wait)
            elif not sock.closing and not sock.closed:
                try:
                    sock.last_ping = time.time()
                    sock.send(packet.Packet(packet.PING))
                except Exception:  # one connection's failure never stops the others' heartbeat
                    log.exception("ping to %s failed", sock.sid)


def pump_pings(server) -> None:
    """Send the pings of this Engine.IO server's connections with one PingPump."""
    server.ping_pump = PingPump(server)
    engineio_socket.Socket.schedule_ping = _schedule


def _schedule(sock) -> None:
    pump = getattr(sock.server, "ping_pump", None)
    if pump is None:  # another Engine.IO server of the process: Engine.IO's own way
        _own_schedule(sock)
    else:
        pump.schedule(sock)
