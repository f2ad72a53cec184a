"""Target markets in real browsers: a phone finds a country by its name in any of the app's
languages, or its code, and every screen names it in its reader's language (issue 16)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, create_workshop, db_items, items_with, join, log_in

pytestmark = pytest.mark.e2e


def _phone(screens, code: str, name: str):
    page = screens.phone(name).new_page()
    page.goto(f"/j/{code}")
    join(page, name)
    page.locator("[data-propose] label", has_text="Target market").click()
    return page


def test_a_country_is_found_by_its_name_in_any_language(screens, live_server, shot):
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, live_server.create_user("countries@example.org", "facilitator"))
    workshop_id, code = create_workshop(cockpit, "Markets", "Where first?")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")

    # An Italian types the country in Italian: the list offers it in the workshop's English,
    # with the name that matched beside it; a tap picks it.
    chiara = _phone(screens, code, "Chiara")
    form = chiara.locator("[data-propose]")
    field = form.locator("[data-country]")
    field.press_sequentially("Giapp")
    options = form.locator("[data-country-options] [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Japan Giappone")
    expect(field).to_have_attribute("aria-expanded", "true")
    shot(chiara, "phone-country-list")
    options.first.click()
    expect(field).to_have_value("Japan")
    expect(form.locator("[data-country-options]")).to_be_hidden()
    form.locator("[data-text]").fill("Robotics hubs in Osaka")
    form.locator("[data-submit]").click()
    sent = items_with(chiara, "Robotics hubs in Osaka", "[data-mine]")
    expect(sent.locator(".country")).to_have_text("Japan")

    # A Bulgarian types the whole name in Bulgarian and sends it without picking; arrows and
    # Enter pick from the list too (a Greek name here).
    boris = _phone(screens, code, "Boris")
    form = boris.locator("[data-propose]")
    form.locator("[data-country]").press_sequentially("Япония")
    form.locator("[data-text]").fill("Chip design partners")
    form.locator("[data-submit]").click()
    expect(items_with(boris, "Chip design partners", "[data-mine]").locator(".country")).to_have_text("Japan")
    field = form.locator("[data-country]")
    field.press_sequentially("Βραζ")
    field.press("ArrowDown")
    expect(form.locator("[data-country-options] [aria-selected=true]")).to_have_text("Brazil Βραζιλία")
    field.press("Enter")
    expect(field).to_have_value("Brazil")
    form.locator("[data-text]").fill("Fintech sandboxes")
    form.locator("[data-submit]").click()
    expect(items_with(boris, "Fintech sandboxes", "[data-mine]").locator(".country")).to_have_text("Brazil")

    # A name no language knows is refused on the phone, and nothing is sent.
    form.locator("[data-country]").fill("Atlantis")
    form.locator("[data-text]").fill("Sunken markets")
    form.locator("[data-submit]").click()
    expect(form.locator("[data-error]")).to_have_text("Please choose a country from the list.")

    for screen in (cockpit, projector):
        expect(items_with(screen, "Robotics hubs in Osaka").locator(".country")).to_have_text("Japan")
    assert db_items(live_server, workshop_id) == [
        ("Robotics hubs in Osaka", "market", "JP", "live"),
        ("Chip design partners", "market", "JP", "live"),
        ("Fintech sandboxes", "market", "BR", "live"),
    ]
    assert screens.errors == []
