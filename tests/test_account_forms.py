"""The account forms: the password rule stated before anyone types, a second field to repeat
it, what was typed kept when another field is wrong, and email addresses refused with the
reason (reserved test domains accepted in development and testing only)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.auth import emails
from app.extensions import db
from app.models import Role, User
from tests.conftest import login, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"
RULE = "At least 10 characters."


def value_of(page: str, name: str) -> str:
    """The value an <input name=...> is rendered with ("" when none)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else ""


def test_the_rule_is_beside_each_new_password_field_before_anyone_types(client, app):
    page = client.get("/setup").text
    assert RULE in page
    help_id = re.search(r'<small class="help" id="([^"]+)">At least 10', page).group(1)
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert f'aria-describedby="{help_id}"' in password_input
    assert 'name="confirm"' in page  # a second field to repeat it

    http = login(app.test_client(), make_user(email="fac@example.org"))
    account = http.get("/account").text
    assert RULE in account and 'name="confirm"' in account


def test_setup_keeps_the_passwords_when_the_email_is_wrong(client):
    page = client.post(
        "/setup", data={"name": "Root", "email": "root@", "password": PASSWORD, "confirm": PASSWORD}
    ).text
    assert "Something is missing after the @." in page
    assert value_of(page, "password") == PASSWORD
    assert value_of(page, "confirm") == PASSWORD
    assert value_of(page, "name") == "Root" and value_of(page, "email") == "root@"


def test_passwords_that_differ_are_both_emptied_and_the_rest_kept(client):
    page = client.post(
        "/setup",
        data={"name": "Root", "email": "root@example.org", "password": PASSWORD, "confirm": "other one!"},
    ).text
    assert "The passwords differ." in page
    assert value_of(page, "password") == "" and value_of(page, "confirm") == ""
    assert value_of(page, "email") == "root@example.org"
    short = client.post(
        "/setup", data={"name": "Root", "email": "root@example.org", "password": "short", "confirm": "short"}
    ).text
    assert "Use at least 10 characters" in short
    assert value_of(short, "password") == "" and value_of(short, "confirm") == ""
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_a_wrong_current_password_keeps_the_new_one(app):
    http = login(app.test_client(), make_user(email="fac@example.org"))
    new = "a brand new passphrase"
    page = http.post("/account", data={"current": "not it at all", "password": new, "confirm": new}).text
    assert "That is not your current password." in page
    assert value_of(page, "current") == ""
    assert value_of(page, "password") == new and value_of(page, "confirm") == new


def test_a_reserved_test_domain_is_accepted_in_development(client):
    response = client.post(
        "/setup",
        data={"name": "Admin", "email": "admin@example.test", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User.email)) == "admin@example.test"


def test_a_reserved_test_domain_is_refused_in_production_saying_why(app):
    app.config["APP_ENV"] = "production"
    assert emails.problem("admin@example.test") == (
        "example.test is reserved for tests and local networks: it gets no mail."
    )
    app.config["APP_ENV"] = "development"
    assert emails.problem("admin@example.test") is None


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("", "Enter an email address."),
        ("ada example.org", "An email address has no spaces."),
        ("ada.example.org", "An email address needs an @"),
        ("ada@home@example.org", "An email address has one @ only."),
        ("@example.org", "Something is missing before the @."),
        ("ada@", "Something is missing after the @."),
        ("ada@example", "The part after the @ needs a dot"),
        ("ada@example..org", "A dot is in the wrong place."),
        ("ada@printer.local", "printer.local is reserved for tests and local networks"),
        ("ad(a)@example.org", "This is not a valid email address"),
        ("a" * 250 + "@example.org", "This address is too long."),
    ],
)
def test_what_is_wrong_with_an_address_is_said(app, address, says):
    assert emails.problem(address).startswith(says)


def test_the_administrator_is_told_what_is_wrong_with_a_new_accounts_address(app):
    http = login(app.test_client(), make_user(Role.ADMIN))
    page = http.post("/admin/users", data={"name": "N", "email": "n.example.org", "role": "facilitator"}).text
    assert "An email address needs an @, as in name@example.org." in page
    assert value_of(page, "name") == "N"


def test_the_shell_command_checks_the_address_too(app):
    args = ["users", "create", "--email", "root@", "--name", "Root", "--password", PASSWORD]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "Something is missing after the @." in result.output
