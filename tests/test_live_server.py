"""What only a real server on a real port shows: the Origin check, the size limit, eventlet."""

from __future__ import annotations

import pytest
import socketio

from tests import live

pytestmark = pytest.mark.live


def _joined_phone(server: live.LiveServer) -> tuple[dict, int, str]:
    """Facilitator makes a workshop over HTTP; a phone joins; returns its cookies."""
    email = server.create_user("fac@example.org")
    fac = live.http_login(server, email)
    form = fac.get(server.url + "/workshops/new").text
    r = fac.post(
        server.url + "/workshops/new",
        data={
            "csrf_token": live.csrf_from(form),
            "title": "Live",
            "question": "",
            "cluster_id": "1",
            "language": "en",
            "phases": ["propose", "discuss"],
        },
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text
    workshop_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    _start_phase(server, fac.cookies.get_dict(), workshop_id, "propose")
    cockpit = fac.get(server.url + f"/workshops/{workshop_id}").text
    code = cockpit.split("data-code>", 1)[1].split("<", 1)[0].strip()
    import requests

    phone = requests.Session()
    page = phone.get(server.url + f"/j/{code}").text
    r = phone.post(
        server.url + f"/j/{code}",
        data={
            "csrf_token": live.csrf_from(page),
            "display_name": "Ada",
            "cluster_id": "0",
            "sector": "",
            "consent": "y",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text
    return phone.cookies.get_dict(), workshop_id, code


def _start_phase(server, cookies, workshop_id, phase):
    """The facilitator's cockpit moves the room on, as the Next button does."""
    sio = socketio.Client(reconnection=False)
    sio.connect(
        server.url,
        namespaces=["/live"],
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        auth={"workshop": workshop_id, "view": "staff"},
        transports=["websocket"],
        wait_timeout=5,
    )
    try:
        ack = sio.call(
            "set_phase", {"op_id": f"phase-{phase}-op", "phase": phase}, namespace="/live", timeout=5
        )
        assert ack["ok"], ack
    finally:
        sio.disconnect()


def _client(server, cookies, workshop_id, origin=None):
    """A phone's socket. With an origin, it speaks long-polling so that the Origin
    header is exactly ours (the websocket library adds its own)."""
    sio = socketio.Client(reconnection=False)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if origin:
        headers["Origin"] = origin
    sio.connect(
        server.url,
        namespaces=["/live"],
        headers=headers,
        auth={"workshop": workshop_id, "view": "participant"},
        transports=["polling"] if origin else ["websocket"],
        wait_timeout=5,
    )
    return sio


def _smoke(server):
    cookies, workshop_id, _code = _joined_phone(server)
    sio = _client(server, cookies, workshop_id)
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
    server = live.start(tmp_path, async_mode="eventlet")
    try:
        _smoke(server)
        assert "Traceback" not in server.log()
    finally:
        server.stop()


def test_foreign_origin_refused(live_server):
    cookies, workshop_id, _ = _joined_phone(live_server)
    with pytest.raises(socketio.exceptions.ConnectionError):
        _client(live_server, cookies, workshop_id, "http://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):  # another port is another origin
        _client(live_server, cookies, workshop_id, live_server.url.rsplit(":", 1)[0] + ":1")
    _client(live_server, cookies, workshop_id, live_server.url).disconnect()  # the allowed one


def test_oversize_message_refused(live_server):
    cookies, workshop_id, _ = _joined_phone(live_server)
    sio = _client(live_server, cookies, workshop_id)
    try:
        big = {"op_id": "live-op-0002", "kind": "idea", "text": "x" * 100_000}
        with pytest.raises((socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError)):
            sio.call("propose_item", big, namespace="/live", timeout=3)
    finally:
        sio.disconnect()
    # nothing was stored, and the server is still serving
    sio2 = _client(live_server, cookies, workshop_id)
    snap = live.call(sio2, "get_snapshot", {})
    assert snap["ok"] and snap["snapshot"]["items"] == []
    sio2.disconnect()


def test_smoke_postgresql(tmp_path):
    """The same road on PostgreSQL through psycopg 3: migrations, join, propose, idempotent retry."""
    from tests.services import postgres

    with postgres() as url:
        server = live.start(tmp_path, DATABASE_URL=url)
        try:
            _smoke(server)
            assert "Traceback" not in server.log()
        finally:
            server.stop()


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
