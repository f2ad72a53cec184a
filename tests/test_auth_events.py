"""Sessions that end, end on every live connection too: an account's cockpits and projectors are
cut off when it is disabled, logs out, or gets a new role or password (in one process; across
processes in tests/test_scaleout.py)."""

from __future__ import annotations

import pytest

from app import realtime
from app.auth import connections, services
from app.extensions import db, socketio
from app.models import Role, User, Workshop
from app.realtime.connections import by_sid
from app.workshops import views
from tests.conftest import NS, connect, login, make_user, make_workshop, op, phone

pytestmark = pytest.mark.usefixtures("fast_passwords")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _no_connections_of_earlier_tests():
    realtime.forget_all()
    connections.forget_all()
    yield
    realtime.forget_all()
    connections.forget_all()


class Room:
    """A facilitator's cockpit and projector on one laptop, an administrator's cockpit, a phone."""

    def __init__(self, app) -> None:
        self.app = app
        self.facilitator = make_user(email="fac@example.org")
        self.admin = make_user(Role.ADMIN, email="admin@example.org")
        self.workshop = make_workshop(self.facilitator)
        self.laptop = login(app.test_client(), self.facilitator)
        self.admin_http = login(app.test_client(), self.admin)
        self.cockpit = connect(app, self.laptop, self.workshop, "staff")
        self.projector = connect(app, self.laptop, self.workshop, "screen")
        self.admin_cockpit = connect(app, self.admin_http, self.workshop, "staff")
        self.phone = phone(app, self.workshop)
        for sock in self.all:
            sock.get_received(NS)

    @property
    def all(self):
        return [self.cockpit, self.projector, self.admin_cockpit, self.phone]

    def set_phase(self, sock, phase: str) -> dict | None:
        return sock.emit("set_phase", {"op_id": op(), "phase": phase}, namespace=NS, callback=True)


@pytest.fixture
def room(app) -> Room:
    return Room(app)


def _phase(workshop_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Workshop, workshop_id).phase


def _names(sock) -> list[str]:
    """What a socket received, whether or not it counts as connected; presence_changed left out
    (a one-second timer's, possibly an earlier test's)."""
    return [e["name"] for e in sock.queue if e["name"] != "presence_changed"]


def _cut_off(room: Room) -> None:
    """The facilitator's cockpit and projector were told, then disconnected; the others were not."""
    for sock in (room.cockpit, room.projector):
        assert not sock.is_connected(NS)
        assert _names(sock) == ["session_ended"]
        sock.queue.clear()
    assert room.admin_cockpit.is_connected(NS) and room.phone.is_connected(NS)


def test_disabling_an_account_cuts_off_its_cockpit_and_projector_at_once(room):
    response = room.admin_http.post(f"/admin/users/{room.facilitator.id}/active", data={"active": "0"})
    assert response.status_code == 302
    _cut_off(room)


def test_a_cut_off_client_that_carries_on_changes_nothing_and_hears_nothing(room):
    room.admin_http.post(f"/admin/users/{room.facilitator.id}/active", data={"active": "0"})
    _cut_off(room)
    # A hostile client ignores the news and the server's disconnect, and keeps sending.
    room.cockpit.connected[NS] = True
    assert room.set_phase(room.cockpit, "vote") is None  # no ack: the server no longer hears it
    assert _phase(room.workshop.id) == "propose"
    # The facilitator's successor moves the room on: the old cockpit receives none of it.
    assert room.set_phase(room.admin_cockpit, "discuss")["ok"]
    assert room.cockpit.queue == [] and room.projector.queue == []  # not even a presence count
    # The phone hears the phase; a presence count (the cockpit left) may come too, on its timer.
    heard = [e["name"] for e in room.phone.get_received(NS) if e["name"] != "presence_changed"]
    assert heard == ["workshop_changed"]


def test_a_cut_off_client_cannot_connect_again_with_the_same_cookie(room, app):
    room.admin_http.post(f"/admin/users/{room.facilitator.id}/active", data={"active": "0"})
    _cut_off(room)
    room.cockpit.connect(namespace=NS, auth={"workshop": room.workshop.id, "view": "staff"})
    assert not room.cockpit.is_connected(NS)
    # Enabled again, the account's old cookie still does not count: its sessions ended.
    room.admin_http.post(f"/admin/users/{room.facilitator.id}/active", data={"active": "1"})
    room.cockpit.connect(namespace=NS, auth={"workshop": room.workshop.id, "view": "staff"})
    assert not room.cockpit.is_connected(NS)
    fresh = login(app.test_client(), room.facilitator)
    assert connect(app, fresh, room.workshop, "staff").is_connected(NS)


def test_logging_out_on_another_device_cuts_off_the_cockpit(room, app):
    other_device = login(app.test_client(), room.facilitator)
    assert other_device.post("/logout").status_code == 302
    _cut_off(room)


def test_a_new_role_cuts_off_the_cockpit(room):
    response = room.admin_http.post(f"/admin/users/{room.facilitator.id}/role", data={"role": "coordinator"})
    assert response.status_code == 302
    _cut_off(room)


def test_a_new_password_cuts_off_every_cockpit_of_the_account(room, app):
    other_device = login(app.test_client(), room.facilitator)
    form = {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    assert other_device.post("/account", data=form).status_code == 302
    _cut_off(room)
    # The device that changed it stays logged in, and connects with its renewed session.
    assert connect(app, other_device, room.workshop, "staff").is_connected(NS)


def test_an_account_whose_sessions_end_while_its_socket_connects_is_refused(app, monkeypatch):
    """The administrator's request lands while the cockpit is in its connect handler, after
    its session was checked: it must not end up connected with a session that has ended."""
    fac = make_user()
    workshop = make_workshop(fac)
    laptop = login(app.test_client(), fac)
    snapshot = views.snapshot

    def meanwhile(actor):
        services.end_sessions(db.session.get(type(fac), fac.id))
        return snapshot(actor)

    monkeypatch.setattr(views, "snapshot", meanwhile)
    sock = socketio.test_client(
        app, namespace=NS, flask_test_client=laptop, auth={"workshop": workshop.id, "view": "staff"}
    )
    assert not sock.is_connected(NS)
    assert _names(sock) == ["session_ended"]  # told, and not sent the snapshot
    assert by_sid == {}  # nothing of it left in the process


@pytest.mark.parametrize("change", ["session_version", "active"])
def test_sessions_that_ended_unheard_are_cut_off_when_the_queue_listens_again(room, app, change):
    """With Redis away, an account's sessions ended through another process, and its word never
    came: once the message queue listens again, the process checks its cockpits itself."""
    user = db.session.get(User, room.facilitator.id)
    if change == "active":
        user.active = False
    else:
        user.session_version += 1
    db.session.commit()
    connections.end_stale(app)
    _cut_off(room)


def test_a_staff_command_from_an_ended_session_is_refused_even_if_the_disconnect_never_came(app):
    """With several processes the disconnect travels through Redis; should it be lost, the
    cockpit's next command is refused all the same, and the connection cut."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User
    from tests.conftest import NS, make_user, make_workshop, op, staff_socket

    user = make_user()
    workshop = make_workshop(user)
    cockpit = staff_socket(app, workshop, user)
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.commit()  # a new session version, without the disconnect that goes with it
    ack = cockpit.emit("set_phase", {"op_id": op(), "phase": "discuss"}, namespace=NS, callback=True)
    assert ack is None or (ack["ok"] is False and ack["code"] == "Forbidden")
    assert not cockpit.is_connected(NS)
    db.session.expire_all()
    assert db.session.get(type(workshop), workshop.id).phase == "propose"
