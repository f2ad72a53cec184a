"""The projector speaks the workshop's language, whichever browser opens it, and so do the
criteria a scoring round starts with; a key and a hint put the projector in full screen (issue 16:
an Italian workshop's projector said "Thank you for taking part!" in English)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, log_in, set_phase

pytestmark = pytest.mark.e2e


def test_an_italian_workshops_projector_and_criteria_are_italian(screens, live_server, shot):
    laptop = screens.laptop("cockpit")  # an English browser
    cockpit = laptop.new_page()
    log_in(cockpit, live_server.create_user("lingua@example.org", "facilitator"))
    cockpit.get_by_role("link", name="New workshop").click()
    cockpit.get_by_label("Title").fill("Mercati")
    cockpit.get_by_label("Language").select_option("it")
    cockpit.get_by_label("Host cluster").select_option(label="Cluster ICT")  # no cluster is chosen for you
    cockpit.get_by_role("button", name="Create workshop").click()
    cockpit.wait_for_url(re.compile(r"/workshops/\d+$"))
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    workshop_id = int(cockpit.url.rsplit("/", 1)[1])
    # The cockpit stays in its browser's English.
    expect(cockpit.locator("[data-phases] [aria-current=step]")).to_have_text("Welcome")

    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    expect(projector.locator("html")).to_have_attribute("lang", "it")
    expect(projector.locator("[data-phase-name]")).to_have_text("Benvenuti")
    expect(projector.locator("[data-fullscreen-hint]")).to_be_visible()

    # F: full screen, and its hint goes; F again: back.
    projector.keyboard.press("f")
    projector.wait_for_function("document.fullscreenElement === document.documentElement")
    expect(projector.locator("[data-fullscreen-hint]")).to_be_hidden()
    projector.keyboard.press("f")
    projector.wait_for_function("document.fullscreenElement === null")
    expect(projector.locator("[data-fullscreen-hint]")).to_be_visible()

    set_phase(cockpit, "Vote")
    expect(projector.locator("[data-message]")).to_have_text("Qui si aprirà la votazione")
    form = cockpit.locator("[data-round-form]")
    form.get_by_label("Scoring of markets").check()
    names = form.locator("[data-criterion-name]")
    expect(names).to_have_count(3)
    assert [names.nth(i).input_value() for i in range(3)] == [
        "Potenziale di mercato",
        "Opportunità di finanziamento",
        "Conoscenze e competenze in IA e blockchain",
    ]
    shot(projector, "projector-italian")

    set_phase(cockpit, "Closed")
    expect(projector.locator("[data-message]")).to_have_text("Grazie per aver partecipato!")
    assert screens.errors == []
