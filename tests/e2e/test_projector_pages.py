"""The projector read from the back of the room (issue 16), in a real browser at 1920×1080:
type no smaller than 28 px for what the room must read and 22 px for the rest, nothing cut
when the room sends more than fits (pages that turn by themselves, ↓ and ↑ to turn them), the
join panel a corner code after the lobby (J brings it back), an open round's choices, the
spotlighted item's comments, and results tables and 2×2s whose text never overlaps, on the
projector and on the cockpit at 1366×768 and 1920×1080.

Participants and the facilitator's board commands go through sockets (as
tests/e2e/test_voting_screens.py does): what is tested here is what the screens show. The
pages' own clock is Playwright's, so a page turning by itself is seen without waiting.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import (
    CONN,
    LAPTOP,
    PROJECTOR_FONTS,
    WIDE,
    Staff,
    check_layout,
    items_with,
    open_cockpit,
    set_phase,
)
from tests.e2e.test_voting_screens import Phone

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module; its participants send faster than people do."""
    server = live.start(tmp_path_factory.mktemp("pages"), **live.UNLIMITED)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def facilitator(live_server) -> str:
    return live_server.create_user("pages@example.org", "facilitator")


def _room(screens, live_server, facilitator: str, title: str, people: int = 3):
    """A cockpit, a projector (its clock Playwright's) and phones as sockets; the room in Propose."""
    question = "How do we reach markets beyond Europe?"
    cockpit, workshop_id, code = open_cockpit(screens, live_server, title, question, email=facilitator)
    projector = screens.projector(cockpit.context).new_page()
    projector.clock.install()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    phones = [Phone(live_server, code, workshop_id, f"Person {i + 1}") for i in range(people)]
    staff = Staff(live_server, cockpit, workshop_id)
    return cockpit, projector, phones, staff, workshop_id


IDEA = "{n}. A shared {what} for our start-ups abroad, run by the four clusters together"
WHAT = ["legal desk", "trade-fair pavilion", "investor roadshow", "data-rules helpdesk", "mentor pool"]


def _ideas(phones, count: int) -> list[str]:
    texts = []
    for n in range(1, count + 1):
        text = IDEA.format(n=n, what=WHAT[n % len(WHAT)])
        phones[n % len(phones)].propose(text)
        texts.append(text)
    return texts


def _pages(page, where: str = "[data-pager]") -> int:
    return int(page.locator(where).get_attribute("data-pages"))


def _each_page(projector, shown: str, least: int = 3, attr: str | None = None) -> list[list[str]]:
    """What `shown` holds on each page (its visible texts, or `attr`), turning with ↓ from the
    first page; the geometric check runs on every page."""
    pager = projector.locator("[data-pager]")
    pages = _pages(projector)
    assert pages >= least, f"{pages} pages: the test needs enough to fill {least}"
    seen = []
    for n in range(1, pages + 1):
        expect(pager).to_have_attribute("data-page", str(n))
        expect(pager).to_contain_text(f"Page {n} of {pages}")
        check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
        here = projector.locator(shown).filter(visible=True)
        seen.append(
            [here.nth(i).get_attribute(attr) for i in range(here.count())] if attr else here.all_inner_texts()
        )
        projector.keyboard.press("ArrowDown")
    expect(pager).to_have_attribute("data-page", "1")  # after the last, the first again
    return seen


def _once_each(seen: list[list[str]], expected: list[str]) -> None:
    flat = [text for page in seen for text in page]
    assert sorted(flat) == sorted(expected), seen
    assert all(seen), f"an empty page: {seen}"


def test_items_and_the_board_go_page_by_page_in_type_read_from_afar(screens, live_server, facilitator, shot):
    cockpit, projector, phones, staff, workshop_id = _room(screens, live_server, facilitator, "Pages")
    pager = projector.locator("[data-pager]")
    hint = projector.locator("[data-hint]")
    join_panel, corner = projector.locator("[data-join]"), projector.locator("[data-corner-code]")

    # The lobby: the join panel large, the shortcut hint where nothing is under it.
    set_phase(cockpit, "Welcome")
    expect(join_panel).to_be_visible()
    expect(hint).to_be_visible()
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    shot(projector, "lobby")

    # Propose: the code in a corner, the hint gone; 24 ideas, newest first, page by page.
    set_phase(cockpit, "Propose")
    expect(join_panel).to_be_hidden()
    expect(corner).to_be_visible()
    expect(hint).to_be_hidden()
    texts = _ideas(phones, 24)
    expect(projector.locator("[data-items] li.item")).to_have_count(24)
    expect(projector.locator("[data-items] li.item").first.locator(".item-text")).to_have_text(texts[-1])
    seen = _each_page(projector, "[data-items] li.item .item-text")
    _once_each(seen, texts)
    assert seen[0][0] == texts[-1]
    shot(projector, "propose-page-1")

    # ↑ turns back; the pages turn by themselves too, every few seconds.
    projector.keyboard.press("ArrowUp")
    last = str(_pages(projector))
    expect(pager).to_have_attribute("data-page", last)
    projector.clock.run_for(9_000)
    expect(pager).to_have_attribute("data-page", "1")
    projector.clock.run_for(9_000)
    expect(pager).to_have_attribute("data-page", "2")

    # J brings the join panel back for latecomers (the items make room for it), J again hides it.
    projector.keyboard.press("j")
    expect(join_panel).to_be_visible()
    expect(corner).to_be_hidden()
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    shot(projector, "propose-join-panel")
    projector.keyboard.press("j")
    expect(join_panel).to_be_hidden()

    # Discuss: by support, with the counts that are not zero, page by page.
    set_phase(cockpit, "Discuss")
    ranked = projector.locator("[data-ranked] li.item")
    expect(ranked).to_have_count(24)
    items = {i["text"]: i["id"] for i in phones[0].call("get_snapshot", {})["snapshot"]["items"]}
    for phone in phones:
        phone.call("toggle_reaction", {"item_id": items[texts[4]]})
    phones[1].call("add_comment", {"item_id": items[texts[4]], "text": "Which fair first?"})
    expect(ranked.first.locator(".item-text")).to_have_text(texts[4])
    expect(ranked.first.locator(".proj-plus")).to_have_text("+3")
    expect(ranked.first.locator(".proj-ncomments")).to_have_text("1 comment")
    expect(projector.locator("[data-ranked] .proj-meta")).to_have_count(1)  # no "+0 · 0 comments"
    _once_each(_each_page(projector, "[data-ranked] li.item .item-text"), texts)
    shot(projector, "discuss")

    # Cluster: ten themes and the unsorted column, four columns a page; a column longer than
    # the screen ends in "and N more".
    themes = [f"Theme {n}: {WHAT[n % len(WHAT)]}" for n in range(1, 11)]
    for n, name in enumerate(themes):
        staff.call("create_theme", {"name": name, "item_ids": [items[texts[n]]]})
    set_phase(cockpit, "Cluster")
    columns = projector.locator("[data-cluster] .board-col")
    expect(columns).to_have_count(11)
    unsorted = projector.locator("[data-cluster] .board-col.is-unsorted")
    expect(unsorted.locator(".proj-more")).to_have_text(re.compile(r"^and \d+ more$"))
    shown_cards = unsorted.locator(".board-card").filter(visible=True).count()
    more = int(unsorted.locator(".proj-more").inner_text().split()[1])
    assert shown_cards + more == 24 - 10 and shown_cards >= 1
    seen = _each_page(projector, "[data-cluster] .board-col .col-name")
    _once_each(seen, ["Unsorted", *themes])
    shot(projector, "cluster")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def _ballots(phones, round_id: int, ballots) -> None:
    for phone, ballot in zip(phones, ballots, strict=True):
        phone.call("cast_ballot", {"round_id": round_id, "base_version": 0, "ballot": ballot})


def test_an_open_round_shows_its_choices_and_its_results_by_page(screens, live_server, facilitator, shot):
    cockpit, projector, phones, staff, _ = _room(screens, live_server, facilitator, "Dots", people=4)
    texts = _ideas(phones, 24)
    expect(items_with(cockpit, texts[-1])).to_have_count(1)
    set_phase(cockpit, "Vote")
    snapshot = phones[0].call("get_snapshot", {})["snapshot"]
    item_ids = [i["id"] for i in snapshot["items"]]
    round_ = staff.call(
        "open_round", {"title": "Which first?", "method": "dots", "target": "items", "item_ids": item_ids}
    )["round"]

    # Open: what the room votes on, and the count.
    vote = projector.locator("[data-vote]")
    expect(vote.locator("[data-vote-title]")).to_have_text("Which first?")
    expect(vote.locator("[data-vote-count]")).to_have_text("0 of 4 have voted")
    expect(vote.locator("[data-vote-note]")).to_have_text("Vote on your phone")
    expect(vote.locator("[data-vote-choices] li")).to_have_count(24)
    _once_each(_each_page(projector, "[data-vote-choices] .proj-choice-text", least=2), texts)
    shot(projector, "open-round")

    # Revealed: every choice with dots a bar on one page or another, in order, in type the room
    # reads; the seven with none folded into one line (a dot vote shows what the room chose).
    option = {o["label"]: str(o["id"]) for o in round_["options"]}
    singles = [texts[2:7], texts[7:12], texts[12:17]]
    _ballots(
        phones,
        round_["id"],
        [{option[texts[0]]: 3, option[texts[1]]: 2}] + [{option[t]: 1 for t in five} for five in singles],
    )
    expect(vote.locator("[data-vote-count]")).to_have_text("4 of 4 have voted")
    expect(vote.locator("[data-vote-choices]")).to_be_visible()
    staff.call("reveal_results", {"round_id": round_["id"], "revealed": True})
    expect(vote.locator("[data-vote-choices]")).to_be_hidden()
    expect(vote.locator(".chart-row").first).to_have_attribute("data-label", texts[0])
    seen = _each_page(projector, "[data-vote] .chart-row", least=2, attr="data-label")
    _once_each(seen, texts[:17])
    assert [label for page in seen for label in page][:2] == [texts[0], texts[1]]  # 3 dots, then 2
    expect(vote.locator("[data-no-dots]")).to_have_text("7 with no dots")
    shot(projector, "dots-results")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


# Nine markets, several close together on the 2×2.
MARKETS = [
    ("JP", "AI hubs in Osaka"),
    ("KR", "Smart factories in Busan"),
    ("SG", "Blockchain for ports"),
    ("IN", "Supply chains in Bangalore"),
    ("BR", "Fintech sandboxes in São Paulo"),
    ("US", "Investors in Boston"),
    ("CA", "AI research in Montreal"),
    ("AE", "Free zones in Dubai"),
    ("ZA", "Mining data in Johannesburg"),
]
# Per voter, per market: scores on the three criteria. Japan, Korea and Singapore land close.
SCORES = [
    [(5, 4, 5), (5, 4, 4), (4, 4, 5), (3, 2, 3), (2, 2, 1), (4, 5, 3), (3, 3, 4), (3, 4, 2), (1, 2, 2)],
    [(4, 4, 4), (4, 4, 5), (5, 4, 4), (3, 3, 2), (3, 1, 2), (4, 5, 4), (4, 3, 3), (3, 3, 3), (2, 1, 2)],
    [(5, 3, 4), (5, 4, 4), (5, 4, 4), (4, 2, 3), (2, 2, 2), (5, 4, 4), (3, 4, 3), (2, 4, 3), (2, 2, 1)],
    [(4, 5, 4), (4, 5, 4), (4, 5, 4), (3, 3, 3), (1, 2, 2), (4, 4, 4), (3, 3, 3), (3, 3, 3), (1, 1, 1)],
]


def test_scoring_table_and_2x2_fit_and_never_overlap(screens, live_server, facilitator, shot):
    cockpit, projector, phones, staff, workshop_id = _room(screens, live_server, facilitator, "Markets", 4)
    for n, (country, text) in enumerate(MARKETS):
        phones[n % 4].propose(text, country)
    expect(items_with(cockpit, MARKETS[-1][1])).to_have_count(1)
    set_phase(cockpit, "Vote")
    opened = staff.call("open_round", {"title": "Where first?", "method": "scores", "target": "markets"})
    round_ = opened["round"]
    crit = [str(c["id"]) for c in round_["criteria"]]
    option = {o["country"]: str(o["id"]) for o in round_["options"]}
    ballots = [
        {option[c]: dict(zip(crit, row, strict=True)) for (c, _), row in zip(MARKETS, voter, strict=True)}
        for voter in SCORES
    ]
    _ballots(phones, round_["id"], ballots)
    staff.call("reveal_results", {"round_id": round_["id"], "revealed": True})

    vote = projector.locator("[data-vote]")
    expect(vote.locator(".chart-quadrant .chart-point")).to_have_count(9)
    # Criteria are keyed A, B, C over their columns and named once, in the legend.
    expect(vote.locator(".results-table th.crit .crit-key")).to_have_text(["A", "B", "C"])
    expect(vote.locator(".crit-legend dd")).to_have_text(
        ["Market potential", "Capital opportunities", "Knowledge and expertise in AI and blockchain"]
    )
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    table = vote.locator(".results-table").bounding_box()
    voters = vote.locator(".results-table thead th").last
    expect(voters).to_have_text("Voters")
    assert voters.bounding_box()["x"] + voters.bounding_box()["width"] <= table["x"] + table["width"] + 1
    shot(projector, "scores", docs="projector-results")

    # The cockpit shows the same table and 2×2 at 1366×768 and at 1920×1080.
    card = cockpit.locator("[data-round-open]")
    expect(card.locator(".chart-quadrant .chart-point")).to_have_count(9)
    card.locator(".results-table").scroll_into_view_if_needed()
    check_layout(cockpit)
    shot(cockpit, "scores-1366")
    wide = screens.new(WIDE, "wide cockpit", storage_state=cockpit.context.storage_state()).new_page()
    wide.goto(f"/workshops/{workshop_id}")
    wide.locator("[data-view=rounds]").click()
    expect(wide.locator("[data-round-open] .chart-quadrant .chart-point")).to_have_count(9)
    check_layout(wide)
    shot(wide, "scores-1920")
    assert LAPTOP["viewport"]["width"] == 1366
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def test_the_spotlight_shows_its_comments(screens, live_server, facilitator, shot):
    cockpit, projector, phones, staff, workshop_id = _room(screens, live_server, facilitator, "Talk")
    texts = _ideas(phones, 3)
    expect(items_with(cockpit, texts[-1])).to_have_count(1)
    set_phase(cockpit, "Discuss")
    items = {i["text"]: i["id"] for i in phones[0].call("get_snapshot", {})["snapshot"]["items"]}
    talked = items[texts[1]]
    said = []
    for n in range(14):
        text = f"Comment {n + 1}: which fairs did the others try, and what did they cost us?"
        phones[n % 3].call("add_comment", {"item_id": talked, "text": text})
        said.append(text)
    first = phones[0].call("get_snapshot", {})["snapshot"]["comments"][0]["id"]
    reply = "A reply: Tokyo in spring, Singapore in autumn."
    phones[1].call("add_comment", {"item_id": talked, "text": reply, "parent_id": first})
    staff.call("add_comment", {"item_id": talked, "text": "Let us keep this for the next round."})
    staff.call("spotlight", {"item_id": talked})

    spot = projector.locator("[data-spotlight]")
    expect(spot.locator("[data-spotlight-text]")).to_have_text(texts[1])
    thread = spot.locator("[data-spotlight-list] .proj-comment")
    expect(thread).to_have_count(16)
    # The reply under the comment it answers, the facilitator's comment marked.
    expect(thread.nth(1)).to_have_class(re.compile("is-reply"))
    expect(thread.nth(1).locator(".comment-text")).to_have_text(reply)
    expect(thread.last.locator(".proj-comment-author")).to_have_text("Facilitator")
    pager = spot.locator("[data-spotlight-pager]")
    pages = _pages(projector, "[data-spotlight-pager]")
    assert pages >= 2, pages
    seen = []
    for n in range(1, pages + 1):
        expect(pager).to_have_attribute("data-page", str(n))
        check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
        seen.append(thread.locator(".comment-text").filter(visible=True).all_inner_texts())
        if n == 1:
            shot(projector, "spotlight-comments")
        projector.keyboard.press("ArrowDown")
    _once_each(seen, [*said, reply, "Let us keep this for the next round."])
    # Behind the spotlight, the cards count only what there is.
    staff.call("spotlight", {"item_id": None})
    expect(spot).to_be_hidden()
    expect(projector.locator("[data-ranked] .proj-meta")).to_have_count(1)
    expect(projector.locator("[data-ranked] .proj-ncomments")).to_have_text(["16 comments"])
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
