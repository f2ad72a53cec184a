"""Accounts over HTTP: first run, login, roles, CSRF, cookies, the production secret."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import SettingError
from app.extensions import db
from app.models import PasswordLink, Role, User
from tests.conftest import _config, invitation_link, login, make_user
from tests.live import page_token

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"


def _users() -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [(u.email, u.role, u.active) for u in db.session.scalars(sa.select(User).order_by(User.id))]


def _setup_form(**fields) -> dict:
    return {
        "name": "Root",
        "email": "root@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **fields,
    }


# --- first run -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/workshops", "/admin/users", "/j/ABCDEF"])
def test_every_page_leads_to_setup_while_no_account_exists(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/setup"


def test_setup_creates_an_administrator_and_logs_in(client):
    page = client.get("/setup")
    assert page.status_code == 200
    assert "Create the administrator" in page.text

    response = client.post("/setup", data=_setup_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/workshops"
    assert _users() == [("root@example.org", Role.ADMIN, True)]
    # Logged in: the admin-only page opens without another login.
    assert client.get("/admin/users").status_code == 200


def test_setup_refuses_differing_passwords_and_stores_nothing(client):
    response = client.post("/setup", data=_setup_form(confirm=PASSWORD + "x"))
    assert response.status_code == 200
    assert "The passwords differ." in response.text
    assert _users() == []


def test_setup_refuses_a_short_password(client):
    response = client.post("/setup", data=_setup_form(password="short", confirm="short"))
    assert response.status_code == 200
    assert re.search(r'class="error" role="alert">[^<]*\b10\b', response.text)
    assert _users() == []


def test_setup_is_closed_once_an_account_exists(client):
    make_user(Role.FACILITATOR, email="fac@example.org")
    response = client.get("/setup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    response = client.post("/setup", data=_setup_form(email="intruder@example.org"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert [u[0] for u in _users()] == ["fac@example.org"]
    # And the other pages no longer lead to it.
    assert client.get("/").status_code == 200


# --- login and logout ------------------------------------------------------------------


def test_login_then_logout(client):
    user = make_user(email="fac@example.org")
    assert client.get("/workshops").status_code == 302

    response = client.post("/login", data={"email": "FAC@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/workshops"
    assert client.get("/workshops").status_code == 200

    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    response = client.get("/workshops")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert user.active


def test_logout_does_not_work_by_get(client):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/workshops").status_code == 200


def test_wrong_password_says_so_and_does_not_log_in(client):
    make_user(email="fac@example.org")
    response = client.post("/login", data={"email": "fac@example.org", "password": "not the password"})
    assert response.status_code == 200
    assert "Wrong email or password" in response.text
    assert client.get("/workshops").status_code == 302


def test_unknown_email_gets_the_same_message(client):
    make_user(email="fac@example.org")
    response = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    assert "Wrong email or password" in response.text


def test_disabled_account_cannot_log_in(client):
    user = make_user(email="fac@example.org")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": "fac@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "disabled" in response.text
    assert client.get("/workshops").status_code == 302


def test_disabling_an_account_ends_its_open_session(client, app):
    admin = make_user(Role.ADMIN)
    fac = make_user(Role.FACILITATOR)
    fac_client = login(app.test_client(), fac)
    assert fac_client.get("/workshops").status_code == 200

    login(client, admin)
    client.post(f"/admin/users/{fac.id}/active", data={"active": "0"})
    assert fac_client.get("/workshops").status_code == 302


def _copy(client, app):
    """Another browser holding a copy of this one's session cookie."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def test_a_session_cookie_copied_before_logout_stops_working(client, app):
    login(client, make_user(email="fac@example.org"))
    copy = _copy(client, app)
    assert copy.get("/workshops").status_code == 200

    client.post("/logout")
    assert copy.get("/workshops").status_code == 302
    assert copy.get("/workshops").headers["Location"].startswith("/login")


def test_logging_out_ends_the_sessions_on_every_device(client, app):
    fac = make_user(email="fac@example.org")
    laptop = login(app.test_client(), fac)
    login(client, fac)
    client.post("/logout")
    assert laptop.get("/workshops").status_code == 302
    login(laptop, fac)  # and logging in again works
    assert laptop.get("/workshops").status_code == 200


def test_an_account_disabled_then_enabled_again_does_not_revive_its_old_sessions(client, app):
    login(client, make_user(Role.ADMIN))
    fac = make_user(email="fac@example.org")
    fac_client = login(app.test_client(), fac)
    client.post(f"/admin/users/{fac.id}/active", data={"active": "0"})
    client.post(f"/admin/users/{fac.id}/active", data={"active": "1"})
    assert fac_client.get("/workshops").status_code == 302
    login(fac_client, fac)
    assert fac_client.get("/workshops").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "http:evil.example.com",
        "javascript:alert(1)",
        "evil.example.com",
        "/\\evil.example.com",
        "/\t/evil.example.com",
        "/\n/evil.example.com",
    ],
)
def test_login_never_redirects_off_site(client, target):
    make_user(email="fac@example.org")
    response = client.post(
        "/login", query_string={"next": target}, data={"email": "fac@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/workshops"


def test_login_follows_a_same_site_next(client):
    make_user(email="fac@example.org")
    response = client.post(
        "/login",
        query_string={"next": "/workshops/new"},
        data={"email": "fac@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/workshops/new"


def test_login_is_rate_limited(client):
    make_user(email="fac@example.org")
    codes = [
        client.post("/login", data={"email": "fac@example.org", "password": "guess number one"}).status_code
        for _ in range(11)
    ]
    assert codes == [200] * 10 + [429]


# --- roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COORDINATOR])
def test_only_administrators_open_the_accounts_page(client, role):
    login(client, make_user(role))
    assert client.get("/admin/users").status_code == 403
    response = client.post(
        "/admin/users",
        data={"name": "X", "email": "x@example.org", "role": "admin"},
    )
    assert response.status_code == 403
    assert "x@example.org" not in [u[0] for u in _users()]


def test_non_admin_cannot_disable_accounts(client):
    fac = make_user(Role.FACILITATOR)
    other = make_user(Role.FACILITATOR)
    login(client, fac)
    assert client.post(f"/admin/users/{other.id}/active", data={"active": "0"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, other.id).active


def test_anonymous_visitor_is_sent_to_login_for_admin_pages(client):
    make_user()
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COORDINATOR])
def test_admin_creates_accounts_that_can_log_in(client, app, role):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/users", data={"name": "New", "email": "new@example.org", "role": role})
    assert response.status_code == 200
    assert ("new@example.org", role, True) in _users()
    listing = client.get("/admin/users").text
    assert "new@example.org" in listing

    other = app.test_client()
    path = urlsplit(invitation_link(response.text)).path
    other.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    other.post("/login", data={"email": "new@example.org", "password": PASSWORD})
    assert other.get("/workshops", follow_redirects=True).status_code == 200  # coordinators: /coordinate


def test_admin_create_with_a_taken_email_shows_the_error(client):
    login(client, make_user(Role.ADMIN))
    make_user(email="taken@example.org")
    response = client.post(
        "/admin/users", data={"name": "New", "email": "taken@example.org", "role": "facilitator"}
    )
    assert response.status_code == 200
    assert "exists already" in response.text
    assert [u[0] for u in _users()].count("taken@example.org") == 1


def test_admin_create_refuses_an_unknown_role(client):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/users", data={"name": "N", "email": "n@example.org", "role": "root"})
    assert response.status_code == 200
    assert "n@example.org" not in [u[0] for u in _users()]


def test_admin_disables_and_enables_an_account(client, app):
    login(client, make_user(Role.ADMIN))
    fac = make_user(Role.FACILITATOR, email="fac@example.org")

    response = client.post(f"/admin/users/{fac.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert ("fac@example.org", Role.FACILITATOR, False) in _users()
    assert "fac@example.org is now disabled." in client.get("/admin/users").text
    refused = app.test_client().post("/login", data={"email": "fac@example.org", "password": PASSWORD})
    assert "Wrong email or password" in refused.text

    client.post(f"/admin/users/{fac.id}/active", data={"active": "1"})
    assert ("fac@example.org", Role.FACILITATOR, True) in _users()
    login(app.test_client(), fac)


def test_admin_cannot_disable_themself(client):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 400
    assert "cannot disable your own account" in response.text
    assert _users()[0][2] is True
    assert client.get("/admin/users").status_code == 200


def test_disable_a_missing_account_is_404(client):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    assert client.post(f"/admin/users/{admin.id + 99}/active", data={"active": "0"}).status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_admin_changes_a_role_and_the_account_logs_in_again_under_it(client, app, role):
    login(client, make_user(Role.ADMIN))
    fac = make_user(Role.FACILITATOR, email="fac@example.org")
    fac_client = login(app.test_client(), fac)

    response = client.post(f"/admin/users/{fac.id}/role", data={"role": role})
    assert response.status_code == 302
    assert ("fac@example.org", role, True) in _users()
    assert "was logged out everywhere" in client.get("/admin/users").text
    assert fac_client.get("/workshops").status_code == 302  # its session ended
    login(fac_client, fac)
    assert ("Accounts" in fac_client.get("/account").text) is (role == Role.ADMIN)


def test_the_same_role_again_changes_nothing_and_ends_no_session(client, app):
    login(client, make_user(Role.ADMIN))
    fac = make_user(Role.FACILITATOR, email="fac@example.org")
    fac_client = login(app.test_client(), fac)
    client.post(f"/admin/users/{fac.id}/role", data={"role": "facilitator"})
    assert "already has the role" in client.get("/admin/users").text
    assert fac_client.get("/workshops").status_code == 200


def test_non_admin_cannot_change_roles(client):
    fac = make_user(Role.FACILITATOR)
    login(client, fac)
    assert client.post(f"/admin/users/{fac.id}/role", data={"role": "admin"}).status_code == 403
    assert _users()[0][1] == Role.FACILITATOR


def test_an_unknown_role_is_refused(client):
    login(client, make_user(Role.ADMIN))
    fac = make_user(Role.FACILITATOR)
    assert client.post(f"/admin/users/{fac.id}/role", data={"role": "root"}).status_code == 400
    assert _users()[1][1] == Role.FACILITATOR


def test_the_last_administrator_cannot_demote_themself(client):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "facilitator"})
    assert response.status_code == 400
    assert "last administrator" in response.text
    assert _users()[0][1] == Role.ADMIN
    assert client.get("/admin/users").status_code == 200  # still logged in


def test_an_administrator_may_step_down_while_another_remains(client):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)
    login(client, admin)
    assert client.post(f"/admin/users/{admin.id}/role", data={"role": "facilitator"}).status_code == 302
    assert _users()[0][1] == Role.FACILITATOR
    assert client.get("/admin/users").status_code == 302  # logged out, as a role change does


def test_a_disabled_administrator_does_not_count_as_the_one_remaining(client):
    admin = make_user(Role.ADMIN)
    other = make_user(Role.ADMIN)
    login(client, admin)
    client.post(f"/admin/users/{other.id}/active", data={"active": "0"})
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "coordinator"})
    assert response.status_code == 400
    assert _users()[0][1] == Role.ADMIN


def test_the_accounts_page_offers_each_account_a_role_form(client):
    login(client, make_user(Role.ADMIN))
    fac = make_user(Role.FACILITATOR, email="fac@example.org")
    page = client.get("/admin/users").text
    form = page.split(f'action="/admin/users/{fac.id}/role"', 1)[1].split("</form>", 1)[0]
    assert "data-confirm" in page.split(f'action="/admin/users/{fac.id}/role"', 1)[1][:300]
    assert '<option value="facilitator" selected>' in form


# --- your account ----------------------------------------------------------------------


def _change(client, current=PASSWORD, new="a brand new passphrase", confirm=None):
    data = {"current": current, "password": new, "confirm": new if confirm is None else confirm}
    return client.post("/account", data=data)


def test_every_user_finds_their_account_page_in_the_header(client):
    login(client, make_user(Role.COORDINATOR, email="coord@example.org"))
    page = client.get("/account")
    assert page.status_code == 200
    assert "coord@example.org" in page.text and "Coordinator" in page.text
    assert 'href="/account"' in client.get("/account").text


def test_a_new_password_keeps_this_browser_and_ends_every_other_session(client, app):
    fac = make_user(email="fac@example.org")
    laptop = login(app.test_client(), fac)
    login(client, fac)

    response = _change(client)
    assert response.status_code == 302
    assert client.get("/workshops").status_code == 200
    assert laptop.get("/workshops").status_code == 302
    refused = app.test_client().post("/login", data={"email": "fac@example.org", "password": PASSWORD})
    assert "Wrong email or password" in refused.text
    login(app.test_client(), fac, password="a brand new passphrase")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": "not my password"}, "not your current password"),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"new": "short", "confirm": "short"}, "10"),
    ],
)
def test_a_refused_password_change_changes_nothing(client, app, fields, message):
    fac = make_user(email="fac@example.org")
    laptop = login(app.test_client(), fac)
    login(client, fac)
    response = _change(client, **fields)
    assert response.status_code == 200
    assert message in response.text
    assert laptop.get("/workshops").status_code == 200
    login(app.test_client(), fac)  # the old password still works


def test_the_account_page_needs_a_login(client):
    make_user()
    assert client.get("/account").headers["Location"].startswith("/login")


# --- cookies and secrets ---------------------------------------------------------------


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    make_user(email="fac@example.org")
    response = client.post("/login", data={"email": "fac@example.org", "password": PASSWORD})
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development: a Secure cookie would never come back


def test_session_cookie_is_secure_behind_https(migrated_db, tmp_path):
    path = tmp_path / "https.sqlite"
    shutil.copy(migrated_db, path)
    app = create_app(_config(f"sqlite:///{path}") | {"PUBLIC_URL": "https://codesign.example.org"})
    with app.app_context():
        make_user(email="fac@example.org")
        response = app.test_client().post(
            "/login",
            data={"email": "fac@example.org", "password": PASSWORD},
            base_url="https://codesign.example.org",
        )
        db.session.remove()
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SettingError, match="SECRET_KEY"):
        create_app({"ASYNC_MODE": "threading", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_production_starts_with_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    app = create_app({"ASYNC_MODE": "threading", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SECRET_KEY"] == "a-long-random-production-secret"


# --- CSRF ------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_setup_without_token_is_refused(self, client):
        response = client.post("/setup", data=_setup_form())
        assert response.status_code == 400
        assert _users() == []

    def test_login_without_token_is_refused(self, client):
        make_user(email="fac@example.org")
        response = client.post("/login", data={"email": "fac@example.org", "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/workshops").status_code == 302

    def test_admin_post_without_token_writes_nothing(self, client):
        admin = make_user(Role.ADMIN, email="admin@example.org")
        fac = make_user(Role.FACILITATOR)
        token = page_token(client.get("/login").text)
        response = client.post(
            "/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302  # with the token, the same post works

        new = {"name": "N", "email": "n@example.org", "role": "admin"}
        assert client.post("/admin/users", data=new).status_code == 400
        assert client.post(f"/admin/users/{fac.id}/active", data={"active": "0"}).status_code == 400
        assert client.post(f"/admin/users/{fac.id}/link").status_code == 400
        assert client.post("/logout").status_code == 400
        assert client.post(f"/admin/users/{fac.id}/role", data={"role": "admin"}).status_code == 400
        assert client.post("/account", data={"current": PASSWORD, "password": "x" * 12}).status_code == 400
        assert _users() == [(admin.email, Role.ADMIN, True), (fac.email, Role.FACILITATOR, True)]

        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 0

        token = page_token(client.get("/admin/users").text)
        created = client.post("/admin/users", data=new | {"csrf_token": token})
        assert created.status_code == 200 and "/password/" in created.text  # the invitation link
        assert ("n@example.org", Role.ADMIN, True) in _users()

    def test_a_token_from_another_session_is_refused(self, client, app):
        make_user(email="fac@example.org")
        stolen = page_token(app.test_client().get("/login").text)
        response = client.post(
            "/login", data={"email": "fac@example.org", "password": PASSWORD, "csrf_token": stolen}
        )
        assert response.status_code == 400
