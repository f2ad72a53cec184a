"""What the server refuses for good after a phone was offline is never lost nor shown as saved.

Ideas queued offline that reach the room after it moved on become "Not sent" cards (one per
idea, kept across a reload) that can be copied, sent as a comment, sent again or discarded; a
ballot change that reaches a closed round is shown as not saved, beside the ballot the server
holds. Each test checks the database as well as the phone.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CONN,
    PHONE,
    as_staff,
    items_with,
    join_phone,
    open_cockpit,
    propose,
    query,
    queue_key,
    set_phase,
)

pytestmark = pytest.mark.e2e

KEPT, LEGAL, PORTS = (
    "Joint pavilion at a Tokyo AI fair",
    "Shared legal desk for data rules abroad",
    "Blockchain pilots with ports in Singapore",
)
LATE = [
    "Trade mission to Seoul with the Busan port",
    "Mentors from Nairobi's fintech scene",
    "A joint stand at GITEX in Dubai",
]
MOVED_ON = "Not now: the room is in the “Discuss” phase."


def _texts(server, workshop_id: int) -> list[str]:
    """The texts of the workshop's items in the database, oldest first."""
    rows = query(server, "SELECT text FROM items WHERE workshop_id = ? ORDER BY id", workshop_id)
    return [text for (text,) in rows]


def _offline(page) -> None:
    page.context.set_offline(True)
    expect(page.locator(CONN)).to_have_attribute("data-state", "offline")


def _online(page) -> None:
    page.context.set_offline(False)
    expect(page.locator(CONN)).to_have_attribute("data-state", "live", timeout=15_000)


def _top(page):
    page.evaluate("window.scrollTo(0, 0)")
    return page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"page is {width}px wide"


def test_ideas_refused_after_the_room_moved_on_become_not_sent_cards(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Bad Wi-Fi")
    ada = join_phone(screens, code, "Ada")
    ada.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    propose(ada, KEPT)
    expect(items_with(ada, KEPT)).to_have_count(1)

    # Three ideas typed on a phone that lost the Wi-Fi; meanwhile the room moves on to Discuss.
    _offline(ada)
    for text in LATE:
        propose(ada, text)
    expect(ada.locator("[data-mine] li.is-pending")).to_have_count(3)
    set_phase(cockpit, "Discuss")
    _online(ada)

    # Refused (wrong phase): one card per idea, with its words and the server's reason.
    expect(ada.locator("section[data-stage=discuss]")).to_be_visible()
    box = ada.locator("[data-not-sent]")
    cards = box.locator("li.not-sent-card")
    expect(cards.locator(".not-sent-text")).to_have_text(LATE)
    expect(cards.locator(".not-sent-reason")).to_have_text([MOVED_ON] * 3)
    expect(box.locator("h2")).to_have_text("Not sent")
    assert _texts(live_server, workshop_id) == [KEPT]
    _fits(ada)
    shot(_top(ada), "refused")

    # A reload keeps them, on every stage: here, and in Vote where comments are not taken.
    ada.reload()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    expect(cards.locator(".not-sent-text")).to_have_text(LATE)
    expect(cards.locator(".not-sent-reason")).to_have_text([MOVED_ON] * 3)

    # Copy puts the words on the clipboard.
    cards.nth(2).get_by_role("button", name="Copy").click()
    expect(cards.nth(2).get_by_role("button", name="Copied")).to_be_visible()
    assert ada.evaluate("navigator.clipboard.readText()") == LATE[2]

    # Sent as a comment on the idea it belongs to: stored as that comment, and the card goes.
    card = cards.filter(has_text=LATE[1])
    card.get_by_role("button", name="Send as a comment").click()
    card.get_by_label("Comment on").select_option(label=KEPT)
    shot(_top(ada), "send-as-comment")
    card.get_by_role("button", name="Send", exact=True).click()
    expect(cards.locator(".not-sent-text")).to_have_text([LATE[0], LATE[2]])
    on_kept = items_with(ada, KEPT, "[data-discuss-items]")
    expect(on_kept.locator("[data-comments] .comment-text")).to_have_text([LATE[1]])
    expect(on_kept.locator(".comment.is-pending")).to_have_count(0)
    kept_id = query(live_server, "SELECT id FROM items WHERE text = ?", KEPT)[0][0]
    assert query(live_server, "SELECT text, item_id FROM comments") == [(LATE[1], kept_id)]

    # Discard removes one card (after a confirmation), for good.
    cards.filter(has_text=LATE[0]).get_by_role("button", name="Discard").click()
    expect(cards.locator(".not-sent-text")).to_have_text([LATE[2]])
    set_phase(cockpit, "Vote")
    expect(ada.locator("section[data-stage=vote]")).to_be_visible()
    expect(cards.locator(".not-sent-text")).to_have_text([LATE[2]])
    expect(cards.get_by_role("button", name="Send as a comment")).to_have_count(0)
    ada.reload()
    expect(cards.locator(".not-sent-text")).to_have_text([LATE[2]])
    shot(_top(ada), "vote")

    # Back in Propose the last one can go as it was meant to: as an idea.
    set_phase(cockpit, "Propose")
    cards.get_by_role("button", name="Send again").click()
    expect(cards).to_have_count(0)
    expect(box).to_be_hidden()
    expect(items_with(ada, LATE[2])).to_have_count(1)
    assert _texts(live_server, workshop_id) == [KEPT, LATE[2]]
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def _option(page, label: str):
    return page.locator("[data-ballot] li.ballot-option").filter(has_text=label)


def _db_ballot(server, round_id: int) -> tuple[dict, int]:
    rows = query(server, "SELECT data, version FROM ballots WHERE round_id = ?", round_id)
    assert len(rows) == 1, rows
    return json.loads(rows[0][0]), rows[0][1]


def test_a_ballot_change_refused_by_a_closed_round_is_shown_as_not_saved(screens, live_server, shot):
    cockpit, workshop_id, code = open_cockpit(screens, live_server, "Closed too soon")
    ada = join_phone(screens, code, "Ada")
    for text in (KEPT, LEGAL, PORTS):
        propose(ada, text)
    expect(ada.locator("[data-mine] li.item")).to_have_count(3)
    set_phase(cockpit, "Vote")
    items = dict(query(live_server, "SELECT text, id FROM items WHERE workshop_id = ?", workshop_id))
    ack = as_staff(
        live_server,
        cockpit,
        workshop_id,
        "open_round",
        {"title": "Which first?", "method": "dots", "target": "items", "item_ids": list(items.values())},
    )
    round_id = ack["round"]["id"]
    opts = {o["label"]: o["id"] for o in ack["round"]["options"]}
    for _ in range(3):
        _option(ada, LEGAL).locator(".plus").click()
    _option(ada, PORTS).locator(".plus").click()
    status = ada.locator("[data-save-status]")
    expect(status).to_have_text("Saved")
    saved = {str(opts[LEGAL]): 3, str(opts[PORTS]): 1}
    ballot, version = _db_ballot(live_server, round_id)
    assert ballot == saved

    # Offline, a point moves from the legal desk to the ports; the round closes meanwhile.
    _offline(ada)
    _option(ada, LEGAL).locator(".minus").click()
    _option(ada, PORTS).locator(".plus").click()
    expect(status).to_have_text("Waiting for the connection")
    ada.wait_for_function(  # queued, not only waiting for its moment to go
        "key => JSON.parse(localStorage.getItem(key) || '[]').length === 1",
        arg=queue_key(ada, workshop_id),
    )
    as_staff(live_server, cockpit, workshop_id, "close_round", {"round_id": round_id})
    _online(ada)

    # The rows show what the server holds, under the saved heading; the change, refused, is
    # marked as not saved with the reason, above that heading.
    unsaved = ada.locator("[data-ballot-unsaved]")
    expect(unsaved).to_be_visible()
    expect(unsaved.locator(".unsaved-reason")).to_have_text("This round is closed.")
    expect(unsaved.locator(".unsaved-title")).to_have_text("Not saved")
    expect(unsaved.locator("li")).to_have_text([f"{LEGAL}2 points", f"{PORTS}2 points"])
    expect(ada.locator("[data-ballot] .ballot-hint")).to_have_text("Your ballot, as it was saved:")
    expect(_option(ada, LEGAL).locator("[data-points]")).to_have_text("3")
    expect(_option(ada, PORTS).locator("[data-points]")).to_have_text("1")
    assert ada.evaluate(
        """() => {
            const box = document.querySelector("[data-ballot-unsaved]");
            const heading = document.querySelector("[data-ballot] .ballot-hint");
            return Boolean(box.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    ), "the unsaved change sits under the saved heading"
    assert _db_ballot(live_server, round_id) == (saved, version)
    _fits(ada)
    shot(_top(ada), "not-saved")

    # Later renders (the results revealed, a reload) keep the refusal and its reason.
    as_staff(live_server, cockpit, workshop_id, "reveal_results", {"round_id": round_id, "revealed": True})
    expect(ada.locator("[data-vote-results] [data-results]")).to_be_visible()
    expect(unsaved.locator(".unsaved-reason")).to_have_text("This round is closed.")
    ada.reload()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    expect(unsaved.locator(".unsaved-reason")).to_have_text("This round is closed.")
    expect(_option(ada, PORTS).locator("[data-points]")).to_have_text("1")
    shot(_top(ada), "not-saved-reloaded")

    # Discarded: only the saved ballot is left.
    unsaved.get_by_role("button", name="Discard").click()
    expect(unsaved).to_be_hidden()
    expect(_option(ada, LEGAL).locator("[data-points]")).to_have_text("3")
    assert _db_ballot(live_server, round_id) == (saved, version)
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
