"""Voting rounds on the staff screens in real browsers: the cockpit opens and drives rounds,
the projector shows the count and, once revealed, the results as charts.

Phones take part through python-socketio clients that joined over HTTP (as
tests/test_live_server.py does): the phone's own voting screens are tested elsewhere, and a
socket ballot is exactly what the server counts. One live server for the module; each test
makes its own workshop. Assertions wait (`expect`), they never sleep.
"""

from __future__ import annotations

import re
import uuid

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
    log_in,
    set_phase,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module's tests (overrides the per-test one of tests/conftest.py)."""
    with live.start(tmp_path_factory.mktemp("voting")) as server:
        yield server


@pytest.fixture(scope="module")
def facilitator(live_server) -> str:
    return live_server.create_user("voting@example.org", "facilitator")


# --- phones as sockets -------------------------------------------------------------------


class Phone:
    """A participant who joined over HTTP and speaks to the room through a socket."""

    def __init__(self, server: live.LiveServer, code: str, workshop_id: int, name: str):
        self.sio = live.connect(server, live.join(server, code, name), workshop_id, "participant")

    def call(self, event: str, payload: dict) -> dict:
        ack = live.call(self.sio, event, {"op_id": uuid.uuid4().hex, **payload})
        assert ack["ok"], ack
        return ack

    def propose(self, text: str, country: str | None = None) -> int:
        payload = (
            {"kind": "market", "text": text, "country": country}
            if country
            else {"kind": "idea", "text": text}
        )
        return self.call("propose_item", payload)["item"]["id"]

    def open_round(self) -> dict:
        snapshot = self.call("get_snapshot", {})["snapshot"]
        (round_,) = [r for r in snapshot["rounds"] if r["status"] == "open"]
        return round_

    def vote(self, ballot) -> None:
        self.call("cast_ballot", {"round_id": self.open_round()["id"], "base_version": 0, "ballot": ballot})


def _room(screens, live_server, facilitator: str, title: str, proposals: dict):
    """Cockpit and projector of a new workshop; phones that joined and proposed; the room in Vote."""
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, facilitator)
    workshop_id, code = create_workshop(cockpit, title)
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    phones = {}
    for name, (text, country) in proposals.items():
        phone = Phone(live_server, code, workshop_id, name)
        if text:  # else someone who only votes
            phone.propose(text, country)
            expect(items_with(cockpit, text)).to_have_count(1)
        phones[name] = phone
    set_phase(cockpit, "Vote")
    expect(cockpit.locator("[data-rounds-view]")).to_be_visible()  # the Vote phase opens on Rounds
    expect(projector.locator("[data-message]")).to_have_text("Voting opens here")  # no round yet
    return cockpit, projector, phones


def _open_round(cockpit, title: str, method: str) -> None:
    form = cockpit.locator("[data-round-form]")
    form.get_by_label(method, exact=False).first.check()
    form.get_by_label("Title").fill(title)
    form.get_by_role("button", name="Open the round").click()
    expect(cockpit.locator("[data-round-open] .round-title")).to_have_text(title)
    expect(form).to_be_hidden()  # one round at a time


def _expect_bars(page, where: str, expected: list[tuple[str, float]]) -> None:
    """Wait until a chart shows these bars, top to bottom: (label, value)."""
    rows = page.locator(f"{where} .chart-row")
    expect(rows).to_have_count(len(expected))
    for i, (label, value) in enumerate(expected):
        expect(rows.nth(i)).to_have_attribute("data-label", label)
        expect(rows.nth(i)).to_have_attribute("data-value", f"{value:g}")


def _inside_viewport(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    vp = PROJECTOR["viewport"]
    assert box is not None, selector
    assert box["y"] + box["height"] <= vp["height"] + 1, (selector, box)
    assert box["x"] + box["width"] <= vp["width"] + 1, (selector, box)


def _finish(screens, live_server) -> None:
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def _disconnect(phones) -> None:
    for phone in phones.values():
        phone.sio.disconnect()


IDEAS = {
    "Ada": ("Joint pavilion at a Tokyo AI fair", None),
    "Bo": ("Shared legal desk for data rules abroad", None),
    "Cy": ("Blockchain pilots with ports in Singapore", None),
}


def test_dot_vote_reveal_limits_rerun_and_compare(screens, live_server, facilitator, shot):
    # Di only votes: four voters, so that a choice can be split (a third of them at each end).
    room = IDEAS | {"Di": (None, None)}
    cockpit, projector, phones = _room(screens, live_server, facilitator, "Dot vote", room)
    pavilion, desk, ports = (IDEAS[n][0] for n in ("Ada", "Bo", "Cy"))
    _open_round(cockpit, "Which ideas first?", "Dot vote")
    open_card = cockpit.locator("[data-round-open]")
    expect(open_card.locator("[data-round-count]")).to_have_text("0 of 4 have voted")
    vote = projector.locator("[data-vote]")
    expect(vote.locator("[data-vote-title]")).to_have_text("Which ideas first?")
    expect(vote.locator("[data-vote-method]")).to_have_text("Dot vote")
    expect(vote.locator("[data-vote-count]")).to_have_text("0 of 4 have voted")

    ids = {o["label"]: str(o["id"]) for o in phones["Ada"].open_round()["options"]}
    phones["Ada"].vote({ids[pavilion]: 3, ids[desk]: 1})
    phones["Bo"].vote({ids[pavilion]: 3, ids[desk]: 1})
    expect(vote.locator("[data-vote-count]")).to_have_text("2 of 4 have voted")

    # Change limits mid-round: 6 dots instead of 5, after a confirmation (accepted).
    open_card.locator("[data-change-limits]").click()
    limits = open_card.locator("[data-limits-form]")
    limits.get_by_label("Dots per person").fill("6")
    limits.get_by_role("button", name="Apply").click()
    expect(open_card.locator(".round-summary")).to_contain_text("6 dots each, at most 3 per item")
    phones["Cy"].vote({ids[pavilion]: 2, ids[desk]: 1, ids[ports]: 3})  # 6 dots: allowed only now
    phones["Di"].vote({ids[ports]: 3, ids[desk]: 1})

    # The room sees the count and the choices, large, and no results until they are revealed.
    count = vote.locator("[data-vote-count]")
    expect(count).to_have_text("4 of 4 have voted")
    expect(vote.locator("[data-vote-choices] .proj-choice-text")).to_have_text([pavilion, desk, ports])
    expect(vote.locator("[data-vote-note]")).to_have_text("Vote on your phone")
    expect(vote.locator(".chart-row")).to_have_count(0)
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    # The facilitator sees them live, ranked, the split item flagged (two gave it all 3 dots, two none).
    _expect_bars(cockpit, "[data-round-open]", [(pavilion, 8), (ports, 6), (desk, 4)])
    ranks = open_card.locator(".chart-row").evaluate_all("rows => rows.map((r) => r.dataset.rank)")
    assert ranks == ["1.", "2.", "3."]
    flagged = open_card.locator(".chart-row.is-flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_have_attribute("data-label", ports)
    expect(flagged.locator(".chart-flag")).to_have_text("⚑ worth discussing")
    expect(flagged.locator(".chart-note")).to_have_text("spread 1.5")
    shot(cockpit, "cockpit-dots-hidden")
    shot(projector, "projector-dots-hidden")

    open_card.locator("[data-reveal-results]").click()
    _expect_bars(projector, "[data-vote]", [(pavilion, 8), (ports, 6), (desk, 4)])
    # The room's words: "opinions split", and no spread figure.
    room_flag = projector.locator("[data-vote] .chart-row.is-flagged")
    expect(room_flag).to_have_attribute("data-label", ports)
    expect(room_flag.locator(".chart-flag")).to_have_text("⚑ opinions split")
    expect(projector.locator("[data-vote] .chart-note")).to_have_count(0)
    expect(projector.locator("[data-vote] .split-note")).to_contain_text("Opinions split")
    _inside_viewport(projector, "[data-vote] .chart")
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    check_layout(cockpit)
    shot(cockpit, "cockpit-dots-revealed")
    shot(projector, "projector-dots-revealed")
    open_card.locator("[data-reveal-results]").click()  # Hide again: the room's bars go
    expect(projector.locator("[data-vote] .chart-row")).to_have_count(0)
    open_card.locator("[data-reveal-results]").click()
    expect(projector.locator("[data-vote] .chart-row")).to_have_count(3)

    # Close (confirmed): the round stays in view with its results and "Run again".
    open_card.locator("[data-close-round]").click()
    detail = cockpit.locator("[data-round-detail]")
    expect(detail.locator(".round-card .tag")).to_have_text("Closed")
    expect(cockpit.locator("[data-round-form]")).to_be_visible()
    expect(vote.locator("[data-vote-method]")).to_have_text("Dot vote · Closed")
    detail.locator("[data-rerun]").click()
    expect(open_card.locator(".round-title")).to_have_text("Which ideas first? (again)")
    expect(vote.locator("[data-vote-title]")).to_have_text("Which ideas first? (again)")
    expect(vote.locator("[data-vote-count]")).to_have_text("0 of 4 have voted")
    # One round at a time: the server's refusal shows in the Rounds panel.
    cockpit.locator("[data-round-list] [data-rerun]").click()
    expect(cockpit.locator("[data-round-error]")).to_have_text("Close the open round first.")
    again = {o["label"]: str(o["id"]) for o in phones["Ada"].open_round()["options"]}
    assert set(again) == set(ids) and again != ids  # the same choices, in a new round
    phones["Ada"].vote({again[ports]: 3})
    phones["Bo"].vote({again[ports]: 3, again[pavilion]: 2})
    phones["Cy"].vote({again[pavilion]: 3, again[ports]: 2})
    expect(open_card.locator("[data-round-count]")).to_have_text("3 of 4 have voted")
    open_card.locator("[data-close-round]").click()
    expect(detail.locator(".round-card .round-title")).to_have_text("Which ideas first? (again)")

    # Side by side: the round and its rerun.
    cockpit.locator(".round-row", has_text="Which ideas first? (again)").locator(
        "[data-compare-round]"
    ).click()
    expect(detail.locator(".round-card")).to_have_count(2)
    expect(detail.locator(".round-card .round-title")).to_have_text(
        ["Which ideas first?", "Which ideas first? (again)"]
    )
    _expect_bars(
        cockpit, "[data-round-detail] .round-card:nth-child(1)", [(pavilion, 8), (ports, 6), (desk, 4)]
    )
    # Nobody gave the desk a dot: it folds into one line, which opens on its name.
    _expect_bars(cockpit, "[data-round-detail] .round-card:nth-child(2)", [(ports, 8), (pavilion, 5)])
    folded = cockpit.locator("[data-round-detail] .round-card:nth-child(2) [data-no-dots]")
    expect(folded.locator("summary")).to_have_text("1 with no dots")
    folded.locator("summary").click()
    expect(folded).to_contain_text(desk)
    first, second = (detail.locator(".round-card").nth(i).bounding_box() for i in (0, 1))
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 1, (
        "not side by side"
    )
    detail.scroll_into_view_if_needed()
    check_layout(cockpit)
    shot(cockpit, "cockpit-compare")
    _disconnect(phones)
    _finish(screens, live_server)


def test_ranking_shows_borda_and_the_condorcet_winner(screens, live_server, facilitator, shot):
    cockpit, projector, phones = _room(screens, live_server, facilitator, "Ranking", IDEAS)
    pavilion, desk, ports = (IDEAS[n][0] for n in ("Ada", "Bo", "Cy"))
    # An error from the server's ack shows in the form, by the field it concerns.
    form = cockpit.locator("[data-round-form]")
    form.get_by_role("button", name="Select none").click()
    form.get_by_role("button", name="Open the round").click()
    expect(form.locator("[data-round-form-error]")).to_have_text("A round needs at least two choices.")
    expect(form.locator("[data-field=item_ids]")).to_have_class(re.compile("has-error"))
    form.get_by_role("button", name="Select all").click()
    _open_round(cockpit, "Put the ideas in order", "Ranking")
    expect(form.locator("[data-round-form-error]")).to_be_hidden()
    vote = projector.locator("[data-vote]")
    expect(vote.locator("[data-vote-method]")).to_have_text("Ranking")
    ids = {o["label"]: o["id"] for o in phones["Ada"].open_round()["options"]}
    phones["Ada"].vote([ids[pavilion], ids[desk], ids[ports]])
    phones["Bo"].vote([ids[pavilion], ids[ports], ids[desk]])
    phones["Cy"].vote([ids[desk], ids[pavilion], ids[ports]])
    expect(vote.locator("[data-vote-count]")).to_have_text("3 of 3 have voted")
    expect(vote.locator(".chart-row, [data-condorcet]")).to_have_count(0)  # hidden until revealed
    _expect_bars(cockpit, "[data-round-open]", [(pavilion, 5), (desk, 3), (ports, 1)])
    expect(cockpit.locator("[data-round-open] [data-condorcet]")).to_have_text(
        f"Condorcet winner: {pavilion}"
    )

    cockpit.locator("[data-round-open] [data-reveal-results]").click()
    _expect_bars(projector, "[data-vote]", [(pavilion, 5), (desk, 3), (ports, 1)])
    expect(vote.locator("[data-condorcet] .condorcet-name")).to_have_text(pavilion)
    _inside_viewport(projector, "[data-vote] .chart")
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    check_layout(cockpit)
    shot(cockpit, "cockpit-ranking")
    shot(projector, "projector-ranking")

    # Results phase: the latest revealed round stays on the projector after the round closes.
    cockpit.locator("[data-round-open] [data-close-round]").click()
    set_phase(cockpit, "Results")
    expect(projector.locator("[data-phase-name]")).to_have_text("Results")
    _expect_bars(projector, "[data-vote]", [(pavilion, 5), (desk, 3), (ports, 1)])
    expect(projector.locator("[data-vote-method]")).to_have_text("Ranking · Closed")
    shot(projector, "projector-results-phase")
    _disconnect(phones)
    _finish(screens, live_server)


MARKETS = {
    "Ada": ("Robotics and AI hubs in Osaka", "JP"),
    "Bo": ("Fintech sandboxes in São Paulo", "BR"),
    "Cy": ("Blockchain for supply chains in Bangalore", "IN"),
}


def test_scoring_markets_shows_a_table_and_the_quadrant(screens, live_server, facilitator, shot):
    room = MARKETS | {"Di": (None, None)}  # four voters: India splits the room, two against two
    cockpit, projector, phones = _room(screens, live_server, facilitator, "Markets", room)
    form = cockpit.locator("[data-round-form]")
    form.get_by_label("Scoring of markets").check()
    expect(form.locator("input[name=target][value=markets]")).to_be_checked()
    names = form.locator("[data-criterion-name]")
    expect(names).to_have_count(3)
    assert [names.nth(i).input_value() for i in range(3)] == [
        "Market potential",
        "Capital opportunities",
        "Knowledge and expertise in AI and blockchain",
    ]
    # The criteria editor: add one, then remove it again; weigh market potential double.
    form.get_by_role("button", name="Add criterion").click()
    expect(names).to_have_count(4)
    names.nth(3).fill("Regulation")
    form.locator(".criterion").nth(3).locator("button").click()
    expect(names).to_have_count(3)
    form.locator("[data-criterion-weight]").first.fill("2")
    _open_round(cockpit, "Where do we go first?", "Scoring of markets")
    round_ = phones["Ada"].open_round()
    assert [(c["name"], c["weight"]) for c in round_["criteria"]] == [
        ("Market potential", 2.0),
        ("Capital opportunities", 1.0),
        ("Knowledge and expertise in AI and blockchain", 1.0),
    ]
    crit = [str(c["id"]) for c in round_["criteria"]]
    ids = {o["country"]: str(o["id"]) for o in round_["options"]}

    def row(*scores):
        return dict(zip(crit, scores, strict=True))

    phones["Ada"].vote({ids["JP"]: row(5, 4, 5), ids["BR"]: row(2, 2, 1), ids["IN"]: row(5, 5, 5)})
    phones["Bo"].vote({ids["JP"]: row(4, 4, 4), ids["BR"]: row(3, 1, 2), ids["IN"]: row(1, 1, 1)})
    phones["Cy"].vote({ids["JP"]: row(5, 3, 4), ids["BR"]: row(2, 2, 2), ids["IN"]: row(5, 5, 5)})
    phones["Di"].vote({ids["IN"]: row(1, 2, 1)})  # Di scores India only
    vote = projector.locator("[data-vote]")
    expect(vote.locator("[data-vote-method]")).to_have_text("Scoring of markets")
    expect(vote.locator("[data-vote-count]")).to_have_text("4 of 4 have voted")
    expect(vote.locator(".results-table, .chart-quadrant")).to_have_count(0)

    # The cockpit: the ranked table (Japan first), India contested, and the 2×2.
    open_card = cockpit.locator("[data-round-open]")
    table_rows = open_card.locator(".results-table tbody tr")
    expect(table_rows.locator("td.market strong")).to_have_text(["Japan", "India", "Brazil"])
    expect(table_rows.nth(0).locator("td.score")).to_have_text("4.33")
    expect(open_card.locator(".results-table tr.is-flagged td.market strong")).to_have_text(["India"])
    points = open_card.locator(".chart-quadrant .chart-point")
    expect(points).to_have_count(3)
    japan = open_card.locator(".chart-point[data-label=Japan]")
    assert float(japan.get_attribute("data-x")) == pytest.approx(14 / 3, abs=0.002)
    assert float(japan.get_attribute("data-y")) == pytest.approx((11 / 3 + 13 / 3) / 2, abs=0.002)
    shot(cockpit, "cockpit-scores")

    open_card.locator("[data-reveal-results]").click()
    proj_rows = vote.locator(".results-table tbody tr")
    expect(proj_rows.locator("td.market strong")).to_have_text(["Japan", "India", "Brazil"])
    expect(vote.locator(".chart-quadrant .chart-point")).to_have_count(3)
    expect(vote.locator(".chart-quadrant .chart-point.is-flagged")).to_have_attribute("data-label", "India")
    expect(vote.locator(".tag.flag")).to_have_text(["opinions split"])
    expect(vote.locator(".spread-note")).to_have_count(0)  # the figures stay in the cockpit
    expect(proj_rows.locator("td.rank")).to_have_text(["1.", "2.", "3."])
    _inside_viewport(projector, "[data-vote] .chart-quadrant")
    _inside_viewport(projector, "[data-vote] .results-table")
    check_layout(projector, scrolls=False, fonts=PROJECTOR_FONTS)
    check_layout(cockpit)
    shot(projector, "projector-scores")
    _disconnect(phones)
    _finish(screens, live_server)
