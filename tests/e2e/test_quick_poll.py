"""The Quick poll template in real browsers, from its creation to its results: no Propose phase,
so the facilitator writes the poll's choices in the cockpit, the phones vote, and every screen
shows the results (issue 16: opening its round failed with "A round needs at least two choices")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, join, log_in, set_phase

pytestmark = pytest.mark.e2e

CHOICES = ("Pizza by the river", "Sushi bar", "Salad and soup")


def _vote(phone, dots: dict[str, int]) -> None:
    for label, n in dots.items():
        option = phone.locator("[data-ballot] li.ballot-option").filter(has_text=label)
        for _ in range(n):
            option.locator(".plus").click()
    expect(phone.locator("[data-save-status]")).to_have_text("Saved")


def test_a_quick_poll_runs_from_creation_to_results(screens, live_server, shot):
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, live_server.create_user("poll@example.org", "facilitator"))
    cockpit.get_by_role("link", name="New workshop").click()
    cockpit.get_by_role("link", name=re.compile("^Quick poll")).click()
    cockpit.get_by_label("Title").fill("Where do we eat?")
    cockpit.get_by_label("Host cluster").select_option(label="Cluster ICT")  # no cluster is chosen for you
    cockpit.get_by_role("button", name="Create workshop").click()
    cockpit.wait_for_url(re.compile(r"/workshops/\d+$"))
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    workshop_id = int(cockpit.url.rsplit("/", 1)[1])
    code = cockpit.locator("[data-code]").inner_text().strip()
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    phones = []
    for name in ("Ada", "Bo", "Cy"):
        phone = screens.phone(name).new_page()
        phone.goto(f"/j/{code}")
        # An anonymous workshop asks for no name.
        expect(phone.get_by_label("Your name as others will see it")).to_have_count(0)
        join(phone, None)
        phones.append(phone)

    # The poll's phases: the lobby, then straight to the vote, whose choices the facilitator writes.
    set_phase(cockpit, "Vote")
    form = cockpit.locator("[data-round-form]")
    expect(form.locator("input[name=target][value=choices]")).to_be_checked()
    written = form.locator("[data-written-choice]")
    expect(written).to_have_count(2)
    written.nth(0).fill(CHOICES[0])
    written.nth(1).fill(CHOICES[1])
    written.nth(1).press("Enter")  # the next choice, not the form sent
    expect(written).to_have_count(3)
    expect(written.nth(2)).to_be_focused()
    written.nth(2).fill(CHOICES[2])
    form.get_by_label("Title").fill("Lunch?")
    shot(cockpit, "cockpit-poll-form")
    form.get_by_role("button", name="Open the round").click()
    open_card = cockpit.locator("[data-round-open]")
    expect(open_card.locator(".round-title")).to_have_text("Lunch?")

    for phone in phones:
        labels = phone.locator("[data-ballot] li.ballot-option .option-label")
        expect(labels).to_have_text(list(CHOICES))
    _vote(phones[0], {CHOICES[1]: 3, CHOICES[0]: 2})
    _vote(phones[1], {CHOICES[1]: 3, CHOICES[2]: 1})
    _vote(phones[2], {CHOICES[0]: 3})
    shot(phones[0], "phone-poll-ballot")
    expect(projector.locator("[data-vote-count]")).to_have_text("3 of 3 have voted")

    # An anonymous round shows its results once it closes; revealed, every screen has them.
    open_card.locator("[data-close-round]").click()
    cockpit.locator("[data-round-detail] [data-reveal-results]").click()
    set_phase(cockpit, "Results")
    rows = projector.locator("[data-vote] .chart-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-value", "6")
    expect(rows.nth(0)).to_have_attribute("data-label", re.compile(re.escape(CHOICES[1])))
    for phone in phones:
        result = phone.locator("[data-results-list] [data-results] .result-row").first
        expect(result).to_contain_text(CHOICES[1])
        expect(result.locator(".result-points")).to_have_text("6 points")
    shot(projector, "projector-poll-results")
    shot(phones[0], "phone-poll-results")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
