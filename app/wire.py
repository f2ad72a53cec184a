"""What the live connection accepts off the wire: every message is answered or dropped, none crashes.

A phone can send anything: JSON nested too deep for the parser, a packet that is not an
event, an event named `connect` or `disconnect` (python-socketio would run the
connection's own handlers for it and detach its identity), binary attachments nobody
here expects. Each becomes one event, MALFORMED, that the dispatcher answers
"not understood" when the sender asked for an answer; nothing reaches a handler that
would raise, and nothing leaves a traceback in the log.

(Every command then waits its turn behind everyone else's: app/realtime/commands.py `_dispatcher`.)
"""

from __future__ import annotations

import json

from engineio import json as engineio_json
from socketio import packet

MALFORMED = "__malformed__"
# Names python-socketio gives its own handlers: a client may never trigger them.
RESERVED = frozenset({"connect", "disconnect", "connect_error", "__disconnect_final", "message", "*"})
_TYPES = (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK)


class SafeJSON:
    """engineio's json (integers of at most 100 digits), with nesting too deep for the
    parser refused like any other invalid JSON, as a ValueError the servers handle."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(*args, **kwargs):
        try:
            return engineio_json.loads(*args, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class Packet(packet.Packet):
    """A Socket.IO packet whose decoding never raises: what cannot be taken as sent becomes
    an event named MALFORMED, with the sender's ack id when it could be read."""

    json = SafeJSON

    def decode(self, encoded_packet) -> int:
        try:
            attachments = super().decode(encoded_packet)
        except Exception:  # RecursionError, ValueError, TypeError, IndexError: all the same to us
            attachments = -1
        if attachments or self.packet_type not in _TYPES or not self._event_well_formed():
            self.packet_type, self.data, self.attachment_count = packet.EVENT, [MALFORMED], 0
        return 0

    def _event_well_formed(self) -> bool:
        if self.packet_type != packet.EVENT:
            return True
        data = self.data  # [name] or [name, payload]: every command takes one payload at most
        return (
            isinstance(data, list)
            and 1 <= len(data) <= 2
            and isinstance(data[0], str)
            and data[0] not in RESERVED
        )


def well_formed_frame(message: str | bytes) -> bool:
    """An Engine.IO packet Engine.IO can decode: a known type digit first (bytes are binary
    messages, which Socket.IO then refuses itself)."""
    return isinstance(message, bytes) or (bool(message) and message[0] in "0123456")


# What eventlet's server (app/server.py) puts in a request's environ: closes the connection's
# response buffer, for a connection that became a WebSocket.
RELEASE_WRITER = "bridge.release_writer"


class CheckedFrames:
    """Engine.IO's WebSocket under eventlet, closing the connection on a frame Engine.IO could
    not decode (it would raise inside Engine.IO, with a traceback and no answer)."""

    def __init__(self, ws) -> None:
        self._ws = ws

    def wait(self):
        message = self._ws.wait()
        if message is not None and not well_formed_frame(message):
            self._ws.close(close_data=(1002, "protocol error"))
            return None
        return message

    def __getattr__(self, name: str):
        return getattr(self._ws, name)


def eventlet_websocket():
    """engineio's eventlet WebSocket class, its frames checked (CheckedFrames) and the request's
    reader closed once the handshake is answered: frames are read from the socket itself, so its
    8 KB buffer would stay unused for the life of the connection (the socket stays open, and
    eventlet's server then closes the connection instead of reading a next request). Its 16 KB
    response buffer goes too where the server offers (app/server.py, RELEASE_WRITER): frames are
    written to the socket itself."""
    from engineio.async_drivers.eventlet import WebSocketWSGI

    class WebSocket(WebSocketWSGI):
        def __init__(self, handler, server) -> None:
            super().__init__(self._opened, server)
            self._handler = handler

        def __call__(self, environ: dict, start_response):
            self._reader = environ["eventlet.input"].rfile
            self._release_writer = environ.get(RELEASE_WRITER, lambda: None)
            return super().__call__(environ, start_response)

        def _opened(self, ws) -> None:
            self._reader.close()
            self._release_writer()
            self._handler(CheckedFrames(ws))

    return WebSocket
