"""The projector in real browsers: every phase as the room sees it, the countdown, the
spotlight, and the facilitator's keyboard shortcuts on the projector page.

One live server for the module (starting one takes seconds); each test makes its own
workshop, so tests stay independent. Assertions wait (`expect`), they never sleep.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import (
    CONN,
    PROJECTOR,
    PROJECTOR_FONTS,
    check_layout,
    create_workshop,
    items_with,
    join,
    log_in,
    propose,
    set_phase,
)

pytestmark = pytest.mark.e2e

PHASES = ["Welcome", "Propose", "Discuss", "Cluster", "Vote", "Results", "Closed"]
IDEAS = {
    "Ada": ["Joint pavilion at a Tokyo AI fair", "Shared legal desk for data rules abroad"],
    "Bo": ["Blockchain pilots with ports in Singapore"],
}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module's tests (overrides the per-test one of tests/conftest.py)."""
    with live.start(tmp_path_factory.mktemp("projector")) as server:
        yield server


@pytest.fixture(scope="module")
def facilitator(live_server) -> str:
    return live_server.create_user("projector@example.org", "facilitator")


def _room(screens, facilitator: str, title: str, phones=("Ada", "Bo")):
    """Cockpit, projector and phones that joined and proposed IDEAS; the room in Propose."""
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, facilitator)
    workshop_id, code = create_workshop(cockpit, title, "How do we reach markets beyond Europe?")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    pages = {}
    for name in phones:
        page = screens.phone(name).new_page()
        page.goto(f"/j/{code}")
        join(page, name)
        for text in IDEAS.get(name, []):
            propose(page, text)
            expect(items_with(cockpit, text)).to_have_count(1)
        pages[name] = page
    return cockpit, projector, pages, workshop_id, code


def _plus_one(phone, text: str):
    """The +1 button of an item on a phone (discussion.js), in the room's list."""
    return items_with(phone, text, "body").locator("[data-react]")


def _start_countdown(cockpit, minutes: str) -> None:
    cockpit.locator("[data-timer-minutes]").fill(minutes)
    cockpit.locator("[data-timer-seconds]").fill("0")
    cockpit.locator("[data-timer-toggle]").click()
    expect(cockpit.locator("[data-countdown]")).to_have_attribute("data-state", "running")


def _inside_viewport(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    vp = PROJECTOR["viewport"]
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= vp["width"] + 1, (selector, box)
    assert box["y"] + box["height"] <= vp["height"] + 1, (selector, box)


def _legible(cockpit, projector, *phones) -> None:
    """The geometric check on every screen: the projector at 1920×1080 in its sizes and without
    scrolling, the cockpit at 1366×768, phones at 390×844."""
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    check_layout(cockpit)
    for phone in phones:
        check_layout(phone)


def test_every_phase_on_the_cockpit_and_the_projector(screens, live_server, facilitator, shot):
    cockpit, projector, phones, workshop_id, code = _room(screens, facilitator, "Going beyond Europe")
    ada, bo = phones["Ada"], phones["Bo"]
    phase_name = projector.locator("[data-phase-name]")
    join_panel, corner = projector.locator("[data-join]"), projector.locator("[data-corner-code]")

    # Lobby: a big welcome beside the code and the QR, and the hint to the shortcuts.
    set_phase(cockpit, "Welcome")
    expect(phase_name).to_have_text("Welcome")
    expect(projector.locator("[data-welcome]")).to_be_visible()
    expect(join_panel).to_be_visible()
    expect(projector.locator(".proj-code")).to_have_text(code)
    expect(corner).to_be_hidden()
    expect(projector.locator("[data-hint]")).to_be_visible()
    expect(cockpit.locator("[data-phase-prev]")).to_be_disabled()
    _inside_viewport(projector, ".qr svg")
    _legible(cockpit, projector, ada, bo)
    shot(cockpit, "cockpit-lobby")
    shot(projector, "projector-lobby")

    # Propose: the items; the join panel is a corner code now, the hint gone; a countdown big
    # in the corner.
    cockpit.locator("[data-phase-next]").click()
    expect(phase_name).to_have_text("Propose")
    expect(projector.locator("[data-items] li.item")).to_have_count(3)
    expect(join_panel).to_be_hidden()
    expect(corner).to_contain_text(code)
    expect(projector.locator("[data-hint]")).to_be_hidden()
    _start_countdown(cockpit, "5")
    countdown = projector.locator("[data-countdown]")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_attribute("data-state", "running")
    expect(countdown.locator(".countdown-time")).to_have_text(re.compile(r"^4:5\d$"))
    # Readable from the back of the room: at least 8 % of the screen's height.
    assert countdown.bounding_box()["height"] >= 0.08 * PROJECTOR["viewport"]["height"]
    _inside_viewport(projector, "[data-countdown]")
    _legible(cockpit, projector, ada, bo)
    shot(cockpit, "cockpit-propose")
    shot(projector, "projector-propose")

    # Discuss: the items by support, with their +1 and comment counts (none where there are none).
    cockpit.locator("[data-phase-next]").click()
    expect(phase_name).to_have_text("Discuss")
    expect(countdown).to_be_hidden()  # a new phase stops the countdown
    expect(join_panel).to_be_hidden()
    expect(corner).to_be_visible()
    expect(corner).to_contain_text(code)
    favourite = IDEAS["Bo"][0]
    for phone in (ada, bo):
        _plus_one(phone, favourite).click()
    second = IDEAS["Ada"][1]
    _plus_one(bo, second).click()
    ranked = projector.locator("[data-ranked] li.item")
    expect(ranked.locator(".item-text")).to_have_text([favourite, second, IDEAS["Ada"][0]])
    expect(ranked.locator(".proj-plus")).to_have_text(["+2", "+1"])
    expect(ranked.nth(2).locator(".proj-meta")).to_have_count(0)
    card = items_with(cockpit, favourite)
    expect(card.locator("[data-react-count]")).to_have_text("+1 · 2")
    card.locator("[data-comment-toggle]").click()
    card.locator("[data-comment-form] textarea").fill("Which ports have a sandbox already?")
    card.locator("[data-comment-form] button[type=submit]").click()
    expect(ranked.first.locator(".proj-ncomments")).to_have_text("1 comment")
    _start_countdown(cockpit, "3")
    _legible(cockpit, projector, ada, bo)
    shot(cockpit, "cockpit-discuss")
    shot(projector, "projector-discuss")

    # Cluster: the board is the cockpit's main view and shows, read-only, on the projector.
    cockpit.locator("[data-phase-next]").click()
    expect(phase_name).to_have_text("Cluster")
    expect(cockpit.locator("[data-view=board]")).to_have_attribute("aria-pressed", "true")
    cockpit.locator("[data-new-theme-name]").fill("Going to Asia")
    cockpit.get_by_role("button", name="Add theme").click()
    asia = projector.locator(".board-col.is-theme")
    expect(asia.locator(".col-name")).to_have_text(["Going to Asia"])
    cockpit.locator(".board-card", has_text=favourite).locator("[data-move-to]").select_option(
        label="Going to Asia"
    )
    expect(asia.locator(".board-card .item-text")).to_have_text([favourite])
    expect(projector.locator("[data-cluster] select, [data-cluster] button")).to_have_count(0)
    _start_countdown(cockpit, "10")
    _legible(cockpit, projector, ada, bo)
    shot(cockpit, "cockpit-cluster")
    shot(projector, "projector-cluster")

    # Vote and results: a placeholder on the projector until a round is opened; the cockpit
    # shows its Rounds panel (tests/e2e/test_voting_screens.py runs the rounds).
    for phase in ("Vote", "Results"):
        cockpit.locator("[data-phase-next]").click()
        expect(phase_name).to_have_text(phase)
        expect(projector.locator("[data-message]")).to_have_text("Voting opens here")
        expect(cockpit.locator("[data-rounds-view]")).to_be_visible()
        _legible(cockpit, projector, ada, bo)
        shot(cockpit, f"cockpit-{phase.lower()}")
        shot(projector, f"projector-{phase.lower()}")

    # Closed: a thank-you, no code to join any more.
    cockpit.locator("[data-phase-next]").click()
    expect(phase_name).to_have_text("Closed")
    expect(projector.locator("[data-message]")).to_have_text("Thank you for taking part!")
    expect(corner).to_be_hidden()
    expect(cockpit.locator("[data-phase-next]")).to_be_disabled()
    _legible(cockpit, projector, ada, bo)
    shot(cockpit, "cockpit-closed")
    shot(projector, "projector-closed")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_projector_keyboard_drives_the_room(screens, live_server, facilitator, shot):
    cockpit, projector, phones, workshop_id, code = _room(screens, facilitator, "Shortcuts", phones=("Ada",))
    current = cockpit.locator("[data-phases] [aria-current=step]")
    phase_name = projector.locator("[data-phase-name]")
    keys = projector.keyboard

    # Help: "?" shows the shortcuts, "?" again (or Escape) hides them.
    keys.press("?")
    expect(projector.locator("[data-help]")).to_be_visible()
    expect(projector.locator("[data-help]")).to_contain_text("Start or pause the countdown")
    expect(projector.locator("[data-help]")).to_contain_text("Next or previous page")
    expect(projector.locator("[data-help]")).to_contain_text("Show or hide the join code")
    shot(projector, "help")
    keys.press("Escape")
    expect(projector.locator("[data-help]")).to_be_hidden()

    # R reveals privately collected ideas.
    cockpit.locator("[data-toggle-private]").click()
    expect(projector.locator("[data-banner]")).to_have_text(
        "Ideas are collected privately and revealed together."
    )
    expect(projector.locator("[data-items] li.item")).to_have_count(0)
    shot(projector, "private")
    keys.press("r")
    expect(projector.locator("[data-items] li.item")).to_have_count(2)
    expect(projector.locator("[data-banner]")).to_be_hidden()
    expect(cockpit.locator("[data-toggle-private]")).to_have_attribute("aria-pressed", "false")

    # Arrows and PageUp/PageDown (a presenter's remote) move the phase.
    keys.press("ArrowRight")
    expect(current).to_have_text("Discuss")
    expect(phase_name).to_have_text("Discuss")
    keys.press("PageDown")
    expect(current).to_have_text("Cluster")
    keys.press("PageUp")
    expect(current).to_have_text("Discuss")
    keys.press("ArrowLeft")
    expect(current).to_have_text("Propose")
    keys.press("ArrowRight")
    expect(current).to_have_text("Discuss")

    # Space starts and pauses the countdown the cockpit set.
    cockpit.locator("[data-timer-minutes]").fill("2")
    cockpit.locator("[data-timer-seconds]").fill("30")
    cockpit.get_by_role("button", name="Set", exact=True).click()
    countdown = projector.locator("[data-countdown]")
    expect(countdown).to_have_attribute("data-state", "set")
    expect(countdown.locator(".countdown-time")).to_have_text("2:30")
    keys.press("Space")
    expect(countdown).to_have_attribute("data-state", "running")
    expect(cockpit.locator("[data-countdown]")).to_have_attribute("data-state", "running")
    expect(cockpit.locator("[data-timer-toggle]")).to_have_text("Pause")
    expect(countdown.locator(".countdown-time")).not_to_have_text("2:30")  # it counts down
    keys.press("Space")
    expect(countdown).to_have_attribute("data-state", "paused")
    expect(countdown.locator(".countdown-note")).to_have_text("Paused")
    expect(cockpit.locator("[data-timer-toggle]")).to_have_text("Resume")
    cockpit.locator("[data-timer-extend]").click()
    expect(countdown.locator(".countdown-time")).to_have_text(re.compile(r"^3:2\d$"))

    # The spotlight: one item very large; S (or Escape) clears it.
    text = IDEAS["Ada"][0]
    items_with(cockpit, text).locator("[data-spotlight]").click()
    overlay = projector.locator("[data-spotlight]")
    expect(overlay).to_be_visible()
    expect(overlay.locator("[data-spotlight-text]")).to_have_text(text)
    expect(overlay.locator("[data-spotlight-author]")).to_have_text("— Ada")
    expect(cockpit.locator("[data-spotlight-bar]")).to_contain_text(text)
    size = overlay.locator("[data-spotlight-text]").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 0.045 * PROJECTOR["viewport"]["width"], f"spotlight text at {size}px"
    _inside_viewport(projector, ".proj-spotlight-card")
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    shot(projector, "spotlight")
    keys.press("s")
    expect(overlay).to_be_hidden()
    expect(cockpit.locator("[data-spotlight-bar]")).to_be_hidden()
    items_with(cockpit, IDEAS["Ada"][1]).locator("[data-spotlight]").click()
    expect(overlay.locator("[data-spotlight-text]")).to_have_text(IDEAS["Ada"][1])
    keys.press("Escape")
    expect(overlay).to_be_hidden()
    # What went through the keyboard is what the server holds: a reload shows the same room.
    projector.reload()
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    expect(phase_name).to_have_text("Discuss")
    expect(countdown).to_have_attribute("data-state", "paused")
    expect(overlay).to_be_hidden()
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
