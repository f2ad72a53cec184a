"""Account use cases and the `flask users` command, in an app context."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from werkzeug import security

from app.auth import services
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Role, User
from tests.conftest import make_user

PASSWORD = "correct horse battery"


def _raw_rows(app, sql: str) -> list[tuple]:
    """Read the database file itself, past the ORM and its session."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_password_is_stored_hashed_never_plain(app):
    user = services.create_user("Ada@Example.org ", "Ada", PASSWORD, Role.FACILITATOR)

    rows = _raw_rows(app, "select email, password_hash from users")
    assert rows == [("ada@example.org", user.password_hash)]
    stored = rows[0][1]
    assert PASSWORD not in stored
    assert stored.split(":", 1)[0] in ("scrypt", "pbkdf2")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "!")


def test_same_password_gives_different_hashes(app):
    a = services.create_user("a@example.org", "A", PASSWORD, Role.FACILITATOR)
    b = services.create_user("b@example.org", "B", PASSWORD, Role.FACILITATOR)
    assert a.password_hash != b.password_hash  # salted


@pytest.mark.parametrize("password", ["", "short", "123456789"])
def test_short_password_is_refused_and_nothing_stored(app, password):
    with pytest.raises(Invalid) as e:
        services.create_user("a@example.org", "A", password, Role.FACILITATOR)
    assert e.value.field == "password"
    assert "10 characters" in e.value.message
    assert not services.any_user()


def test_email_is_unique_whatever_its_case(app):
    services.create_user("ada@example.org", "Ada", PASSWORD, Role.FACILITATOR)
    with pytest.raises(Invalid) as e:
        services.create_user(" ADA@example.org", "Other Ada", PASSWORD, Role.ADMIN)
    assert e.value.field == "email"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_unknown_role_is_refused(app):
    with pytest.raises(Invalid) as e:
        services.create_user("a@example.org", "A", PASSWORD, "superuser")
    assert e.value.field == "role"
    assert not services.any_user()


def test_first_admin_only_while_no_account_exists(app):
    admin = services.create_first_admin("root@example.org", "Root", PASSWORD)
    assert admin.role == Role.ADMIN
    with pytest.raises(Invalid):
        services.create_first_admin("second@example.org", "Second", PASSWORD)
    assert [u.email for u in services.list_users()] == ["root@example.org"]


def test_authenticate_checks_password_case_of_email_and_active_flag(app):
    user = make_user(email="fac@example.org")
    assert services.authenticate(" FAC@example.org ", PASSWORD) == user
    assert services.authenticate("fac@example.org", "wrong password!") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None

    user.active = False
    db.session.commit()
    assert services.authenticate("fac@example.org", PASSWORD) is None


def test_every_login_attempt_checks_one_password_hash(app, monkeypatch):
    """An unknown email, a disabled account, a wrong and a right password: each attempt checks
    one hash made the same way, so none is answered sooner (which told who has an account)."""
    make_user(email="on@example.org")
    off = make_user(email="off@example.org")
    off.active = False
    db.session.commit()
    services.authenticate("warm@example.org", PASSWORD)  # the stand-in hash is made once
    checked: list[str] = []
    real = security._hash_internal  # what check_password_hash runs, however it is reached

    def spy(method: str, salt: str, password: str):
        checked.append(method)
        return real(method, salt, password)

    monkeypatch.setattr(security, "_hash_internal", spy)
    attempts = {
        "unknown": ("nobody@example.org", PASSWORD),
        "disabled": ("off@example.org", PASSWORD),
        "wrong": ("on@example.org", PASSWORD + "!"),
        "right": ("on@example.org", PASSWORD),
    }
    methods = {}
    for case, (email, password) in attempts.items():
        checked.clear()
        services.authenticate(email, password)
        assert len(checked) == 1, case
        methods[case] = checked[0]
    assert len(set(methods.values())) == 1, methods  # the same method and cost for all


def test_admin_disables_and_enables_an_account(app):
    admin = make_user(Role.ADMIN)
    fac = make_user(Role.FACILITATOR)

    services.set_active(admin, fac.id, False)
    db.session.expire_all()
    assert db.session.get(User, fac.id).active is False
    assert services.authenticate(fac.email, PASSWORD) is None

    services.set_active(admin, fac.id, True)
    assert services.authenticate(fac.email, PASSWORD) == fac


def test_admin_cannot_disable_themself(app):
    admin = make_user(Role.ADMIN)
    with pytest.raises(Invalid):
        services.set_active(admin, admin.id, False)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_set_active_on_a_missing_account(app):
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotFound):
        services.set_active(admin, admin.id + 999, False)


# --- `flask users create` --------------------------------------------------------------


def _cli(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=["users", "create", *args], input=input)


def test_cli_creates_an_administrator_by_default(app):
    result = _cli(app, "--email", "root@example.org", "--name", "Root", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created admin account root@example.org" in result.output
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "root@example.org"))
    assert user.role == Role.ADMIN and user.check_password(PASSWORD)


def test_cli_creates_a_facilitator_with_prompts(app):
    result = _cli(app, "--role", "facilitator", input=f"fac@example.org\nFac\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "fac@example.org"))
    assert user.role == Role.FACILITATOR and user.name == "Fac"


def test_cli_short_password_gives_a_clear_error(app):
    result = _cli(app, "--email", "root@example.org", "--name", "Root", "--password", "short")
    assert result.exit_code == 1
    assert "Error: Use at least 10 characters for the password." in result.output
    assert "Traceback" not in result.output
    assert not services.any_user()


def test_cli_duplicate_email_gives_a_clear_error(app):
    make_user(email="root@example.org")
    result = _cli(app, "--email", "root@example.org", "--name", "Root", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "exists already" in result.output


def test_cli_refuses_an_unknown_role(app):
    result = _cli(app, "--email", "x@example.org", "--name", "X", "--role", "god", "--password", PASSWORD)
    assert result.exit_code == 2
    assert not services.any_user()


def test_ending_sessions_makes_every_token_given_out_before_stale(app):
    from app.auth.routes import load_user

    user = services.create_user("ada@example.org", "Ada", PASSWORD, Role.FACILITATOR)
    before = user.get_id()
    assert load_user(before) is user
    services.end_sessions(user)
    assert load_user(before) is None
    assert load_user(user.get_id()) is user
    assert load_user(str(user.id)) is None  # a session from before versions: log in again
