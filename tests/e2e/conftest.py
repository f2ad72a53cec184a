"""Real-browser fixtures: one Chromium for the session, contexts per screen, screenshots.

The server under test is the `live_server` subprocess (tests/live.py); Playwright
runs in this process with its sync API. Debian's Chromium is used because
`playwright install` cannot download browsers here.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import live
from tests.conftest import require_tool

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
# The connection indicator (the page's <body> carries data-conn="<state>" too).
CONN = ".conn[data-conn]"
SCREENSHOTS = live.ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = live.ROOT / "docs" / "screenshots"

# A phone held in portrait, a facilitator's laptop (and a wide one), and a full-HD projector.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
WIDE = {"viewport": {"width": 1920, "height": 1080}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}

# Read from 10 m on a 1920×1080 projector: what the room must read at least 28 px, the rest
# at least 22 px (issue 16). check_layout(page, fonts=PROJECTOR_FONTS).
PROJECTOR_READ = ", ".join(
    [
        ".proj-title, .proj-question, .proj-message, .proj-welcome-big, .proj-code",
        ".item-text, .country, .col-name, .proj-plus, .countdown-time",
        ".proj-vote-title, .proj-vote-count, .proj-choices, .condorcet",
        ".chart-label, .chart-value, .chart-point-label",
        ".results-table td.num, .results-table td.market strong",
        ".proj-spotlight-text, .comment-text",
    ]
)
PROJECTOR_FONTS = {"min": 22, "read": {PROJECTOR_READ: 28}}
# What the geometric check looks into for overlapping text: results tables and charts.
RESULTS = ".results-table, .result-table, .chart"
LAYOUT_CHECK = (Path(__file__).parent / "layout_check.js").read_text()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require_tool(CHROMIUM, "Chromium")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test, so fixtures know if it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _test_name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture(autouse=True)
def _no_stale_screenshots(request) -> None:
    """A test's screenshots are all from its latest run (no failure shot from an older one)."""
    for old in SCREENSHOTS.glob(f"{_test_name(request)}-*.png"):
        old.unlink()


@pytest.fixture
def shot(request) -> Callable:
    """shot(page, "screen"): save test-artifacts/screenshots/<test>-<screen>.png (whole page),
    taken from the top (a sticky panel would otherwise show where the last click scrolled it).
    shot(page, "screen", docs="projector"): with DOCS_SCREENSHOTS=1 in the environment (`make
    screenshots`), also docs/screenshots/projector.png, the README's picture of that screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = _test_name(request)

    def save(page, screen: str, docs: str | None = None) -> Path:
        path = SCREENSHOTS / f"{name}-{screen}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True, animations="disabled", caret="initial")
        if docs and os.environ.get("DOCS_SCREENSHOTS") == "1":
            shutil.copyfile(path, DOCS_SCREENSHOTS / f"{docs}.png")
        return path

    return save


@dataclass
class Screens:
    """The browser contexts of one test, opened against the live server."""

    browser: object
    base_url: str
    contexts: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught JavaScript exceptions

    def new(self, kind: dict, label: str, **options):
        """A context of this kind (PHONE, LAPTOP, ...); `base_url` to reach the server another way."""
        context = self.browser.new_context(**{"base_url": self.base_url, **kind, **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", lambda page: self._watch(page, label))
        self.contexts.append(context)
        return context

    def phone(self, label: str):
        return self.new(PHONE, label)

    def laptop(self, label: str):
        return self.new(LAPTOP, label)

    def projector(self, logged_in) -> object:
        """The projector as its own window, logged in as the cockpit's context is.

        A second tab of the cockpit's context would be a background tab, where
        Chromium stops animation frames and Playwright's clicks on the cockpit stall.
        """
        return self.new(PROJECTOR, "projector", storage_state=logged_in.storage_state())

    def _watch(self, page, label: str) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"{label}: {exc}"))
        # Confirmations (hide an item, withdraw) are accepted, as a user would.
        page.on("dialog", lambda dialog: dialog.accept())

    def pages(self):
        return [page for context in self.contexts for page in context.pages]


@pytest.fixture
def screens(browser, live_server, request) -> Iterator[Screens]:
    screens = Screens(browser, live_server.url)
    yield screens
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        # What every screen showed when the test failed, for the CI artifact.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(screens.pages()):
            # A page that crashed is part of the story, not a new failure.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(SCREENSHOTS / f"{_test_name(request)}-failure-{i}.png"))
    for context in screens.contexts:
        context.close()


def check_layout(page, *, scrolls: bool = True, fonts: dict | None = None, overlaps: str = RESULTS) -> None:
    """The geometric check (tests/e2e/layout_check.js) on what the page shows now: no visible
    text past the sides of the viewport outside a scrolling container (nor past its bottom
    when `scrolls` is False, as on a projector), none cut by an ancestor hiding its overflow,
    no two texts (or a text and a dot) overlapping in `overlaps`, and with `fonts`
    ({"min": px, "read": {selector: px}}) no text under its size."""
    page.evaluate("document.fonts.ready")
    problems = page.evaluate(LAYOUT_CHECK, {"scrolls": scrolls, "fonts": fonts, "overlaps": overlaps})
    size = page.viewport_size
    assert problems == [], f"{page.url} at {size['width']}×{size['height']}:\n" + "\n".join(problems)


# --- accessibility ------------------------------------------------------------------------

AXE = live.ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # scripts/vendor.sh
# Every rule axe runs by default (WCAG 2.0 and 2.1 A and AA, and its best practices), and the
# experimental one for WCAG 2.5.3: a control's name contains the words it shows.
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}}}
# Failing whatever axe calls its impact: a page's stage with no h1 (a screen reader's user lands
# on a page they cannot find their way in).
AXE_ALWAYS = {"page-has-heading-one"}


def axe(page, state: str) -> None:
    """No serious or critical violation axe-core finds on the page as it is now (`state` names it).

    axe is run through the DevTools protocol (page.evaluate), which no Content-Security-Policy
    governs: each page is checked under the policy it really runs with. page.add_script_tag would
    need bypass_csp on the context, and then whatever the policy blocks for people (an inline
    style) would be applied for axe.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = page.evaluate(
        """async ([options, always]) => {
          // The page as it settles: a hint fading out is judged once it is gone, not mid-fade.
          await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));
          const result = await axe.run(document, options);
          return result.violations
            .filter((v) => ["serious", "critical"].includes(v.impact) || always.includes(v.id))
            .map((v) => ({
              rule: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
            }));
        }""",
        [AXE_OPTIONS, sorted(AXE_ALWAYS)],
    )
    assert not found, f"accessibility of {state}:\n" + "\n".join(
        f"- {v['rule']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    )


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


# --- steps every test takes ------------------------------------------------------------


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(live.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/workshops")


def create_workshop(page, title: str, question: str = "") -> tuple[int, str]:
    """Through the 'New workshop' form; returns (workshop id, join code) from the cockpit."""
    page.get_by_role("link", name="New workshop").click()
    page.get_by_label("Title").fill(title)
    if question:
        page.get_by_label("Guiding question").fill(question)
    page.get_by_label("Host cluster").select_option(label="Cluster ICT")  # no cluster is chosen for you
    page.get_by_role("button", name="Create workshop").click()
    page.wait_for_url(re.compile(r"/workshops/\d+$"))
    code = page.locator("[data-code]").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code
    expect(page.locator(".flash")).to_contain_text(code)
    expect(page.locator(CONN)).to_have_attribute("data-state", "live")
    set_phase(page, "Propose")
    return int(page.url.rstrip("/").rsplit("/", 1)[1]), code


def set_phase(page, label: str) -> None:
    """The cockpit's phase bar: move the room to the phase with this label."""
    page.locator("[data-phases]").get_by_role("button", name=label, exact=True).click()
    expect(page.locator("[data-phases] [aria-current=step]")).to_have_text(label)


def join(page, name: str | None) -> None:
    """Fill the join form the phone is on: a name (an anonymous workshop asks for none), the
    notice accepted."""
    if name is not None:
        page.get_by_label("Your name as others will see it").fill(name)
    page.get_by_label("I have read what is stored and agree").check()
    page.get_by_role("button", name="Take part").click()
    expect(page.locator(CONN)).to_have_attribute("data-state", "live")


def propose(page, text: str, country: str | None = None) -> None:
    """Send an idea, or with a country a target market picked by typing its name."""
    form = page.locator("[data-propose]")
    form.locator("label", has_text="Target market" if country else "Strategy idea").click()
    if country:
        field = form.locator("[data-country]")
        field.click()
        field.press_sequentially(country)
    form.locator("[data-text]").fill(text)
    form.locator("[data-submit]").click()


def queue_key(page, workshop_id: int) -> str:
    """Where a phone keeps its queue in localStorage: its workshop's and its person's (live.js)."""
    return page.evaluate(
        """async (w) => {
          const { personHere } = await import("/static/js/offline.js");
          return `bridge:queue:${w}:participant:${personHere(w)}`;
        }""",
        workshop_id,
    )


# The item lists of a screen: the cockpit's and the projector's one list; on a phone in Propose
# one's own items ("Your items") and everyone else's.
ITEM_LISTS = ":is([data-items], [data-mine])"


def items_with(page, text: str, where: str | None = None):
    """The item cards in a list whose text is exactly `text`: by default in the screen's lists as
    the server has them (a phone's own once acknowledged, not while its card is pending)."""
    cards = f"{where} li.item" if where else f"{ITEM_LISTS} li.item:not(.is-pending)"
    return page.locator(cards).filter(
        has=page.locator(".item-text", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def query(server: live.LiveServer, sql: str, *args) -> list[tuple]:
    """Rows of a read-only query on the live server's SQLite file."""
    url = server.env["DATABASE_URL"]
    assert url.startswith("sqlite:///"), "query reads the live server's SQLite file"
    conn = sqlite3.connect(f"file:{url.removeprefix('sqlite:///')}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def db_items(server: live.LiveServer, workshop_id: int) -> list[tuple]:
    """(text, kind, country, state) of every item the database holds for a workshop."""
    sql = "SELECT text, kind, country, state FROM items WHERE workshop_id = ? ORDER BY id"
    return query(server, sql, workshop_id)


# --- a room: the cockpit, phones, the facilitator's own socket --------------------------------


def open_cockpit(
    screens: Screens, server: live.LiveServer, title: str, question: str = "", *, email: str | None = None
) -> tuple[object, int, str]:
    """A logged-in facilitator (fac@example.org unless `email` names one) with a new workshop in
    Propose open in the cockpit; returns (cockpit page, workshop id, join code)."""
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email or server.create_user("fac@example.org", "facilitator"))
    workshop_id, code = create_workshop(cockpit, title, question)
    return cockpit, workshop_id, code


def join_phone(screens: Screens, code: str, name: str, kind: dict = PHONE, **options):
    """A phone's page (390 x 844 unless `kind` says otherwise) joined to the workshop as `name`;
    `options` for its browser context."""
    page = screens.new(kind, name, **options).new_page()
    page.goto(f"/j/{code}")
    join(page, name)
    return page


class Staff:
    """The facilitator's own live connection, with the cockpit's login cookie."""

    def __init__(self, server: live.LiveServer, cockpit, workshop_id: int) -> None:
        cookies = {c["name"]: c["value"] for c in cockpit.context.cookies()}
        self.sio = live.connect(server, cookies, workshop_id, "staff")

    def call(self, event: str, payload: dict) -> dict:
        """One command with a fresh op id; returns its ack, which must be ok."""
        ack = live.call(self.sio, event, {"op_id": uuid.uuid4().hex, **payload})
        assert ack["ok"], (event, ack)
        return ack

    def close(self) -> None:
        self.sio.disconnect()

    def __enter__(self) -> Staff:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def as_staff(server: live.LiveServer, cockpit, workshop_id: int, event: str, payload: dict) -> dict:
    """One command as the facilitator, on a socket of their own; returns the ack."""
    with Staff(server, cockpit, workshop_id) as staff:
        return staff.call(event, payload)
