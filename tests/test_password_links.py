"""Accounts without a typed password: the administrator's invitation and reset links (one use,
72 hours, stored hashed, a clear word when they no longer work), mailed through a real SMTP
server when MAIL_SERVER is set, and what a reset does to sessions and API tokens."""

from __future__ import annotations

import email
import hashlib
import re
import sqlite3
from datetime import timedelta
from email import policy
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.api import tokens
from app.extensions import db
from app.models import ApiToken, PasswordLink, Role, User, utcnow
from tests.conftest import invitation_link, login, make_user
from tests.live import free_port

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def invite(admin_http, email="new@example.org", role="facilitator") -> str:
    """The administrator opens an account; the path of the invitation link shown."""
    page = admin_http.post("/admin/users", data={"name": "New Person", "email": email, "role": role})
    assert page.status_code == 200, page.text
    assert page.headers["Cache-Control"] == "no-store"
    return urlsplit(invitation_link(page.text)).path


def set_password(http, path: str, password=NEW, confirm=None):
    return http.post(path, data={"password": password, "confirm": confirm or password})


def can_log_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def api_status(app, token: str) -> int:
    return (
        app.test_client().get("/api/v1/workshops", headers={"Authorization": f"Bearer {token}"}).status_code
    )


@pytest.fixture
def admin_http(client):
    return login(client, make_user(Role.ADMIN, email="admin@example.org"))


def test_an_invited_person_sets_their_own_password_and_logs_in(app, admin_http):
    path = invite(admin_http)
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.invited and user.password_hash is None
    assert not can_log_in(app, "new@example.org", "")
    listing = admin_http.get("/admin/users").text
    assert "invited" in listing.split("new@example.org", 1)[1].split("</tr>", 1)[0]

    person = app.test_client()
    page = person.get(path)
    assert page.status_code == 200 and "new@example.org" in page.text
    done = set_password(person, path)
    assert done.status_code == 302
    assert done.headers["Location"] == "/login?email=new@example.org"
    assert can_log_in(app, "new@example.org", NEW)


def test_a_link_works_once_and_then_says_so(app, admin_http):
    path = invite(admin_http)
    assert set_password(app.test_client(), path).status_code == 302

    again = app.test_client().get(path)
    assert again.status_code == 409
    assert "already used" in again.text
    stolen = set_password(app.test_client(), path, password="the attacker's choice")
    assert stolen.status_code == 409
    assert can_log_in(app, "new@example.org", NEW)
    assert not can_log_in(app, "new@example.org", "the attacker's choice")


def test_a_link_expires_after_72_hours_and_says_when(app, admin_http):
    path = invite(admin_http)
    link = db.session.scalar(sa.select(PasswordLink))
    assert timedelta(hours=71, minutes=59) < link.expires_at - link.created_at <= timedelta(hours=72)
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    page = app.test_client().get(path)
    assert page.status_code == 409
    assert "expired on" in page.text and "72 hours" in page.text
    assert set_password(app.test_client(), path).status_code == 409
    assert db.session.get(User, link.user_id).invited


def test_an_unknown_link_says_it_is_not_valid(app, admin_http):
    path = invite(admin_http)
    page = app.test_client().get(path[:-3] + "xyz")
    assert page.status_code == 404
    assert "not valid" in page.text


def test_only_the_tokens_hash_is_stored(app, admin_http):
    path = invite(admin_http)
    token = path.rsplit("/", 1)[1]
    db_file = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(db_file) as conn:
        stored = conn.execute("select token_hash from password_links").fetchall()
        dump = "\n".join(conn.iterdump())
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token not in dump


def test_a_newer_link_or_disabling_the_account_ends_a_link(app, admin_http):
    first = invite(admin_http)
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    second_page = admin_http.post(f"/admin/users/{user.id}/link")
    second = urlsplit(invitation_link(second_page.text)).path
    assert "Invitation link" in second_page.text  # never used: an invitation again, not a reset

    replaced = app.test_client().get(first)
    assert replaced.status_code == 409 and "replaced" in replaced.text
    admin_http.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert app.test_client().get(second).status_code == 409
    assert set_password(app.test_client(), second).status_code == 409


def test_the_password_rule_holds_on_the_link_page_and_keeps_the_link(app, admin_http):
    path = invite(admin_http)
    person = app.test_client()
    short = set_password(person, path, password="short")
    assert short.status_code == 200
    assert "Use at least 10 characters" in short.text
    differ = set_password(person, path, password=NEW, confirm=NEW + "!")
    assert "The passwords differ." in differ.text
    assert set_password(person, path).status_code == 302  # the refusals did not use the link up


def test_a_reset_keeps_the_old_password_until_used_then_ends_sessions_and_revokes_tokens(app, admin_http):
    """Logging out and changing one's own password keep the account's API tokens (scripts are
    not browser sessions); a reset, the way a lost or stolen password is replaced, revokes them."""
    fac = make_user(Role.FACILITATOR, email="fac@example.org")
    token = tokens.create_token(fac, "nightly report")[1]
    login(app.test_client(), fac).post("/logout")
    own = login(app.test_client(), fac)
    own.post("/account", data={"current": PASSWORD, "password": PASSWORD + "!", "confirm": PASSWORD + "!"})
    assert api_status(app, token) == 200
    fac.set_password(PASSWORD)
    db.session.commit()
    fac_http = login(app.test_client(), fac)
    page = admin_http.post(f"/admin/users/{fac.id}/link")
    assert "Password reset link" in page.text
    path = urlsplit(invitation_link(page.text)).path
    assert can_log_in(app, "fac@example.org", PASSWORD)  # a reset asked by mistake locks nobody out
    assert api_status(app, token) == 200

    assert set_password(app.test_client(), path).status_code == 302
    assert not can_log_in(app, "fac@example.org", PASSWORD)
    assert can_log_in(app, "fac@example.org", NEW)
    assert fac_http.get("/workshops").status_code == 302  # the open session ended
    assert api_status(app, token) == 401
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None


def test_only_administrators_make_links(app):
    fac = make_user(Role.FACILITATOR)
    other = make_user(Role.FACILITATOR)
    http = login(app.test_client(), fac)
    assert http.post(f"/admin/users/{other.id}/link").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 0


def test_the_link_page_needs_its_csrf_token(app, admin_http):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        path = invite_with_csrf(admin_http)
        response = set_password(app.test_client(), path)
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(sa.select(User).where(User.email == "new@example.org")).invited


def invite_with_csrf(admin_http) -> str:
    page = admin_http.get("/admin/users").text
    csrf = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf, "name": "New Person", "email": "new@example.org", "role": "facilitator"}
    return urlsplit(invitation_link(admin_http.post("/admin/users", data=data).text)).path


# --- mail --------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd's handler: every mail the SMTP server accepted."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def no_smtp() -> int:
    """A port on 127.0.0.1 where no mail server listens."""
    return free_port()


@pytest.fixture
def app_config(request) -> dict:
    """The app of a test that asks for `smtp` (or `no_smtp`) mails through that port."""
    for name, port_of in (("smtp", lambda value: value[0]), ("no_smtp", lambda value: value)):
        if name in request.fixturenames:
            port = port_of(request.getfixturevalue(name))
            return {
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
                "MAIL_DEFAULT_SENDER": "Bridge <b@example.org>",
            }
    return {}


def test_with_a_mail_server_the_invitation_is_mailed_too(app, smtp, admin_http):
    _port, inbox = smtp
    path = invite(admin_http, email="mailed@example.org")
    assert len(inbox.mails) == 1
    mail = inbox.mails[0]
    assert mail["To"] == "mailed@example.org"
    assert mail["From"] == "Bridge <b@example.org>"
    body = mail.get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:5000{path}" in body
    assert "72 hours" in body
    mailed = re.search(r"http://127\.0\.0\.1:5000(/password/\S+)", body).group(1)
    assert set_password(app.test_client(), mailed).status_code == 302  # the mailed link works


def test_a_mail_server_that_is_away_is_said_and_the_link_still_shown(app, no_smtp, admin_http):
    page = admin_http.post(
        "/admin/users", data={"name": "N", "email": "n@example.org", "role": "facilitator"}
    )
    assert page.status_code == 200
    assert "could not be sent" in page.text
    assert "/password/" in invitation_link(page.text)
