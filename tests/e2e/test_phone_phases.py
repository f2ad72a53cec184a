"""The phone through a whole workshop: it follows the facilitator's phase at once, and
lands in the current phase (with the current countdown) after a reconnect or a reload.

Phones here are 360 px wide, the narrowest common Android width. Assertions wait
(Playwright's `expect`); the only waiting on the clock is for a countdown to run out.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CONN,
    PHONE,
    Staff,
    as_staff,
    items_with,
    join_phone,
    open_cockpit,
    propose,
    set_phase,
)

pytestmark = pytest.mark.e2e

NARROW_PHONE = {**PHONE, "viewport": {"width": 360, "height": 740}}
QUESTION = "Which third countries first?"
TAP_PX = 44  # the smallest thumb-sized control
MSS = re.compile(r"^(\d+):([0-5]\d)$")


def _stage(page, stage: str) -> None:
    """The phone shows this stage, and only this one."""
    expect(page.locator(f"section[data-stage={stage}]")).to_be_visible()
    expect(page.locator("section[data-stage]:visible")).to_have_count(1)


def _card(page, text: str, where: str = "[data-discuss-items]"):
    return items_with(page, text, where)


def _comment(page, card, text: str) -> None:
    card.get_by_role("button", name="Comment", exact=True).click()
    form = card.locator("[data-comment-form]")
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Send").click()


def _seconds(page) -> int:
    """The countdown of the phone's top bar, in seconds."""
    shown = page.locator("[data-countdown] .countdown-time").inner_text()
    m = MSS.match(shown)
    assert m, f"countdown shows {shown!r}, not m:ss"
    return int(m.group(1)) * 60 + int(m.group(2))


def _top(page):
    """Scrolled to the top, so that a full-page shot has the sticky top bar on top."""
    page.evaluate("window.scrollTo(0, 0)")
    return page


def _fits_the_phone(page) -> None:
    """One column: nothing wider than the screen, nothing to scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW_PHONE["viewport"]["width"], f"page is {width}px wide"


def _thumb_sized(*locators) -> None:
    for locator in locators:
        box = locator.bounding_box()
        assert box and box["height"] >= TAP_PX and box["width"] >= TAP_PX, (locator, box)


def test_phone_follows_every_phase(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Going beyond Europe", QUESTION)
    set_phase(cockpit, "Welcome")

    # Lobby: a friendly welcome with their name and the question.
    ada = join_phone(screens, code, "Ada", NARROW_PHONE)
    _stage(ada, "lobby")
    expect(ada.locator("[data-welcome]")).to_have_text("You're in, Ada!")
    expect(ada.locator("section[data-stage=lobby]")).to_contain_text(QUESTION)
    expect(ada.locator("section[data-stage=lobby]")).to_contain_text("The facilitator will start soon.")
    expect(ada.locator("[data-countdown]")).to_be_hidden()
    _fits_the_phone(ada)
    shot(_top(ada), "lobby")

    # Propose: the form and the lists, as they were before phases existed.
    set_phase(cockpit, "Propose")
    _stage(ada, "propose")
    expect(ada.locator("[data-phase-name]")).to_have_text("Propose")
    bo = join_phone(screens, code, "Bo", NARROW_PHONE)
    tokyo, legal = "Joint pavilion at a Tokyo AI fair", "Shared legal desk for data rules abroad"
    propose(ada, tokyo, "Japan")
    propose(bo, legal)
    for page in (ada, bo):
        expect(items_with(page, tokyo)).to_have_count(1)
        expect(items_with(page, legal)).to_have_count(1)
    _fits_the_phone(ada)
    shot(_top(ada), "propose")

    # Discuss: no form; +1 and comments, live on every screen.
    set_phase(cockpit, "Discuss")
    for page in (ada, bo):
        _stage(page, "discuss")
        expect(page.locator("[data-propose]")).to_be_hidden()
        expect(page.locator("[data-discuss-items] li.item")).to_have_count(2)
    on_ada, on_bo = _card(ada, tokyo), _card(bo, tokyo)
    first = "Osaka has the bigger start-up scene"
    _comment(ada, on_ada, first)
    expect(on_bo.locator("[data-comments] .comment-text")).to_have_text([first])
    expect(on_ada.locator("[data-comments] .comment").first).to_contain_text("you")

    on_bo.locator("[data-react]").click()
    expect(on_ada.locator("[data-react] .react-count")).to_have_text("1")
    expect(on_ada.locator("[data-react]")).to_have_attribute("aria-pressed", "false")
    on_ada.locator("[data-react]").click()
    for card in (on_ada, on_bo):
        expect(card.locator("[data-react] .react-count")).to_have_text("2")
        expect(card.locator("[data-react]")).to_have_attribute("aria-pressed", "true")
    expect(_card(bo, legal).locator("[data-react] .react-count")).to_have_text("0")

    # Bo replies in Ada's thread; the reply sits under her comment on both phones.
    thread = on_bo.locator("li.thread").filter(has_text=first)
    thread.get_by_role("button", name="Reply").click()
    reply = "Agreed, and Kansai has a port too"
    thread.locator("[data-reply-form] textarea").fill(reply)
    thread.locator("[data-reply-form]").get_by_role("button", name="Send").click()
    for card in (on_ada, on_bo):
        in_thread = card.locator("li.thread").filter(has_text=first)
        expect(in_thread.locator(".replies .comment-text")).to_have_text([reply])
        expect(in_thread.locator(".replies .comment-author")).to_have_text(["Bo"])
    rude = "This whole idea is stupid"
    _comment(bo, on_bo, rude)
    expect(on_ada.locator("[data-comments] > li.thread > .comment .comment-text")).to_have_text([first, rude])

    # The cockpit sees the comments, the reply and the count; its Hide takes one off the phones.
    on_cockpit = items_with(cockpit, tokyo)
    expect(on_cockpit.locator("[data-react-count]")).to_have_attribute("data-react-count", "2")
    expect(on_cockpit.locator("[data-comments] .comment-text")).to_have_text([first, reply, rude])
    on_cockpit.locator("li.thread").filter(has_text=rude).get_by_role("button", name="Hide").click()
    for page, card in ((ada, on_ada), (bo, on_bo)):
        expect(card.locator("[data-comments] .comment-text")).to_have_text([first, reply])
        expect(page.get_by_text(rude)).to_have_count(0)
    expect(on_cockpit.locator(".comment.is-hidden .comment-text")).to_have_text(rude)

    on_ada.get_by_role("button", name="Comment", exact=True).click()  # the form, as a thumb sees it
    _thumb_sized(
        on_ada.locator("[data-react]"),
        on_ada.get_by_role("button", name="Comment", exact=True),
        on_ada.get_by_role("button", name="Reply"),
        on_ada.locator("[data-comment-form]").get_by_role("button", name="Send"),
    )
    _fits_the_phone(ada)
    shot(_top(ada), "discuss")
    shot(cockpit, "cockpit-discuss")

    # Cluster: the themes in order with their items, Unsorted last; +1 and comments still on.
    tokyo_id = int(on_cockpit.get_attribute("data-id"))
    set_phase(cockpit, "Cluster")
    _stage(ada, "cluster")
    with Staff(live_server, cockpit, workshop_id) as staff:
        staff.call("create_theme", {"name": "Asian markets", "color": "#0f766e", "item_ids": [tokyo_id]})
        staff.call("create_theme", {"name": "Rules and law", "color": "#be123c"})
    groups = ada.locator("[data-themes] .theme-group")
    expect(groups.locator(".theme-name")).to_have_text(["Asian markets", "Rules and law", "Unsorted"])
    expect(groups.nth(0)).to_have_css("border-left-color", "rgb(15, 118, 110)")
    expect(groups.nth(0).locator("li.item .item-text")).to_have_text([tokyo])
    expect(groups.nth(1).locator("li.item")).to_have_count(0)
    expect(groups.nth(2).locator("li.item .item-text")).to_have_text([legal])
    clustered = _card(ada, tokyo, "[data-themes]")
    expect(clustered.locator("[data-comments] .comment-text")).to_have_text([first, reply])
    expect(clustered.locator("[data-react] .react-count")).to_have_text("2")
    expect(ada.locator("[data-move-to]")).to_have_count(0)  # read-only
    _fits_the_phone(ada)
    shot(_top(ada), "cluster")

    # With "Participants may cluster too", the phone gets the board: move an item itself.
    cockpit.goto(f"/workshops/{workshop_id}/edit")
    cockpit.get_by_label("Participants may cluster too").check()
    cockpit.get_by_role("button", name="Save").click()
    cockpit.wait_for_url(re.compile(rf"/workshops/{workshop_id}$"))
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    move = ada.locator("[data-board] li.item").filter(has_text=legal).locator("[data-move-to]")
    expect(move).to_be_visible()
    move.select_option(label="Rules and law")
    for page, board in ((ada, "[data-board]"), (cockpit, "[data-board-view]")):
        law = page.locator(f"{board} .board-col").filter(
            has=page.locator(".col-name", has_text="Rules and law")
        )
        expect(law.locator("li.item .item-text")).to_have_text([legal])
    expect(ada.locator("[data-board] li.item [data-react]")).to_have_count(2)  # +1 on the board's cards too
    _fits_the_phone(ada)
    shot(_top(ada), "cluster-board")

    # Vote and results before any round: a friendly card each (tests/e2e/test_phone_voting.py
    # has the ballots); closed: thanks.
    placeholders = (
        ("Vote", "vote", "[data-vote-none]", "No round is open yet"),
        ("Results", "results", "[data-results-none]", "Results appear here soon"),
    )
    for phase, stage, card, title in placeholders:
        set_phase(cockpit, phase)
        _stage(ada, stage)
        expect(ada.locator(f"{card} h2")).to_have_text(title)
        expect(ada.locator(card)).to_contain_text("Keep this page open")
        expect(ada.locator("[data-phase-name]")).to_have_text(phase)
        shot(_top(ada), phase.lower())
    set_phase(cockpit, "Closed")
    _stage(ada, "closed")
    expect(ada.locator("section[data-stage=closed] h1")).to_have_text("Thank you!")
    _fits_the_phone(ada)
    shot(_top(ada), "closed")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_phone_lands_in_the_current_phase_after_reconnect_and_reload(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Bad Wi-Fi", QUESTION)
    ada = join_phone(screens, code, "Ada", NARROW_PHONE)
    idea = "Blockchain pilots with ports in Singapore"
    propose(ada, idea)
    expect(items_with(ada, idea)).to_have_count(1)

    # The phone loses the Wi-Fi; meanwhile the room moves on and a 90 s countdown starts.
    ada.context.set_offline(True)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "offline")
    set_phase(cockpit, "Discuss")
    with Staff(live_server, cockpit, workshop_id) as staff:
        staff.call("timer", {"action": "set", "seconds": 90})
        staff.call("timer", {"action": "start"})
    _stage(ada, "propose")  # it cannot know yet

    ada.context.set_offline(False)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    _stage(ada, "discuss")
    countdown = ada.locator("[data-countdown]")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_attribute("data-state", "running")
    left = _seconds(ada)
    assert 60 <= left <= 90, left
    expect(countdown.locator(".countdown-time")).not_to_have_text(
        countdown.locator(".countdown-time").inner_text()
    )
    shot(_top(ada), "reconnected")

    # A comment half typed, then a reload: same phase, same countdown, the draft is back.
    card = _card(ada, idea)
    card.get_by_role("button", name="Comment", exact=True).click()
    draft = "Rotterdam first, then Singapore"
    card.locator("[data-comment-form] textarea").press_sequentially(draft)
    ada.reload()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    _stage(ada, "discuss")
    expect(countdown).to_have_attribute("data-state", "running")
    after = _seconds(ada)
    assert 55 <= after <= left, (left, after)
    expect(card.locator("[data-comment-form] textarea")).to_have_value(draft)
    card.locator("[data-comment-form]").get_by_role("button", name="Send").click()
    expect(card.locator("[data-comments] .comment-text")).to_have_text([draft])
    shot(_top(ada), "reloaded")

    # Paused by the facilitator: the phone says so and the time stands still.
    as_staff(live_server, cockpit, workshop_id, "timer", {"action": "pause"})
    expect(countdown).to_have_attribute("data-state", "paused")
    expect(countdown.locator(".countdown-note")).to_have_text("Paused")
    paused = countdown.locator(".countdown-time").inner_text()
    ada.reload()
    expect(countdown.locator(".countdown-time")).to_have_text(paused)
    expect(countdown).to_have_attribute("data-state", "paused")
    assert screens.errors == []


def test_time_up_locks_commenting_and_a_refused_comment_comes_back(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Against the clock", QUESTION)
    ada = join_phone(screens, code, "Ada", NARROW_PHONE)
    idea = "Trade mission to Seoul"
    propose(ada, idea)
    expect(items_with(ada, idea)).to_have_count(1)
    set_phase(cockpit, "Discuss")
    card = _card(ada, idea)
    form = card.locator("[data-comment-form]")
    countdown = ada.locator("[data-countdown]")

    # A 4 s countdown that locks at zero. The phone goes offline and comments in time, but
    # the comment can only reach the server after the bell.
    with Staff(live_server, cockpit, workshop_id) as staff:
        staff.call("timer", {"action": "set", "seconds": 4, "lock_at_zero": True})
        staff.call("timer", {"action": "start"})
    expect(countdown).to_have_attribute("data-state", "running")
    ada.context.set_offline(True)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "offline")
    late = "Seoul, then Busan for the port"
    _comment(ada, card, late)
    expect(card.locator(".comment.is-pending .pending")).to_have_text("Waiting for the connection")
    expect(form.locator("textarea")).to_have_value("")

    # Zero: the page locks by its own clock, even offline.
    expect(countdown).to_have_attribute("data-state", "expired")
    expect(countdown.locator(".countdown-time")).to_have_text("0:00")
    expect(countdown).to_have_class(re.compile(r"\bis-locked\b"))
    expect(ada.locator("[data-banner]")).to_have_text(
        "Time is up: comments are closed for now. You can still give +1."
    )
    expect(card.locator("[data-locked]")).to_have_text("Time is up")
    expect(card.get_by_role("button", name="Comment", exact=True)).to_be_disabled()
    expect(card.locator("[data-react]")).to_be_enabled()  # +1 is not a timed action
    expect(ada.locator("section[data-stage=discuss] [data-hint]")).to_be_hidden()  # no "comment on them"

    # Back online, the queued comment is refused: its words come back, with the reason.
    ada.context.set_offline(False)
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)
    expect(form.locator("[data-error]")).to_have_text("Time is up for this phase.")
    expect(form).to_be_visible()
    expect(form.locator("textarea")).to_have_value(late)
    expect(form.locator("textarea")).to_be_disabled()
    expect(form.get_by_role("button", name="Send")).to_be_disabled()
    expect(card.locator("[data-comments] .comment")).to_have_count(0)
    card.locator("[data-react]").click()
    expect(card.locator("[data-react] .react-count")).to_have_text("1")
    _fits_the_phone(ada)
    shot(_top(ada), "time-up")

    # One more minute: the form opens again and the same words go out.
    as_staff(live_server, cockpit, workshop_id, "timer", {"action": "extend", "seconds": 60})
    expect(countdown).to_have_attribute("data-state", "running")
    expect(ada.locator("[data-banner]")).to_be_hidden()
    expect(ada.locator("section[data-stage=discuss] [data-hint]")).to_be_visible()
    expect(form.locator("textarea")).to_be_enabled()
    form.get_by_role("button", name="Send").click()
    expect(card.locator("[data-comments] .comment-text")).to_have_text([late])
    expect(form.locator("[data-error]")).to_be_hidden()
    shot(_top(ada), "extended")
    assert screens.errors == []
