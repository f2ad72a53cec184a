"""The participant's phone (390×844): each person in their own language, a short join form,
proposing that says why nothing was sent and lists each item once, and results that show the
top of each round first with a 2×2 chart at a readable size.

Other phones are python-socketio clients that joined over HTTP (tests/e2e/test_accessibility.py's
SocketPhone). Assertions wait (`expect`), they never sleep.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import CONN, PHONE, create_workshop, items_with, join, log_in, propose, set_phase
from tests.e2e.test_accessibility import SocketPhone, Staff

pytestmark = pytest.mark.e2e

SCREEN_HEIGHT = PHONE["viewport"]["height"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module's tests (overrides the per-test one of tests/conftest.py)."""
    server = live.start(tmp_path_factory.mktemp("phones"), **live.UNLIMITED)
    yield server
    server.stop()


def _workshop(screens, live_server, title: str, language: str = "en"):
    """A facilitator's new workshop in that language, in Propose; (cockpit, id, code)."""
    email = f"{language}-{abs(hash(title))}@example.org"
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, live_server.create_user(email, "facilitator"))
    if language != "en":  # the workshop's language, chosen on its settings page
        page = cockpit
        page.get_by_role("link", name="New workshop").click()
        page.locator("#language").select_option(language)
        page.get_by_label("Title").fill(title)
        page.get_by_label("Host cluster").select_option(label="Cluster ICT")  # no cluster is chosen for you
        page.get_by_role("button", name="Create workshop").click()
        page.wait_for_url(re.compile(r"/workshops/\d+$"))
        expect(page.locator(CONN)).to_have_attribute("data-state", "live")
        set_phase(page, "Propose")
        code = page.locator("[data-code]").inner_text().strip()
        return cockpit, int(page.url.rsplit("/", 1)[1]), code
    workshop_id, code = create_workshop(cockpit, title)
    return cockpit, workshop_id, code


def _lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _phone(screens, name: str, locale: str = "en-GB"):
    return screens.new(PHONE, name, locale=locale).new_page()


def test_a_greek_phone_in_a_german_workshop_joins_in_greek_and_keeps_the_language_it_chooses(
    screens, live_server, shot
):
    _cockpit, workshop_id, code = _workshop(screens, live_server, "Über Europa hinaus", "de")
    greek = _phone(screens, "Eleni", "el-GR")
    greek.goto(f"/j/{code}")
    assert _lang(greek) == "el"

    # One short form: the name and the consent, marked required before anything is sent; the
    # notice and the optional fields folded; "Take part" on the first screen.
    expect(greek.locator(".required-mark")).to_have_count(2)
    expect(greek.locator(".required-mark").first).to_be_visible()
    expect(greek.locator("#display_name")).to_have_attribute("required", "")
    expect(greek.locator("#consent")).to_have_attribute("required", "")
    expect(greek.locator("#organisation")).to_be_hidden()
    expect(greek.locator("#sector")).to_be_hidden()
    expect(greek.locator(".notice p").first).to_be_hidden()
    # The notice consented to is the one in the language the form is read in.
    expect(greek.locator("[data-privacy-link]")).to_have_attribute("href", "/privacy?lang=el")
    submit = greek.locator("form button.primary[type=submit]")
    box = submit.bounding_box()
    assert box and box["y"] + box["height"] <= SCREEN_HEIGHT, f"'Take part' is below the first screen: {box}"
    shot(greek, "join")

    # Sent empty: both missing answers are said at once.
    submit.click()
    expect(greek.locator(".field .error")).to_have_count(2)
    greek.locator("#display_name").fill("Eleni")
    greek.locator("#consent").check()
    greek.locator("form button.primary[type=submit]").click()
    expect(greek.locator(CONN)).to_have_attribute("data-state", "live")
    assert _lang(greek) == "el"

    # She switches to Italian: the room comes back in it, and stays so on her other pages.
    greek.get_by_role("button", name="Italiano").click()
    expect(greek.locator(CONN)).to_have_attribute("data-state", "live")
    assert _lang(greek) == "it"
    expect(greek.get_by_role("button", name="Italiano")).to_have_attribute("aria-current", "true")
    greek.get_by_role("link", name=re.compile("dati", re.I)).click()  # "My data"
    assert _lang(greek) == "it"
    greek.goto(f"/j/{code}")
    assert _lang(greek) == "it"

    # A German phone reads German; what each writes stays as written.
    german = _phone(screens, "Jonas", "de-DE")
    german.goto(f"/j/{code}")
    assert _lang(german) == "de"
    german.locator("#display_name").fill("Jonas")
    german.locator("#consent").check()
    german.locator("form button.primary[type=submit]").click()
    expect(german.locator(CONN)).to_have_attribute("data-state", "live")
    german.locator("[data-text]").fill("Ein Messestand in Tokio")  # an idea, the kind first chosen
    german.locator("[data-submit]").click()
    expect(items_with(greek, "Ein Messestand in Tokio")).to_have_count(1)
    shot(greek, "room-in-italian")
    assert screens.errors == []


def test_the_join_forms_answer_is_the_room_and_a_reload_asks_for_it_again(screens, live_server):
    """No redirect between the form and the room (one request less per phone on the venue's
    Wi-Fi), and no "send the form again?" on a reload: the reload is a GET of the room."""
    _cockpit, _workshop_id, code = _workshop(screens, live_server, "Reload after joining")
    ada = _phone(screens, "Ada")
    ada.goto(f"/j/{code}")
    pages = []
    ada.on("request", lambda r: pages.append((r.method, r.url)) if r.resource_type == "document" else None)
    join(ada, "Ada")
    assert pages == [("POST", f"{live_server.url}/j/{code}")]  # the room came with the form's answer
    propose(ada, "An idea sent before the reload")
    expect(items_with(ada, "An idea sent before the reload")).to_have_count(1)
    pages.clear()
    ada.reload()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    assert pages == [("GET", f"{live_server.url}/j/{code}")]
    expect(items_with(ada, "An idea sent before the reload")).to_have_count(1)


def test_proposing_says_why_and_lists_each_item_once(screens, live_server, shot):
    _cockpit, workshop_id, code = _workshop(screens, live_server, "Once is enough")
    ada = _phone(screens, "Ada")
    ada.goto(f"/j/{code}")
    ada.locator("#display_name").fill("Ada")
    ada.locator("#consent").check()
    ada.locator("form button.primary[type=submit]").click()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")

    # Nothing sent yet: said, under "Your items".
    expect(ada.locator("[data-mine] .empty")).to_have_text(
        "You have not sent anything yet. What you send appears here."
    )
    # An empty idea is not sent, and the phone says why.
    ada.locator("[data-propose] [data-submit]").click()
    expect(ada.locator("[data-propose] [data-error]")).to_have_text("Please write something first.")
    expect(ada.locator("[data-text]")).to_be_focused()

    propose(ada, "A legal desk in Singapore")
    bo = SocketPhone(live_server, code, workshop_id, "Bo")
    bo.call("propose_item", {"kind": "idea", "text": "A pavilion at a Tokyo fair"})
    # Her own once, under "Your items", marked as hers; everyone else's below.
    mine = items_with(ada, "A legal desk in Singapore", "[data-mine]")
    expect(mine).to_have_count(1)
    expect(mine.locator(".tag.mine")).to_be_visible()
    expect(items_with(ada, "A legal desk in Singapore", "[data-items]")).to_have_count(0)
    expect(items_with(ada, "A pavilion at a Tokyo fair", "[data-items]")).to_have_count(1)
    expect(items_with(ada, "A pavilion at a Tokyo fair", "[data-mine]")).to_have_count(0)
    expect(ada.locator("[data-count-all]")).to_have_text("1 item")
    expect(ada.locator("[data-propose] [data-error]")).to_be_hidden()
    shot(ada, "propose")
    assert screens.errors == []


MARKETS = ["JP", "BR", "IN", "SG", "KE", "CA"]


def test_results_on_a_phone_show_the_top_of_each_round_first_and_a_readable_chart(screens, live_server, shot):
    cockpit, workshop_id, code = _workshop(screens, live_server, "Six markets")
    staff = Staff(live_server, cockpit, workshop_id)
    ada = _phone(screens, "Ada")
    ada.goto(f"/j/{code}")
    ada.locator("#display_name").fill("Ada")
    ada.locator("#consent").check()
    ada.locator("form button.primary[type=submit]").click()
    expect(ada.locator(CONN)).to_have_attribute("data-state", "live")
    voters = [SocketPhone(live_server, code, workshop_id, name) for name in ("Bo", "Cy", "Di")]
    for country in MARKETS:
        voters[0].call("propose_item", {"kind": "market", "text": f"Why {country}", "country": country})
    set_phase(cockpit, "Vote")
    round_ = staff("open_round", {"title": "Score the markets", "method": "scores", "target": "markets"})[
        "round"
    ]
    for i, voter in enumerate(voters):
        ballot = {
            str(o["id"]): {str(c["id"]): 1 + (n + i) % 5 for c in round_["criteria"]}
            for n, o in enumerate(round_["options"])
        }
        voter.call("cast_ballot", {"round_id": round_["id"], "base_version": 0, "ballot": ballot})
    staff("reveal_results", {"round_id": round_["id"], "revealed": True})
    staff("close_round", {"round_id": round_["id"]})
    set_phase(cockpit, "Results")

    results = ada.locator(f"section[data-stage=results] [data-results][data-round-id='{round_['id']}']")
    rows = results.locator("tbody tr")
    expect(rows).to_have_count(6)
    # The top three at once, the others a tap away.
    expect(rows.locator("visible=true")).to_have_count(3)
    more = results.get_by_role("button", name="Show all 6")
    expect(more).to_have_attribute("aria-expanded", "false")
    # The 2x2 of markets comes next, its words at least 16 px high on the phone.
    label = results.locator("[data-quadrant] .chart-axis-label").first
    size = label.evaluate(
        """(text) => {
          const svg = text.ownerSVGElement;
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return Number(text.getAttribute("font-size")) * scale;
        }"""
    )
    assert size >= 16, f"the 2x2's words are {size:.1f} px high"
    shot(ada, "results-top")
    more.click()
    expect(rows.locator("visible=true")).to_have_count(6)
    expect(results.get_by_role("button", name="Show the top 3 only")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert screens.errors == []
