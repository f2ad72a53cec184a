"""An account without a typed password: the administrator creates it and copies its invitation
link; the person opens the link in their own browser, reads the password rule, chooses a
password (repeated), and logs in with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, log_in

pytestmark = pytest.mark.e2e

NEW = "tulips in the harbour"


def test_an_invited_facilitator_sets_their_password_and_logs_in(screens, live_server, shot):
    admin_email = live_server.create_user("admin@example.org", "admin")
    admin = screens.new(LAPTOP, "administrator").new_page()
    log_in(admin, admin_email)
    admin.get_by_role("link", name="Accounts").click()
    admin.wait_for_url("**/admin/users")
    form = admin.locator("form", has=admin.get_by_role("button", name="Create the account"))
    form.get_by_label("Name").fill("Maria Rossi")
    form.get_by_label("Email").fill("maria@example.org")
    form.get_by_label("Role").select_option(label="Facilitator")
    shot(admin, "new-account")
    form.get_by_role("button", name="Create the account").click()
    expect(admin.get_by_role("heading", name="Invitation link for maria@example.org")).to_be_visible()
    link = admin.get_by_label("Link").input_value().strip()
    assert re.fullmatch(re.escape(live_server.url) + r"/password/[A-Za-z0-9_-]{43}", link), link
    admin.get_by_role("button", name="Copy the link").click()
    expect(admin.get_by_role("button", name="Copied")).to_be_visible()
    shot(admin, "invitation-link")
    admin.get_by_role("link", name="Done").click()
    row = admin.locator("tr", has_text="maria@example.org")
    expect(row.locator("[data-status]")).to_have_text("invited")

    person = screens.new(LAPTOP, "invited person").new_page()
    person.goto(link)
    expect(person.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(person.get_by_text("At least 10 characters.")).to_be_visible()  # before typing anything
    person.get_by_label("New password", exact=True).fill(NEW)
    person.get_by_label("Repeat the new password").fill(NEW + "!")
    person.get_by_role("button", name="Set the password").click()
    expect(person.get_by_text("The passwords differ.")).to_be_visible()
    shot(person, "passwords-differ")
    person.get_by_label("New password", exact=True).fill(NEW)
    person.get_by_label("Repeat the new password").fill(NEW)
    shot(person, "choose-password")
    person.get_by_role("button", name="Set the password").click()

    person.wait_for_url(re.compile(r"/login\?email="))
    expect(person.get_by_text("Your password is set.")).to_be_visible()
    expect(person.get_by_label("Email")).to_have_value("maria@example.org")
    person.get_by_label("Password").fill(NEW)
    shot(person, "log-in")
    person.get_by_role("button", name="Log in").click()
    person.wait_for_url("**/workshops")
    expect(person.get_by_role("heading", name="Your workshops")).to_be_visible()
    shot(person, "logged-in")

    person.goto(link)  # the link worked once
    expect(person.get_by_text("already used")).to_be_visible()
    shot(person, "link-used")
    admin.reload()
    expect(admin.locator("tr", has_text="maria@example.org").locator("[data-status]")).to_have_text("active")
    admin.get_by_role("link", name="Audit log").click()
    expect(admin.locator("tr[data-action='account.created']").first).to_contain_text("maria@example.org")
    expect(admin.locator("tr[data-action='account.password_set']")).to_contain_text("maria@example.org")
    expect(admin.locator("tr[data-action='account.created']").first).to_contain_text("role: Facilitator")
    shot(admin, "audit-log")
    assert screens.errors == []
