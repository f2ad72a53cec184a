"""Every screen works under the Content-Security-Policy, and the browser reports no violation:
the cockpit (with the clustering board), the projector with its QR code, a phone in the room, and
the coordinators' pages, whose theme colours and share bars are set through the CSSOM."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import CONN, LAPTOP, create_workshop, join, log_in, propose, set_phase

pytestmark = pytest.mark.e2e

# Three scored workshops (the service tests' fixture) and a theme of its own colour, written into
# the live server's database through the app's services.
SEED = """
from app import create_app
from app.voting.tally_pump import tally_pump

tally_pump.touch = lambda workshop_id, round_id: None  # no screens to update here
app = create_app()
with app.app_context():
    from tests.conftest import make_theme
    from tests.test_strategy_services import three_workshops
    rooms = three_workshops()
    make_theme(rooms[2].workshop, "Coloured theme", "#aa3300")
    print(" ".join(str(room.workshop.id) for room in rooms))
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with live.start(tmp_path_factory.mktemp("csp")) as server:
        yield server


@pytest.fixture
def violations(screens) -> list[str]:
    """What the browser refused on any page these screens open: the pages' own
    `securitypolicyviolation` events and Chromium's console errors "Refused to ..."."""
    found: list[str] = []
    new = screens.new

    def watched(kind: dict, label: str, **options):
        context = new(kind, label, **options)
        context.expose_function("reportCspViolation", lambda text: found.append(f"{label}: {text}"))
        context.add_init_script(
            "window.cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', (e) => {"
            "  const text = `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`;"
            "  window.cspViolations.push(text); window.reportCspViolation(text); });"
        )
        context.on("console", lambda msg: _refused(msg, label, found))
        return context

    screens.new = watched
    return found


def assert_enforced(page) -> None:
    """The policy is in force on this page, and a violation would be seen: a style="..."
    attribute added by a script is refused, and reported. (Called after the checks.)"""
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<i style=\"color: red\"></i>')")
    page.wait_for_function("window.cspViolations.some((v) => v.startsWith('style-src'))")


def _refused(message, label: str, found: list[str]) -> None:
    if message.type == "error" and (
        "Refused to" in message.text or "Content Security Policy" in message.text
    ):
        found.append(f"{label}: {message.text}")


def test_the_room_works_under_the_policy(screens, live_server, violations, shot):
    email = live_server.create_user("csp@example.org", "facilitator")
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Under the policy")
    projector = screens.projector(laptop).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    projector.keyboard.press("j")  # in Propose the join panel with its QR is one key away
    expect(projector.locator(".qr svg")).to_be_visible()

    phone = screens.phone("phone").new_page()
    phone.goto(f"/j/{code}")
    join(phone, "Ada")  # waits for the phone's socket to be live
    expect(phone.locator(CONN)).to_have_text("Live")
    propose(phone, "Joint pavilion at a Tokyo AI fair")
    expect(projector.get_by_text("Joint pavilion at a Tokyo AI fair")).to_be_visible()
    set_phase(cockpit, "Cluster")  # the board: SortableJS sets its styles through the CSSOM
    expect(cockpit.locator(".board-col").first).to_be_visible()
    shot(cockpit, "cockpit")
    shot(projector, "projector")
    shot(phone, "phone")
    assert violations == []
    assert screens.errors == []
    for page in (cockpit, projector, phone):
        assert_enforced(page)


def test_the_coordinator_pages_work_under_the_policy(screens, live_server, violations, shot):
    email = live_server.create_user("csp-coord@example.org", "coordinator")
    ids = live.seed(live_server, SEED)
    page = screens.new(LAPTOP, "coordinator").new_page()
    log_in_coordinator(page, email)
    page.goto(f"/coordinate/workshops/{ids[2]}")
    coloured = page.locator("article.theme-card", has_text="Coloured theme")
    expect(coloured).to_have_css("border-top-color", "rgb(170, 51, 0)")  # #aa3300
    shot(page, "workshop")
    page.goto("/coordinate/joint?" + "&".join(f"w={i}" for i in ids))
    bar = page.locator("tr#market-IN .share-bar > span").first
    # The width is set by script from data-width (no inline style in the page): it arrived.
    width = bar.get_attribute("data-width")
    assert width and float(width) > 0
    expect(bar).to_have_attribute("style", re.compile(rf"width: {float(width):g}%"))
    assert (
        bar.bounding_box()["width"]
        > page.locator("tr#market-BR .share-bar > span").first.bounding_box()["width"]
    )
    shot(page, "joint")
    assert violations == []
    assert screens.errors == []
    assert_enforced(page)


def log_in_coordinator(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(live.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/coordinate")
