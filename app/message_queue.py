"""Socket.IO's client managers: a room disconnected in every process, and Redis that comes back soon.

An account's live connections (its cockpits and projectors) are the members of its room,
in whichever processes they are. python-socketio's message queue disconnects one
connection by its id; here its 'disconnect' message may name a room instead, and each
process disconnects its own members of that room.

python-socketio's Redis listener waits 1, 2, 4 ... up to 60 s between attempts while
Redis is away, and a process whose listener sleeps hears nothing from the others: a
Redis down for 30 s cut the processes apart for another 30. Here it tries again every
`RETRY` seconds, and a failed publish or listen is logged once per outage
(app/outages.py), not twice per message.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from socketio import Manager, RedisManager

from app import outages

RETRY = 1.0  # seconds between attempts to reach Redis again


class RoomDisconnect:
    """Disconnecting every member of a room (a mix-in for python-socketio's managers)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ending: set[str] = set()  # connections whose room was disconnected while they connected

    def disconnect_room(self, room: str, namespace: str, *, close: bool = False) -> None:
        self._disconnect_here(room, namespace, close)

    def _disconnect_here(self, room: str, namespace: str, close: bool = False) -> None:
        """Disconnect this process's members of a room from the server side: whatever the client
        does next, it hears nothing more and its commands are ignored.

        close: end the whole connection (Engine.IO's) instead of the namespace. The client then
        reconnects by itself and is refused (a phone whose participant is gone reloads its page
        and learns it has left); after a namespace's disconnect it would wait, offline."""
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if close and self.is_connected(sid, namespace):
                self.server.eio.disconnect(eio_sid)
            if self.is_connected(sid, namespace):  # not closed above (or a test's in-process client)
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
            elif self.is_pre_connected(sid, namespace):
                # Still in its connect handler, which cannot be cut off yet: it refuses itself
                # at its end (see `ended`).
                self.ending.add(sid)

    def ended(self, sid: str) -> bool:
        """Whether a connection's room was disconnected while it was still connecting."""
        if sid in self.ending:
            self.ending.discard(sid)
            return True
        return False


class LocalManager(RoomDisconnect, Manager):
    """One process alone (no REDIS_URL)."""


class QueueManager(RoomDisconnect, RedisManager):
    """Several processes sharing Redis (REDIS_URL)."""

    # Called (in a task of its own) when this process listens again after Redis was away:
    # what the others published meanwhile is lost.
    on_listening_again: Callable[[], None] | None = None

    def disconnect_room(self, room: str, namespace: str, *, close: bool = False) -> None:
        message = {"method": "disconnect", "sid": None, "room": room, "namespace": namespace, "close": close}
        self._disconnect_here(room, namespace, close)
        self._publish(message | {"host_id": self.host_id})

    def _handle_disconnect(self, message: dict) -> None:
        if message.get("room") is None:
            return super()._handle_disconnect(message)
        self._disconnect_here(message["room"], message.get("namespace") or "/", bool(message.get("close")))

    def _publish(self, data: dict):
        """Publish a message; on failure try once more on a new connection, as python-socketio does."""
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                sent = self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:  # Redis away: the message is lost, as with python-socketio's
                self.connected = False
                if attempt == 2:
                    outages.redis.failed(exc, "messages not published")
            else:
                outages.redis.ok()
                return sent
        return None

    def _redis_listen_with_retries(self):
        """Yield every message of the channel; while Redis is away, try again every RETRY seconds."""
        failed = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                outages.redis.ok()
                if failed and self.on_listening_again is not None:
                    self.server.start_background_task(self.on_listening_again)
                failed = False
                yield from self.pubsub.listen()
            except Exception as exc:
                failed = True
                outages.redis.failed(exc, "attempts to listen")
                with suppress(Exception):  # its connection, not to be left to the garbage collector
                    self.pubsub.close()
                self.server.sleep(RETRY)
