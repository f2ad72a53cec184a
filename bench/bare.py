"""A bare python-socketio server: the ceiling of this stack on this machine.

Same async mode and WSGI server as `python wsgi.py` (gevent's pywsgi, or eventlet's
wsgi), same python-socketio and simple-websocket, same Origin check and message
limit, but no Flask, no database and no rules: it sends each connection a tiny
snapshot, acknowledges `cast_ballot` at once, and broadcasts a tally to everyone on
a timer when something changed, shaped like the app's (all points = ballots
acknowledged). The listening socket has TCP_NODELAY (inherited by accepted
sockets on Linux) and a backlog of 2,048, and it declines WebSocket compression,
as a well-set-up server would (and as the app does).

    python -m bench.bare --port 5099 [--async-mode gevent|eventlet] [--tally-interval 0.5]
"""

from __future__ import annotations

import argparse

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--async-mode", choices=("gevent", "eventlet"), default="gevent")
parser.add_argument("--tally-interval", type=float, default=0.5)
parser.add_argument("--options", type=int, default=8, help="choices on the ballot")
ARGS = parser.parse_args()

# Patch first, as wsgi.py does, before anything imports socket or threading.
if ARGS.async_mode == "gevent":
    from gevent import monkey

    monkey.patch_all()
else:
    import eventlet

    eventlet.monkey_patch()

import resource  # noqa: E402
import socket  # noqa: E402

import socketio  # noqa: E402

ROUND = 1
ORIGINS = [f"http://{host}:{ARGS.port}" for host in ("127.0.0.1", "localhost", ARGS.host)]

sio = socketio.Server(
    async_mode=ARGS.async_mode, cors_allowed_origins=sorted(set(ORIGINS)), max_http_buffer_size=64 * 1024
)
state = {"ballots": 0, "voters": set(), "connected": 0, "dirty": False, "pump": False, "next_id": 0}


@sio.on("connect", namespace="/live")
def connect(sid, environ, auth=None):
    state["connected"] += 1
    state["next_id"] += 1
    sio.enter_room(sid, "public", namespace="/live")
    options = [{"id": i} for i in range(1, ARGS.options + 1)]
    snapshot = {"v": 0, "me": {"id": state["next_id"]}, "rounds": [{"id": ROUND, "options": options}]}
    sio.emit("snapshot", snapshot, to=sid, namespace="/live")


@sio.on("disconnect", namespace="/live")
def disconnect(sid, reason=None):
    state["connected"] -= 1


@sio.on("cast_ballot", namespace="/live")
def cast_ballot(sid, data):
    state["ballots"] += 1
    state["voters"].add(sid)
    state["dirty"] = True
    if not state["pump"]:
        state["pump"] = True
        sio.start_background_task(pump)
    return {"ok": True, "round_id": ROUND, "version": data["base_version"] + 1, "over_limit": False}


def pump():
    """The coalesced tally: at most once per interval, and only after a change."""
    while True:
        sio.sleep(ARGS.tally_interval)
        if not state["dirty"]:
            state["pump"] = False
            return
        state["dirty"] = False
        tally = {
            "round_id": ROUND,
            "method": "dots",
            "voted": len(state["voters"]),
            "eligible": state["connected"],
            "results": [{"item_id": 1, "points": state["ballots"]}],
        }
        sio.emit("tally_changed", tally, to="public", namespace="/live")


def health(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((ARGS.host, ARGS.port))
    sock.listen(2048)
    return sock


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sockets = socketio.WSGIApp(sio, health)

    def app(environ, start_response):  # no permessage-deflate, as app.server.uncompressed_websockets
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return sockets(environ, start_response)

    print(f" * bare python-socketio on http://{ARGS.host}:{ARGS.port} ({ARGS.async_mode})", flush=True)
    if ARGS.async_mode == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer(listener(), app, log=None).serve_forever()
    else:
        import eventlet.wsgi

        eventlet.wsgi.server(listener(), app, log_output=False, max_size=20_000)  # as app/server.py


if __name__ == "__main__":
    main()
