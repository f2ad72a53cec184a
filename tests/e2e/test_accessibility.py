"""WCAG 2.1 AA in real browsers: axe-core on every screen in every state a workshop goes through
(phones in each phase and each kind of ballot, the cockpit's views, the projector in each phase),
and on the staff, coordinator and administrator pages. No serious or critical violation anywhere
(tests/e2e/conftest.py's `axe`).

Two phones are python-socketio clients that joined over HTTP, so that rounds have voters enough
for results; one phone is a real page. Assertions wait (`expect`), they never sleep.
"""

from __future__ import annotations

import uuid

import pytest
import requests
import socketio
from playwright.sync_api import expect

from tests import live
from tests.e2e.conftest import CONN, axe, create_workshop, join, log_in, propose, set_phase

pytestmark = pytest.mark.e2e

NS = "/live"
BIG_SCREEN = {"viewport": {"width": 1920, "height": 1080}}
IDEAS = {
    "Bo": ("Shared legal desk for data rules abroad", None),
    "Cy": ("Fintech hub, blockchain-friendly rules", "BR"),
}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module's tests (overrides the per-test one of tests/conftest.py)."""
    server = live.start(tmp_path_factory.mktemp("accessibility"), **live.UNLIMITED)
    yield server
    server.stop()


class SocketPhone:
    """A participant who joined over HTTP and speaks to the room through a socket."""

    def __init__(self, server: live.LiveServer, code: str, workshop_id: int, name: str):
        http = requests.Session()
        page = http.get(f"{server.url}/j/{code}").text
        data = {
            "csrf_token": live.csrf_from(page),
            "display_name": name,
            "consent": "y",
            "anonymity": "named",
        }
        assert live.in_room(http.post(f"{server.url}/j/{code}", data=data))
        self.sio = _socket(server, http.cookies.get_dict(), workshop_id, "participant")

    def call(self, event: str, payload: dict) -> dict:
        ack = live.call(self.sio, event, {"op_id": uuid.uuid4().hex, **payload})
        assert ack["ok"], (event, ack)
        return ack


def _socket(server: live.LiveServer, cookies: dict, workshop_id: int, view: str) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(
        server.url,
        namespaces=[NS],
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        auth={"workshop": workshop_id, "view": view},
        transports=["websocket"],
        wait_timeout=5,
    )
    return sio


class Staff:
    """The facilitator's commands, over the cockpit's login, on a socket of their own."""

    def __init__(self, server: live.LiveServer, cockpit, workshop_id: int):
        cookies = {c["name"]: c["value"] for c in cockpit.context.cookies()}
        self.sio = _socket(server, cookies, workshop_id, "staff")

    def __call__(self, event: str, payload: dict) -> dict:
        ack = live.call(self.sio, event, {"op_id": uuid.uuid4().hex, **payload})
        assert ack["ok"], (event, ack)
        return ack


def _every_screen(cockpit, projector, phone, state: str) -> None:
    axe(cockpit, f"the cockpit in {state}")
    axe(projector, f"the projector in {state}")
    axe(phone, f"the phone in {state}")


def _round(staff, phones, ballots, **settings) -> dict:
    """A round opened and voted by the socket phones (each ballot made from the round)."""
    round_ = staff("open_round", settings)["round"]
    for phone in phones:
        phone.call("cast_ballot", {"round_id": round_["id"], "base_version": 0, "ballot": ballots(round_)})
    return round_


def _revealed(staff, round_: dict, projector, phone) -> None:
    """Its results revealed, and on the projector and the phone."""
    staff("reveal_results", {"round_id": round_["id"], "revealed": True})
    expect(projector.locator("[data-vote-title]")).to_have_text(round_["title"])
    expect(projector.locator("[data-vote-results] .round-results")).to_be_visible()
    expect(phone.locator(f"[data-results][data-round-id='{round_['id']}']")).to_be_visible()


def test_every_screen_of_a_workshop_passes_axe(screens, live_server, shot):
    email = live_server.create_user("axe@example.org", "facilitator")
    laptop = screens.laptop("cockpit")
    cockpit = laptop.new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Beyond Europe", "Which third countries first?")
    staff = Staff(live_server, cockpit, workshop_id)
    set_phase(cockpit, "Welcome")
    projector = screens.new(BIG_SCREEN, "projector", storage_state=laptop.storage_state()).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")

    phone = screens.phone("Ada").new_page()
    phone.goto("/")
    axe(phone, "the code page")
    phone.goto(f"/j/{code}")
    axe(phone, "the join form")
    phone.get_by_role("button", name="Take part").click()
    expect(phone.locator(".error").first).to_be_visible()
    axe(phone, "the join form with its errors")
    join(phone, "Ada")
    _every_screen(cockpit, projector, phone, "the lobby")

    set_phase(cockpit, "Propose")
    propose(phone, "Big AI market, strong fairs", "Japan")
    others = [SocketPhone(live_server, code, workshop_id, name) for name in IDEAS]
    for other, (text, country) in zip(others, IDEAS.values(), strict=True):
        kind = {"kind": "market", "country": country} if country else {"kind": "idea"}
        other.call("propose_item", {"text": text, **kind})
    expect(phone.locator("[data-items] li.item")).to_have_count(2)
    _every_screen(cockpit, projector, phone, "Propose")

    set_phase(cockpit, "Discuss")
    expect(phone.locator("[data-discuss-items] li.item")).to_have_count(3)
    items = {i["text"]: i["id"] for i in staff("get_snapshot", {})["snapshot"]["items"]}
    others[0].call("add_comment", {"item_id": items[IDEAS["Cy"][0]], "text": "Also São Paulo?"})
    staff("spotlight", {"item_id": items[IDEAS["Cy"][0]]})
    _every_screen(cockpit, projector, phone, "Discuss, an item in the spotlight")

    set_phase(cockpit, "Cluster")
    staff("create_theme", {"name": "Markets", "item_ids": [items[IDEAS["Cy"][0]]]})
    _every_screen(cockpit, projector, phone, "Cluster, on the board")

    set_phase(cockpit, "Vote")
    _every_screen(cockpit, projector, phone, "Vote before any round")
    everything = {"target": "items", "item_ids": list(items.values())}
    dots = staff("open_round", {"title": "Ideas first", "method": "dots", **everything})["round"]
    expect(projector.locator("[data-vote-title]")).to_have_text("Ideas first")
    expect(phone.locator("[data-ballot-host] [data-option-id]")).to_have_count(3)
    _every_screen(cockpit, projector, phone, "an open dot vote")
    _revealed(staff, dots, projector, phone)
    _every_screen(cockpit, projector, phone, "an open dot vote, revealed")
    staff("close_round", {"round_id": dots["id"]})

    ranking = _round(
        staff,
        others,
        lambda r: [o["id"] for o in r["options"]],
        title="In order",
        method="ranking",
        **everything,
    )
    _revealed(staff, ranking, projector, phone)
    expect(phone.locator("[data-ballot-host] [data-option-id]")).to_have_count(3)
    _every_screen(cockpit, projector, phone, "an open ranking, revealed")
    staff("close_round", {"round_id": ranking["id"]})

    def scored(r):
        return {
            str(o["id"]): {str(c["id"]): 2 + i for c in r["criteria"]} for i, o in enumerate(r["options"])
        }

    scores = _round(staff, others, scored, title="Score the markets", method="scores", target="markets")
    _revealed(staff, scores, projector, phone)
    expect(phone.locator("fieldset.score-row")).to_have_count(6)
    _every_screen(cockpit, projector, phone, "an open scoring of markets, revealed")
    staff("close_round", {"round_id": scores["id"]})

    set_phase(cockpit, "Results")
    expect(phone.locator("section[data-stage=results] [data-results]")).to_have_count(3)
    _every_screen(cockpit, projector, phone, "Results")
    shot(phone, "phone-results")

    set_phase(cockpit, "Closed")
    _every_screen(cockpit, projector, phone, "Closed")

    phone.get_by_role("link", name="My data").click()
    axe(phone, "My data")
    phone.goto("/privacy?lang=en")
    axe(phone, "the privacy notice")
    cockpit.goto(f"/workshops/{workshop_id}/participants")
    axe(cockpit, "the participants and their data")
    cockpit.goto(f"/workshops/{workshop_id}/edit")
    axe(cockpit, "the workshop's settings")
    assert screens.errors == []
    assert "Traceback" not in live_server.log()


def _skip_link_first(page) -> None:
    """On a page that puts the focus nowhere itself, the first Tab reaches the skip link, seen,
    and Enter takes the focus past the top bar, to the page's content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_staff_coordinator_and_administrator_pages_pass_axe_and_skip_to_their_content(screens, live_server):
    facilitator = live_server.create_user("pages@example.org", "facilitator")
    coordinator = live_server.create_user("coordinator@example.org", "coordinator")
    admin = live_server.create_user("admin@example.org", "admin")
    page = screens.laptop("staff").new_page()
    page.goto("/login")
    axe(page, "the login page")
    page.get_by_role("button", name="Log in").click()
    axe(page, "the login page with its errors")
    log_in(page, facilitator)
    workshop_id, _code = create_workshop(page, "Pages")
    page.goto("/workshops/new")
    axe(page, "a new workshop")
    for path, state in (
        ("/workshops", "the facilitator's workshops"),
        ("/account", "Your account"),
        ("/no-such-page", "an error page"),
    ):
        page.goto(path)
        axe(page, state)
        _skip_link_first(page)

    coordinating = screens.laptop("coordinator").new_page()
    log_in_as(coordinating, coordinator)
    for path, state in (
        ("/coordinate", "the coordinator's overview"),
        (f"/coordinate/workshops/{workshop_id}", "a workshop for the coordinator"),
        (f"/coordinate/joint?w={workshop_id}", "the joint strategy"),
    ):
        coordinating.goto(path)
        axe(coordinating, state)
        _skip_link_first(coordinating)

    administering = screens.laptop("admin").new_page()
    log_in_as(administering, admin)
    for path, state in (
        ("/admin/users", "the accounts"),
        ("/admin/audit", "the audit log"),
        ("/participants?q=a", "the participants search"),
    ):
        administering.goto(path)
        axe(administering, state)
        _skip_link_first(administering)
    administering.goto("/account/tokens")
    axe(administering, "the API tokens")
    assert screens.errors == []


def log_in_as(page, email: str) -> None:
    """Log in whoever it is (conftest's log_in waits for the facilitator's landing page)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(live.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


# --- the cockpit by keyboard alone ----------------------------------------------------------

# What the focused element's ring looks like, and its contrast with what surrounds it (the first
# ancestor with a background: the ring is drawn outside the element, at an offset).
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rgba = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let around = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { around = c; break; }
  }
  const [hi, lo] = [lum(rgba(style.outlineColor)), lum(around)].sort((a, b) => b - a);
  const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim();
  return { what: `${el.tagName} ${name.slice(0, 40)}`, style: style.outlineStyle,
           width: parseFloat(style.outlineWidth), ratio: (hi + 0.05) / (lo + 0.05) };
}"""


def _ring_is_seen(page) -> None:
    """The focused control shows a ring of at least 2 px, at least 3:1 against its surroundings."""
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["ratio"] >= 3, ring


def _tab_to(page, target, limit: int = 80) -> None:
    """Tab (forwards) until `target` has the focus; every control passed on the way shows its ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            _ring_is_seen(page)
            return
        if page.evaluate("document.activeElement !== document.body"):
            _ring_is_seen(page)
    raise AssertionError(f"{target} is not reached with Tab")


def test_the_cockpit_by_keyboard_alone(screens, live_server, shot):
    email = live_server.create_user("keys@example.org", "facilitator")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Keys only")
    bo = SocketPhone(live_server, code, workshop_id, "Bo")
    for text in ("A legal desk in Singapore", "A pavilion at a Tokyo fair"):
        bo.call("propose_item", {"kind": "idea", "text": text})
    cockpit.reload()
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    expect(cockpit.locator("[data-items] li.item")).to_have_count(2)

    # The first Tab reaches the skip link, seen; Enter takes the focus to the items.
    cockpit.keyboard.press("Tab")
    skip = cockpit.get_by_role("link", name="Skip to the items")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    _ring_is_seen(cockpit)
    cockpit.keyboard.press("Enter")
    expect(cockpit.locator("#items")).to_be_focused()

    # The phase bar: Enter on a phase moves the room there, and the focus stays on its button,
    # so that the next Tab goes on to the next phase; Space works as well.
    cockpit.reload()
    expect(cockpit.locator(CONN)).to_have_attribute("data-state", "live")
    phases = cockpit.locator("[data-phases]")
    _tab_to(cockpit, phases.get_by_role("button", name="Discuss", exact=True))
    cockpit.keyboard.press("Enter")
    expect(phases.locator("[aria-current=step]")).to_have_text("Discuss")
    expect(phases.get_by_role("button", name="Discuss", exact=True)).to_be_focused()
    cockpit.keyboard.press("Tab")
    expect(phases.get_by_role("button", name="Cluster", exact=True)).to_be_focused()
    _tab_to(cockpit, phases.get_by_role("button", name="Vote", exact=True))
    cockpit.keyboard.press("Space")
    expect(phases.locator("[aria-current=step]")).to_have_text("Vote")
    expect(cockpit.locator("[data-rounds-view]")).to_be_visible()

    # The countdown: two minutes typed, set with Enter, started with Space.
    _tab_to(cockpit, cockpit.locator("[data-timer-minutes]"))
    cockpit.keyboard.press("Control+A")
    cockpit.keyboard.type("2")
    cockpit.keyboard.press("Enter")
    expect(cockpit.locator("[data-countdown] .countdown-time")).to_have_text("2:00")
    _tab_to(cockpit, cockpit.locator("[data-timer-toggle]"))
    cockpit.keyboard.press("Space")
    expect(cockpit.locator("[data-timer-toggle]")).to_have_text("Pause")

    # A round: its title typed, Ranking chosen with the arrow keys, every item selected, opened.
    form = cockpit.locator("[data-round-form]")
    _tab_to(cockpit, form.get_by_label("Title"))
    cockpit.keyboard.type("Which idea first?")
    cockpit.keyboard.press("Tab")
    expect(form.get_by_label("Dot vote")).to_be_focused()
    cockpit.keyboard.press("ArrowDown")
    expect(form.get_by_label("Ranking")).to_be_checked()
    _tab_to(cockpit, form.get_by_role("button", name="Select all"))
    cockpit.keyboard.press("Enter")
    _tab_to(cockpit, form.get_by_role("button", name="Open the round"))
    cockpit.keyboard.press("Enter")
    expect(cockpit.locator("[data-round-open] .round-title")).to_have_text("Which idea first?")
    shot(cockpit, "keyboard-round-open")
    assert screens.errors == []
