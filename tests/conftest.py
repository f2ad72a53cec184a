"""Fixtures: an app on a freshly migrated SQLite database, clients, and builders."""

from __future__ import annotations

import html
import os
import re
import shutil
import time
from contextlib import contextmanager
from itertools import count

import pytest
import sqlalchemy as sa
from flask import current_app, g
from hypothesis import HealthCheck, settings

from app import create_app
from app.extensions import db, socketio
from app.models import Item, Participant, Role, Theme, User, Workshop
from tests.live import in_room

NS = "/live"
_seq = count(1)

# Property tests read no clock: an example may take as long as a shared machine needs, and
# generating them may be slow (tests/test_hypothesis.py checks every property test for both).
settings.register_profile("no-clock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no-clock")


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> str:
    """Run the real Alembic migrations once; each test gets a copy of the result."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
        db.engine.dispose()  # closing the last connection folds the WAL into the file
    return str(path)


UNLIMITED = {
    "COMMAND_BURST": 100_000,
    "COMMAND_RATE": 100_000,
    "CONTRIBUTION_LIMIT": "100000 per minute",
    "SNAPSHOT_INTERVAL": 0,
}


def _config(url: str, **extra) -> dict:
    return {
        "APP_ENV": "testing",
        "ASYNC_MODE": "threading",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        # Tests send commands faster than any person: the budgets are tested with their
        # defaults in tests/test_budgets.py.
        **UNLIMITED,
        **extra,
    } | ({"PUBLIC_URL": "http://127.0.0.1:5000"})


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(migrated_db, tmp_path, app_config):
    path = tmp_path / "test.sqlite"
    shutil.copy(migrated_db, path)
    app = create_app(_config(f"sqlite:///{path}", **app_config))
    _fresh_g_per_request(app)
    with app.app_context():
        yield app
        db.session.remove()


def _fresh_g_per_request(app) -> None:
    """Give every request and socket event an empty `g`, as in production.

    The test holds an app context open, and Flask reuses it for each request the
    test makes, so `g` would be shared: Flask-Login caches the user there, and one
    client would act as whoever logged in last.
    """
    make = app.request_context

    def request_context(environ):
        g.__dict__.clear()
        return make(environ)

    app.request_context = request_context


@pytest.fixture
def fast_passwords(monkeypatch):
    """One-round hashes for tests that are not about passwords: scrypt costs 0.1 s per login."""
    from werkzeug.security import generate_password_hash

    from app.models import workshop as models

    monkeypatch.setattr(
        models, "generate_password_hash", lambda p: generate_password_hash(p, method="pbkdf2:sha256:1")
    )


@pytest.fixture
def client(app):
    return app.test_client()


# --- builders ------------------------------------------------------------------------


def make_user(
    role: str = Role.FACILITATOR, email: str | None = None, password="correct horse battery"
) -> User:
    user = User(email=email or f"user{next(_seq)}@example.org", name="Test User", role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_workshop(user: User | None = None, phase: str = "propose", **settings) -> Workshop:
    """A workshop running every phase, already in `phase` (propose: items can be sent)."""
    from app.workshops.services import create_workshop

    user = user or make_user()
    defaults = {
        "title": "Going to Asia",
        "question": "Which markets first?",
        "cluster_id": 1,
        "language": "en",
        "anonymous": False,
    }
    workshop = create_workshop(user, **(defaults | settings))
    workshop.phase = phase
    db.session.commit()
    return workshop


def make_participant(workshop: Workshop, name: str = "Ada") -> Participant:
    """A participant record without a phone (for service tests)."""
    participant = Participant(workshop_id=workshop.id, display_name=name)
    db.session.add(participant)
    db.session.commit()
    return participant


def make_theme(workshop: Workshop, name: str = "Theme", color: str = "#1d4ed8") -> Theme:
    """A theme at the end of the workshop's board."""
    count_ = db.session.scalar(sa.select(sa.func.count(Theme.id)).where(Theme.workshop_id == workshop.id))
    theme = Theme(workshop_id=workshop.id, name=name, color=color, position=count_)
    db.session.add(theme)
    db.session.commit()
    return theme


def make_item(
    workshop: Workshop,
    participant_id: int | None = None,
    text: str = "An idea",
    *,
    kind: str = "idea",
    country: str | None = None,
    theme_id: int | None = None,
    state: str = "live",
) -> Item:
    """An item written straight to the database, at the end of its container (theme or unsorted)."""
    same_place = Item.theme_id.is_(None) if theme_id is None else Item.theme_id == theme_id
    count_ = db.session.scalar(
        sa.select(sa.func.count(Item.id)).where(
            Item.workshop_id == workshop.id, same_place, Item.state.in_(("live", "hidden"))
        )
    )
    item = Item(
        workshop_id=workshop.id,
        participant_id=participant_id,
        kind=kind,
        text=text,
        country=country,
        theme_id=theme_id,
        position=count_,
        state=state,
    )
    db.session.add(item)
    db.session.commit()
    return item


def set_phase(workshop_id: int, phase: str) -> None:
    """Move a workshop to a phase directly in the database (service tests; sockets use set_phase)."""
    db.session.get(Workshop, workshop_id).phase = phase
    db.session.commit()


def login(client, user: User, password="correct horse battery"):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.text
    return client


def invitation_link(page: str) -> str:
    """The invitation or reset link shown on the administrator's page (auth/link.html)."""
    match = re.search(r'<textarea id="link"[^>]*>([^<]+)</textarea>', page)
    assert match, page
    return html.unescape(match.group(1)).strip()


def join(app, workshop: Workshop, name="Ada", **fields):
    """A phone: an HTTP client that joined the workshop (its cookie now names the participant)."""
    http = app.test_client()
    response = http.post(
        f"/j/{workshop.join_code}",
        data={"display_name": name, "consent": "y", "cluster_id": "0", **fields},
    )
    assert in_room(response), response.text  # the form's answer is the room itself
    return http


def connect(app, http, workshop: Workshop, view: str = "participant"):
    """A socket for the HTTP client's session, with its initial snapshot already read."""
    sock = socketio.test_client(
        app, namespace=NS, flask_test_client=http, auth={"workshop": workshop.id, "view": view}
    )
    assert sock.is_connected(NS)
    return sock


def phone(app, workshop: Workshop, name="Ada"):
    return connect(app, join(app, workshop, name), workshop)


def staff_socket(app, workshop: Workshop, user: User, view="staff"):
    return connect(app, login(app.test_client(), user), workshop, view)


def op() -> str:
    return f"op-{next(_seq):08d}-test"


def received(sock) -> list[dict]:
    """What the socket got since the last look, as its screen applies it: the changes waiting
    for their beat sent first, and each beat's `changed` unpacked into its changes, in order
    (a bare version, a change this screen may not see, as the event None)."""
    pump = current_app.extensions.get("change_pump")
    if pump is not None:
        pump.flush()
    got = []
    for e in sock.get_received(NS):
        if e["name"] == "changed":
            got += [
                {"name": name, "args": [payload], "namespace": NS}
                for name, payload in e["args"][0]["changes"]
            ]
        else:
            got.append(e)
    return got


def events(sock, name: str) -> list[dict]:
    return [e["args"][0] for e in received(sock) if e["name"] == name]


def require_tool(path: str, what: str) -> None:
    """In CI a missing tool fails the test; on a developer's machine it skips."""
    if shutil.which(path) or os.path.exists(path):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} ({path}) is missing; .ci/run must install it")
    pytest.skip(f"{what} ({path}) is not installed")


@pytest.fixture
def live_server(tmp_path):
    """The app as a subprocess on 127.0.0.1 (gevent, like `make run`)."""
    from tests import live

    with live.start(tmp_path) as server:
        yield server


@contextmanager
def statements():
    """The SQL statements run meanwhile, each as its verb and first table: "SELECT workshops"."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement)
        seen.append(f"{statement.split()[0]} {table[1] if table else ''}".strip())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def wait_for(what: str, check, timeout: float = 15):
    """Poll until check() is truthy and return it; the bound only stops a broken run, it measures nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")
