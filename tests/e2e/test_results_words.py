"""Results as the room reads them, in real browsers (issue 16): every closed round in turn on the
projector in the Results phase; on a phone, a dot vote's choices with no dot folded, and a market
nobody scored ranked "–", never "null"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, create_workshop, join, log_in, set_phase
from tests.e2e.test_voting_screens import Phone

pytestmark = pytest.mark.e2e


def _round(cockpit, method: str, title: str) -> None:
    form = cockpit.locator("[data-round-form]")
    form.get_by_label(method, exact=False).first.check()
    form.get_by_label("The target markets").check()
    form.get_by_label("Title").fill(title)
    form.get_by_role("button", name="Open the round").click()
    expect(cockpit.locator("[data-round-open] .round-title")).to_have_text(title)


def _close_and_reveal(cockpit, title: str) -> None:
    cockpit.locator("[data-round-open] [data-close-round]").click()
    expect(cockpit.locator("[data-round-detail] .round-title")).to_have_text(title)
    cockpit.locator("[data-round-detail] [data-reveal-results]").click()
    expect(cockpit.locator("[data-round-detail] [data-reveal-results]")).to_have_text("Hide the results")


def test_results_fold_no_dots_rank_unscored_markets_and_show_every_round(screens, live_server, shot):
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, live_server.create_user("words@example.org", "facilitator"))
    workshop_id, code = create_workshop(cockpit, "Words")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    phones = {name: Phone(live_server, code, workshop_id, name) for name in ("Ada", "Bo", "Cy")}
    for name, (text, country) in {
        "Ada": ("Robotics", "JP"),
        "Bo": ("Fintech", "BR"),
        "Cy": ("Chips", "IN"),
    }.items():
        phones[name].propose(text, country)
    di = screens.phone("Di").new_page()
    di.goto(f"/j/{code}")
    join(di, "Di")
    set_phase(cockpit, "Vote")

    # Round 1, dots: Japan and Brazil tie, nobody gives India a dot.
    _round(cockpit, "Dot vote", "Where first?")
    ids = {o["country"]: str(o["id"]) for o in phones["Ada"].open_round()["options"]}
    phones["Ada"].vote({ids["JP"]: 3, ids["BR"]: 2})
    phones["Bo"].vote({ids["JP"]: 1})
    phones["Cy"].vote({ids["BR"]: 2})
    _close_and_reveal(cockpit, "Where first?")

    # Round 2, scores: nobody scores India.
    _round(cockpit, "Scoring of markets", "How good?")
    round_ = phones["Ada"].open_round()
    ids = {o["country"]: str(o["id"]) for o in round_["options"]}
    crit = [str(c["id"]) for c in round_["criteria"]]
    phones["Ada"].vote({ids["JP"]: dict.fromkeys(crit, 5), ids["BR"]: dict.fromkeys(crit, 3)})
    phones["Bo"].vote({ids["JP"]: dict.fromkeys(crit, 4)})
    _close_and_reveal(cockpit, "How good?")

    # The Results phase: every closed round in turn on the projector, ↓ and ↑ to turn.
    set_phase(cockpit, "Results")
    page = projector.locator("[data-vote-page]")
    expect(page).to_have_text("Round 1 of 2")
    expect(projector.locator("[data-vote-title]")).to_have_text("Where first?")
    expect(projector.locator("[data-vote] .chart-row")).to_have_count(2)  # Japan, Brazil
    ranks = projector.locator("[data-vote] .chart-row").evaluate_all(
        "rows => rows.map((r) => r.dataset.rank)"
    )
    assert ranks == ["1.", "1."]
    expect(projector.locator("[data-vote] .chart-note")).to_have_text(["tied", "tied"])
    expect(projector.locator("[data-vote] [data-no-dots]")).to_have_text("1 with no dots")
    shot(projector, "projector-round-1-of-2")
    projector.keyboard.press("ArrowDown")
    expect(page).to_have_text("Round 2 of 2")
    expect(projector.locator("[data-vote-title]")).to_have_text("How good?")
    expect(projector.locator("[data-vote] .results-table td.rank")).to_have_text(["1.", "2.", "–"])
    shot(projector, "projector-round-2-of-2")
    projector.keyboard.press("ArrowUp")
    expect(page).to_have_text("Round 1 of 2")

    # The phone: India folded under "1 with no dots", and ranked "–" where nobody scored it.
    results = di.locator("[data-results-list] [data-results]")
    expect(results).to_have_count(2)
    dots = di.locator("[data-results-list] [data-method=dots]")
    expect(dots.locator(".result-row .result-rank")).to_have_text(["1.tied", "1.tied"])
    folded = dots.locator("[data-no-dots]")
    expect(folded.locator("summary")).to_have_text("1 with no dots")
    folded.locator("summary").click()
    expect(folded).to_contain_text("India")
    scores = di.locator("[data-results-list] [data-method=scores]")
    expect(scores.locator(".result-row .result-rank")).to_have_text(["1.", "2.", "–"])
    expect(di.locator("[data-results-list]")).not_to_contain_text("null")
    expect(di.locator("[data-results-list]")).not_to_contain_text("spread")
    shot(di, "phone-results")
    for phone in phones.values():
        phone.sio.disconnect()
    assert screens.errors == []
    assert "Traceback" not in live_server.log()
