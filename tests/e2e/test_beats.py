"""A beat's new items, comments and +1s in a real browser (live.js applyChanges, docs/protocol.md).

The server sends each room one `changed` message a beat, its changes in version order; the
page applies them in that order, draws once, and keeps what is its own person's.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CONN, create_workshop, items_with, join, log_in, propose

pytestmark = pytest.mark.e2e

# A Live without its connection: the state and the methods a beat goes through.
APPLY = """async ({ v, held, batches }) => {
  const { Live } = await import("/static/js/live.js");
  const live = Object.create(Live.prototype);
  live.state = {
    v, items: new Map(held.map((i) => [i.id, i])), comments: new Map(), reactions: new Map(),
    myReactions: new Set(), rounds: new Map(), tallies: new Map(), themes: [],
  };
  let drawn = 0;
  let resyncs = 0;
  live.onChange = () => { drawn += 1; };
  live.resync = () => { resyncs += 1; };
  for (const changes of batches) live.applyChanges(changes);
  const st = live.state;
  return {
    v: st.v, drawn, resyncs,
    items: [...st.items.values()].map((i) => [i.id, i.text, Boolean(i.mine)]).sort((a, b) => a[0] - b[0]),
    reactions: [...st.reactions.entries()].sort(), mine: [...st.myReactions].sort(),
  };
}"""


def idea(n: int, v: int, mine: bool = False) -> list:
    return ["item_changed", {"v": v, "item": {"id": n, "text": f"Idea {n}", "mine": mine}}]


def apply(page, v: int, batches: list, held: list | None = None) -> dict:
    return page.evaluate(APPLY, {"v": v, "held": held or [], "batches": batches})


def test_a_beat_is_applied_in_version_order_and_drawn_once(screens, live_server):
    page = screens.phone("phone").new_page()
    page.goto("/login")
    # Out of order on the wire: applied 11, 12, 13, with no snapshot asked for.
    plus_one = ["reaction_changed", {"v": 12, "item_id": 1, "count": 1}]
    got = apply(page, 10, [[idea(3, 13), idea(1, 11), plus_one]])
    assert got == {
        "v": 13,
        "drawn": 1,
        "resyncs": 0,
        "items": [[1, "Idea 1", False], [3, "Idea 3", False]],
        "reactions": [[1, 1]],
        "mine": [],
    }
    # A version missing before the beat: a snapshot, as for a single change.
    assert apply(page, 10, [[idea(1, 12)]])["resyncs"] == 1
    # A bare version (a change this screen may not see) moves the version on and shows nothing.
    assert apply(page, 10, [[[None, {"v": 11}], idea(2, 12)]])["items"] == [[2, "Idea 2", False]]


def test_ones_own_ideas_stay_ones_own_through_the_rooms_beat(screens, live_server):
    page = screens.phone("phone").new_page()
    page.goto("/login")
    # The phone's idea 1 came in its ack (mine); the room's copy (mine: false) comes in the
    # room's beat with a later idea of someone else's, then its own room's copy, older now.
    got = apply(
        page,
        10,
        [[idea(1, 11), idea(2, 12)], [idea(1, 11, mine=True)]],
        held=[{"id": 1, "text": "Idea 1", "mine": True}],
    )
    assert got["items"] == [[1, "Idea 1", True], [2, "Idea 2", False]] and got["v"] == 12
    # A private idea: the room's beat has its bare version only; the own room's brings it.
    got = apply(page, 10, [[[None, {"v": 11}], idea(2, 12)], [idea(1, 11, mine=True)]])
    assert got["items"] == [[1, "Idea 1", True], [2, "Idea 2", False]] and got["resyncs"] == 0
    # One's +1, given then taken back within a beat, from one's own room.
    plus = [("reaction_changed", {"v": v, "item_id": 2, "count": c}) for v, c in ((11, 1), (12, 0))]
    room = [[event, change] for event, change in plus]
    own = [
        [event, change | {"mine": mine}] for (event, change), mine in zip(plus, (True, False), strict=True)
    ]
    got = apply(page, 10, [room + [idea(3, 13)], own])
    assert got["mine"] == [] and got["reactions"] == [[2, 0]] and got["v"] == 13


def test_ideas_sent_together_reach_every_screen_in_beats(screens, live_server, shot):
    email = live_server.create_user("fac@example.org")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Beats")
    projector = screens.projector(screens.contexts[0]).new_page()
    beats: list[list] = []  # the `changed` messages the projector received

    def heard(frame) -> None:
        if isinstance(frame, str) and frame.startswith('42/live,["changed"'):
            beats.append(json.loads(frame.removeprefix("42/live,"))[1]["changes"])

    projector.on("websocket", lambda ws: ws.on("framereceived", heard))
    projector.goto(f"/workshops/{workshop_id}/projector")
    expect(projector.locator(CONN)).to_have_attribute("data-state", "live")
    phones = []
    for name in ("Ada", "Bo", "Chiara"):
        page = screens.phone(name).new_page()
        page.goto(f"/j/{code}")
        join(page, name)
        phones.append(page)
    names = ("Ada", "Bo", "Chiara")
    ideas = {page: [f"{name}'s idea {n}" for n in range(4)] for page, name in zip(phones, names, strict=True)}
    for n in range(4):
        for page in phones:
            propose(page, ideas[page][n])
    everything = [text for texts in ideas.values() for text in texts]
    for text in everything:
        for screen in (cockpit, *phones):
            expect(items_with(screen, text)).to_have_count(1)
        expect(projector.locator("[data-items]")).to_contain_text(text)
    for page in phones:  # each phone's own list holds its ideas, and only those
        for text in everything:
            expect(items_with(page, text, "[data-mine]")).to_have_count(1 if text in ideas[page] else 0)
    shot(projector, "projector")
    shot(phones[0], "phone")
    # The projector heard the ideas in beats, each in version order, and every idea once.
    versions = [change[1]["v"] for changes in beats for change in changes]
    assert all(changes == sorted(changes, key=lambda c: c[1]["v"]) for changes in beats)
    texts = [c[1]["item"]["text"] for changes in beats for c in changes if c[0] == "item_changed"]
    assert sorted(texts) == sorted(everything) and len(versions) == len(set(versions))
    assert screens.errors == []
