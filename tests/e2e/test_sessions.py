"""A session that ends, ends on every screen of its account (docs/protocol.md, "When an account's
sessions end"): the facilitator logs out on their phone, and the cockpit and projector still open
on the laptop go to the login page, which brings them back to where they were."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import CONN, create_workshop, log_in

pytestmark = pytest.mark.e2e


def test_logging_out_elsewhere_takes_the_open_cockpit_and_projector_to_the_login(screens, live_server, shot):
    email = live_server.create_user("fac@example.org")
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, email)
    workshop_id, _code = create_workshop(cockpit, "Ends everywhere")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")

    other = screens.phone("facilitator's phone").new_page()
    log_in(other, email)
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url("**/login")

    for page in (cockpit, projector):
        page.wait_for_url(re.compile(r"/login\?next="))
    shot(cockpit, "sent-to-login")
    # The login brings the cockpit back to its workshop.
    cockpit.get_by_label("Email").fill(email)
    cockpit.get_by_label("Password").fill(live.PASSWORD)
    cockpit.get_by_role("button", name="Log in").click()
    cockpit.wait_for_url(f"**/workshops/{workshop_id}")
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    assert screens.errors == []
