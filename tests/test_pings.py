"""One task sends every connection's pings (app/realtime/pings.py): each after the interval, in
the order they fell due, none to a closed connection, and one connection's failure never stops
the others' heartbeat (every phone of the room would take its link for dead)."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

from engineio import packet

from app.realtime.pings import PingPump

INTERVAL = 0.05


class Connection:
    def __init__(self, name: str, sent: list, *, closed: bool = False, broken: bool = False) -> None:
        self.sid, self.sent, self.broken = name, sent, broken
        self.closing, self.closed, self.last_ping = False, closed, time.time()

    def send(self, pkt) -> None:
        if self.broken:
            raise OSError("gone")
        self.sent.append((self.sid, pkt.packet_type))


def _pump() -> PingPump:
    def start(target) -> None:
        threading.Thread(target=target, daemon=True).start()

    return PingPump(SimpleNamespace(ping_interval=INTERVAL, sleep=time.sleep, start_background_task=start))


def _settled(pump: PingPump) -> None:
    deadline = time.monotonic() + 5
    while pump.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not pump.running


def test_each_connection_gets_a_ping_after_the_interval_in_order_and_failures_stay_alone(caplog, monkeypatch):
    # The migrations' fileConfig, run by earlier tests in this process, disables existing loggers.
    monkeypatch.setattr(logging.getLogger("app.realtime.pings"), "disabled", False)
    sent: list = []
    pump = _pump()
    ada, gone, broken, bo = (
        Connection("ada", sent),
        Connection("gone", sent, closed=True),
        Connection("broken", sent, broken=True),
        Connection("bo", sent),
    )
    began = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="app.realtime.pings"):
        for connection in (ada, gone, broken, bo):
            pump.schedule(connection)
        pump.schedule(ada)  # before its pong: the cycle is not over, nothing more is scheduled
        _settled(pump)
    assert time.monotonic() - began >= INTERVAL
    assert sent == [("ada", packet.PING), ("bo", packet.PING)]
    assert "ping to broken failed" in caplog.text
    assert ada.last_ping and bo.last_ping  # waiting for their pongs, as Engine.IO's own did

    pump.schedule(ada)  # its pong came: the next cycle, by a task started again
    _settled(pump)
    assert sent[-1] == ("ada", packet.PING) and len(sent) == 3
