"""The cockpit's board at a laptop's and a big screen's size: every theme column reachable
without scrolling the page, and real mouse drags (pressed, moved in steps, released) landing in
the column, and at the place, where they are dropped; undoing the last change on every screen.

The rooms are made over HTTP and sockets (a phone proposes, the facilitator adds themes): only
what the facilitator does on the board goes through the browser.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests
import socketio as sio_client
from playwright.sync_api import expect

from tests import live
from tests.conftest import op
from tests.e2e.conftest import CONN

pytestmark = pytest.mark.e2e

SIZES = {"laptop": (1366, 768), "projector": (1920, 1080)}
IDEAS = [
    "Angel investors in Dubai",
    "Data protection desk for Brazil",
    "Joint stand at a Tokyo AI fair",
    "Hire engineers from India",
    "Pilot customers in Canada",
    "Patent costs in the US",
    "Resellers for the Gulf",
    "ISO 27001 for tenders",
    "Shared office in Singapore",
    "Podcast with our founders",
    "Grants that co-finance travel",
    "Local accountants in Mexico",
    "Visa help for new hires",
]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = live.start(tmp_path_factory.mktemp("cockpit-board"))
    yield server
    server.stop()


class Room:
    """A workshop in the cluster phase with unsorted ideas and empty themes, made without a browser."""

    def __init__(self, server: live.LiveServer, themes: int, ideas: int) -> None:
        self.server = server
        email = server.create_user(f"board{op()}@example.org")
        self.http = live.http_login(server, email)
        form = self.http.get(server.url + "/workshops/new").text
        data = {"csrf_token": live.csrf_from(form), "title": "Board", "cluster_id": "4", "language": "en"}
        data["phases"] = ["propose", "cluster"]
        made = self.http.post(server.url + "/workshops/new", data=data, allow_redirects=False)
        self.id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        staff = self.socket(self.http.cookies.get_dict(), "staff")
        code = self.ok(staff, "set_phase", phase="propose")["workshop"]["join_code"]
        phone = self.socket(self._phone(code), "participant")
        self.ideas = IDEAS[:ideas]
        for text in self.ideas:
            self.ok(phone, "propose_item", kind="idea", text=text)
        self.themes = [f"Theme {n + 1}" for n in range(themes)]
        for name in self.themes:
            self.ok(staff, "create_theme", name=name)
        self.ok(staff, "set_phase", phase="cluster")
        for sock in (staff, phone):
            sock.disconnect()

    def socket(self, cookies: dict, view: str):
        sock = sio_client.Client(reconnection=False)
        sock.connect(
            self.server.url,
            namespaces=["/live"],
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
            auth={"workshop": self.id, "view": view},
            transports=["websocket"],
            wait_timeout=5,
        )
        return sock

    @staticmethod
    def ok(sock, event: str, **payload) -> dict:
        ack = live.call(sock, event, {"op_id": op(), **payload})
        assert ack["ok"], (event, ack)
        return ack

    def _phone(self, code: str) -> dict:
        phone = requests.Session()
        page = phone.get(f"{self.server.url}/j/{code}").text
        data = {"csrf_token": live.csrf_from(page), "display_name": "Ada", "cluster_id": "0", "consent": "y"}
        assert live.in_room(phone.post(f"{self.server.url}/j/{code}", data=data))
        return phone.cookies.get_dict()

    def cockpit(self, screens, size: tuple[int, int]):
        """The facilitator's cockpit in a browser of this size, logged in as the room's facilitator."""
        page = self.context(screens, size, "cockpit").new_page()
        page.goto(f"/workshops/{self.id}")
        expect(page.locator(CONN)).to_have_attribute("data-state", "live")
        expect(page.locator("[data-board-view]")).to_be_visible()  # the cluster phase opens on it
        expect(page.locator(".board-col.is-theme")).to_have_count(len(self.themes))
        return page

    def context(self, screens, size: tuple[int, int], label: str):
        """A browser window of this size, logged in as the room's facilitator."""
        context = screens.new({"viewport": {"width": size[0], "height": size[1]}}, label)
        host = self.server.url.split("//", 1)[1].split(":", 1)[0]
        cookies = self.http.cookies.get_dict().items()
        context.add_cookies([{"name": k, "value": v, "domain": host, "path": "/"} for k, v in cookies])
        return context

    def board(self) -> list[tuple[str, list[str]]]:
        """The board the database holds: [("Unsorted", texts), (theme, texts), …] in board order."""
        path = self.server.env["DATABASE_URL"].removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT coalesce(t.name, 'Unsorted'), i.text"
                " FROM items i LEFT JOIN themes t ON t.id = i.theme_id"
                " WHERE i.workshop_id = ? AND i.state = 'live' ORDER BY coalesce(t.position, -1), i.position",
                (self.id,),
            ).fetchall()
            columns = {"Unsorted": [], **{name: [] for name in self.themes}}
            for column, text in rows:
                columns[column].append(text)
            return list(columns.items())
        finally:
            conn.close()


def column(page, name: str | None):
    """A board column by theme name (None: Unsorted)."""
    if name is None:
        return page.locator(".board-col.is-unsorted")
    exact = re.compile(f"^{re.escape(name)}$")
    return page.locator(".board-col.is-theme").filter(has=page.locator(".col-name", has_text=exact))


def card(page, text: str):
    exact = re.compile(f"^{re.escape(text)}$")
    return page.locator(".board-card").filter(has=page.locator(".item-text", has_text=exact))


def settled(page) -> None:
    expect(page.locator(".is-ghost, .sortable-fallback")).to_have_count(0)
    expect(page.locator(".board-wrap[data-saving=true]")).to_have_count(0)


def page_scroll(page) -> tuple[float, float]:
    return page.evaluate("[window.scrollX, window.scrollY]")


def reveal(page, target) -> None:
    """Bring a column into view as a person does: by scrolling the board's strip (a wheel turned
    sideways), never the page."""
    strip = page.locator("[data-board]")
    for _turn in range(20):
        box, view = target.bounding_box(), strip.bounding_box()
        pinned = page.locator(".board-col.is-unsorted").bounding_box()  # Unsorted stays on the left
        left = pinned["x"] + pinned["width"]
        if box["x"] >= left and box["x"] + box["width"] <= view["x"] + view["width"] + 1:
            return
        page.mouse.move(view["x"] + view["width"] * 0.75, view["y"] + 40)
        page.mouse.wheel(300 if box["x"] > left else -300, 0)
        page.wait_for_timeout(50)
    raise AssertionError("the column never came into view")


def drag(page, what, to: tuple[float, float], landed) -> None:
    """Press on a card, move in steps to `to`, wait for the drop place to show, release."""
    box = what.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)  # past the drag's 4 px tolerance
    page.mouse.move(*to, steps=16)
    expect(landed).to_have_count(1)
    page.mouse.up()
    settled(page)


def inside(box: dict, size: tuple[int, int]) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size[0] + 0.5 and box["y"] < size[1]


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
@pytest.mark.parametrize("themes", [3, 6, 10])
def test_every_column_takes_a_mouse_drag_without_scrolling_the_page(screens, live_server, shot, size, themes):
    room = Room(live_server, themes, themes + 2)
    width, height = SIZES[size]
    page = room.cockpit(screens, (width, height))
    shot(page, f"{themes}-themes")
    expected = dict(room.board())
    # Every column's head is on screen once the strip shows it; the page itself never scrolls.
    unsorted = column(page, None)
    for n, name in enumerate(room.themes):
        target = column(page, name)
        reveal(page, target)
        head = target.locator(".col-head").bounding_box()
        assert inside(head, (width, height)), (name, head)
        assert inside(unsorted.locator(".col-head").bounding_box(), (width, height))  # pinned on the left
        text = room.ideas[n]
        drop = target.locator(".board-list").bounding_box()
        drag(
            page,
            card(page, text).locator(".item-text"),
            (drop["x"] + drop["width"] / 2, drop["y"] + min(drop["height"] / 2, 60)),
            target.locator(".board-card.is-ghost"),
        )
        expect(target.locator(".board-card .item-text")).to_have_text([text])
        expected["Unsorted"].remove(text)
        expected[name] = [text]
        assert page_scroll(page) == [0, 0], name
    # Into a column that has a card, above it: it lands first, not after.
    last, first = room.themes[-1], room.themes[0]
    for name, text in ((last, room.ideas[-1]), (first, room.ideas[-2])):
        target = column(page, name)
        reveal(page, target)
        above = target.locator(".board-card").first.bounding_box()
        drag(
            page,
            card(page, text).locator(".item-text"),
            (above["x"] + above["width"] / 2, above["y"] + 6),
            target.locator(".board-card").first.and_(page.locator(".is-ghost")),
        )
        expected["Unsorted"].remove(text)
        expected[name].insert(0, text)
    assert page_scroll(page) == [0, 0]
    settled(page)
    assert room.board() == list(expected.items())
    shot(page, f"{themes}-themes-sorted")
    assert screens.errors == []


def projector(screens, room: Room):
    page = room.context(screens, (1920, 1080), "projector").new_page()
    page.goto(f"/workshops/{room.id}/projector")
    expect(page.locator(CONN)).to_have_attribute("data-state", "live")
    return page


def test_undo_takes_back_a_move_and_a_merge_from_the_list_on_every_screen(screens, live_server, shot):
    room = Room(live_server, 2, 4)
    cockpit = room.cockpit(screens, SIZES["laptop"])
    wall = projector(screens, room)
    undo = cockpit.locator("[data-board-undo]")
    theme = column(cockpit, "Theme 1")
    drop = theme.locator(".board-list").bounding_box()
    drag(
        cockpit,
        card(cockpit, IDEAS[1]).locator(".item-text"),
        (drop["x"] + drop["width"] / 2, drop["y"] + 40),
        theme.locator(".board-card.is-ghost"),
    )
    expect(column(wall, "Theme 1").locator(".item-text")).to_have_text([IDEAS[1]])
    expect(cockpit.locator("[data-undo-what]")).to_have_text(f"Undo: “{IDEAS[1]}” moved")
    undo.click()
    for page in (cockpit, wall):
        expect(column(page, None).locator(".item-text")).to_have_text(IDEAS[:4])
    assert room.board()[0] == ("Unsorted", IDEAS[:4])

    # Duplicates are merged where the cockpit opens: the list.
    cockpit.locator("[data-view=list]").click()
    cockpit.locator("[data-list-tools]").get_by_role("button", name="Merge duplicates").click()
    for text in IDEAS[2:4]:
        cockpit.get_by_label(f"Select “{text}” for merging").check()
    cockpit.locator("[data-list-tools] [data-merge-target]").select_option(label=IDEAS[2])
    cockpit.locator("[data-list-tools]").get_by_role("button", name="Merge", exact=True).click()
    expect(column(wall, None).locator(".item-text")).to_have_text(IDEAS[:3])
    expect(cockpit.locator("[data-undo-what]")).to_have_text(f"Undo: 1 merged into “{IDEAS[2]}”")
    shot(cockpit, "merged-in-the-list")
    cockpit.locator("body").press("Control+z")
    expect(column(wall, None).locator(".item-text")).to_have_text(IDEAS[:4])
    expect(cockpit.locator("[data-items] .item-text")).to_have_count(4)
    expect(undo).to_be_enabled()  # the themes added before can still be undone
    assert room.board()[0] == ("Unsorted", IDEAS[:4])
    assert screens.errors == []


def test_a_message_goes_by_itself_and_each_phase_keeps_its_countdown(screens, live_server):
    room = Room(live_server, 0, 1)
    page = room.context(screens, SIZES["laptop"], "cockpit").new_page()
    page.clock.install()
    page.goto(f"/workshops/{room.id}")
    expect(page.locator(CONN)).to_have_attribute("data-state", "live")
    flash = page.locator(".flash")
    expect(flash).to_contain_text("Workshop created.")
    page.clock.fast_forward(5_000)
    expect(flash).to_be_visible()
    page.clock.fast_forward(10_000)
    expect(flash).to_have_count(0)  # gone by itself: nothing took it away on a page never reloaded

    minutes, seconds = page.locator("[data-timer-minutes]"), page.locator("[data-timer-seconds]")
    for phase, typed in (("Cluster", "7"), ("Propose", "3")):
        page.locator("[data-phases]").get_by_role("button", name=phase, exact=True).click()
        expect(page.locator("[data-phases] [aria-current=step]")).to_have_text(phase)
        minutes.fill(typed)
        page.get_by_role("button", name="Set", exact=True).click()
        expect(page.locator("[data-countdown] .countdown-time")).to_have_text(f"{typed}:00")
    page.locator("[data-phases]").get_by_role("button", name="Cluster", exact=True).click()
    expect(minutes).to_have_value("7")
    expect(seconds).to_have_value("0")
    assert screens.errors == []
