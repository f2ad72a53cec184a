"""What only a real server on a real port shows: the Origin check, the size limit, eventlet."""

from __future__ import annotations

import pytest
import socketio

from tests import live

pytestmark = pytest.mark.live


def _smoke(server):
    cookies, workshop_id, _code = live.joined_phone(server)
    sio = live.connect(server, cookies, workshop_id)
    try:
        ack = sio.call(
            "propose_item",
            {"op_id": "live-op-0001", "kind": "idea", "text": "Seoul fintech week"},
            namespace="/live",
            timeout=5,
        )
        assert ack["ok"], ack
        assert ack["item"]["text"] == "Seoul fintech week"
        again = sio.call(
            "propose_item",
            {"op_id": "live-op-0001", "kind": "idea", "text": "Seoul fintech week"},
            namespace="/live",
            timeout=5,
        )
        assert again == ack
    finally:
        sio.disconnect()
    return cookies, workshop_id


def test_smoke_gevent(live_server):
    _smoke(live_server)


def test_smoke_eventlet(tmp_path):
    with live.start(tmp_path, async_mode="eventlet") as server:
        _smoke(server)
        assert "Traceback" not in server.log()


def test_foreign_origin_refused(live_server):
    cookies, workshop_id, _ = live.joined_phone(live_server)
    with pytest.raises(socketio.exceptions.ConnectionError):
        live.connect(live_server, cookies, workshop_id, origin="http://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):  # another port is another origin
        live.connect(live_server, cookies, workshop_id, origin=live_server.url.rsplit(":", 1)[0] + ":1")
    live.connect(live_server, cookies, workshop_id, origin=live_server.url).disconnect()  # the allowed one


def test_oversize_message_refused(live_server):
    cookies, workshop_id, _ = live.joined_phone(live_server)
    sio = live.connect(live_server, cookies, workshop_id)
    try:
        big = {"op_id": "live-op-0002", "kind": "idea", "text": "x" * 100_000}
        with pytest.raises((socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError)):
            sio.call("propose_item", big, namespace="/live", timeout=3)
    finally:
        sio.disconnect()
    # nothing was stored, and the server is still serving
    sio2 = live.connect(live_server, cookies, workshop_id)
    snap = live.call(sio2, "get_snapshot", {})
    assert snap["ok"] and snap["snapshot"]["items"] == []
    sio2.disconnect()


def test_smoke_postgresql(tmp_path):
    """The same road on PostgreSQL through psycopg 3: migrations, join, propose, idempotent retry."""
    from tests.services import postgres

    with postgres() as url, live.start(tmp_path, DATABASE_URL=url) as server:
        _smoke(server)
        assert "Traceback" not in server.log()


@pytest.mark.parametrize("server", ["gevent", "eventlet", "gunicorn"])
def test_more_than_a_thousand_connections_at_once(tmp_path, server):
    """Every phone holds a connection for the whole workshop. eventlet's server serves 1,024
    connections at a time and gunicorn's gevent worker 1,000, unless told otherwise: the next
    phone, and the facilitator's next page, would wait for ever. 1,100 idle connections here,
    then a page must still load."""
    import resource
    import socket as sockets

    import requests

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    app = live.start(
        tmp_path, async_mode="eventlet" if server == "eventlet" else "gevent", gunicorn=server == "gunicorn"
    )
    held: list[sockets.socket] = []
    try:
        port = int(app.url.rsplit(":", 1)[1])
        for _ in range(1100):  # a request begun and not finished holds its connection
            s = sockets.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(s)
        assert requests.get(app.url + "/login", timeout=15).status_code == 200
    finally:
        for s in held:
            s.close()
        app.stop()
