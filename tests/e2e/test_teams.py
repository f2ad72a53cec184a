"""The Teams phase in real browsers: the facilitator chooses the teams in the cockpit, two phones
count themselves in (one names herself and leaves her email, the other only his email), the
projector shows the team forming with the one name it may show, and at the end each phone shows
the other's email: both left theirs. Screenshots at the three sizes, axe and the layout check on
each screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PROJECTOR_FONTS,
    axe,
    check_layout,
    create_workshop,
    join,
    log_in,
    propose,
    set_phase,
)

pytestmark = pytest.mark.e2e

# What the room must read on a team's card, at least 28 px on the projector.
TEAM_FONTS = {
    **PROJECTOR_FONTS,
    "read": {**PROJECTOR_FONTS["read"], ".proj-team-title, .proj-team-count": 28},
}


def _workshop_with_teams(screens, live_server):
    email = live_server.create_user("fac@example.org", "facilitator")
    cockpit = screens.laptop("cockpit").new_page()
    log_in(cockpit, email)
    workshop_id, code = create_workshop(cockpit, "Teams for Asia", "Who goes where?")
    # Teams is a phase the facilitator chooses: ticked in the settings.
    cockpit.goto(f"/workshops/{workshop_id}/edit")
    cockpit.get_by_label("Teams", exact=True).check()
    cockpit.get_by_role("button", name="Save").click()
    cockpit.goto(f"/workshops/{workshop_id}")
    expect(cockpit.locator("[data-phases]").get_by_role("button", name="Teams", exact=True)).to_be_visible()
    return cockpit, workshop_id, code


def _count_in(phone, team: str, *, brings: str, tag: str, email: str, show_name: bool) -> None:
    card = phone.locator("[data-team-list] li.team-card", has_text=team)
    card.get_by_role("button", name="Count me in").click()
    form = phone.locator("[data-team-list] li.is-editing")
    form.get_by_label("What I bring").fill(brings)
    form.locator("fieldset", has_text="I bring").get_by_label(tag).check()
    if show_name:
        form.get_by_label("Show my name on the big screen and to the clusters' coordinators").check()
    form.get_by_label("My email for this team (optional)").fill(email)
    form.get_by_role("button", name="Count me in").click()
    expect(phone.locator("[data-team-list] li.is-mine", has_text=team)).to_contain_text("You're in")


def test_a_team_forms_live_and_its_members_meet_at_the_end(screens, live_server, shot):
    cockpit, workshop_id, code = _workshop_with_teams(screens, live_server)
    phones = {}
    for name in ("Ada", "Bo"):
        page = screens.phone(name).new_page()
        page.goto(f"/j/{code}")
        join(page, name)
        phones[name] = page
    propose(phones["Ada"], "Robotics buyers in Osaka", "Japan")
    propose(phones["Bo"], "A huge software market", "India")
    expect(cockpit.locator("[data-items] li.item")).to_have_count(2)

    # The cockpit: the two markets become teams, with the tags it offers.
    cockpit.locator("[data-view=teams]").click()
    teams_form = cockpit.locator("[data-teams-form]")
    teams_form.get_by_label("Japan", exact=False).check()
    teams_form.get_by_label("India", exact=False).check()
    teams_form.get_by_role("button", name="Save the teams").click()
    expect(cockpit.locator("[data-team-cards] li.team-card")).to_have_count(2)

    projector = screens.projector(cockpit.context).new_page()
    projector.goto(f"/workshops/{workshop_id}/projector")
    set_phase(cockpit, "Teams")
    for page in phones.values():
        expect(page.locator("section[data-stage=teams]")).to_be_visible()
        expect(page.locator("[data-team-list] li.team-card")).to_have_count(2)

    _count_in(
        phones["Ada"],
        "Japan",
        brings="Distributors in Osaka",
        tag="Technology",
        email="ada@example.org",
        show_name=True,
    )
    _count_in(
        phones["Bo"], "Japan", brings="A team in Pune", tag="Funding", email="bo@example.org", show_name=False
    )

    # The projector: two people in, from one cluster; only Ada is named; no email anywhere.
    japan = projector.locator("[data-teams] li.proj-team", has_text="Japan")
    expect(japan.locator(".proj-team-count strong")).to_have_text("2")
    expect(japan.locator(".proj-team-names")).to_have_text("Ada")
    assert "Bo" not in japan.inner_text() and "@" not in projector.content()
    # The cockpit reads both names, and that both may be contacted, without their addresses.
    members = cockpit.locator("[data-team-cards] li.team-card", has_text="Japan").locator(
        ".team-members > li"
    )
    expect(members).to_have_count(2)
    expect(members.nth(1)).to_contain_text("Bo")
    assert "@" not in cockpit.locator("[data-team-cards]").inner_text()

    check_layout(projector, scrolls=False, fonts=TEAM_FONTS)
    check_layout(cockpit)
    for page in phones.values():
        check_layout(page)
    axe(projector, "projector in Teams")
    axe(cockpit, "cockpit's Teams view")
    axe(phones["Ada"], "phone in Teams")
    shot(projector, "projector")
    shot(cockpit, "cockpit")
    shot(phones["Ada"], "phone")
    phones["Bo"].locator("[data-team-list] li.team-card", has_text="India").get_by_role(
        "button", name="Count me in"
    ).click()
    axe(phones["Bo"], "phone's team form")
    shot(phones["Bo"], "phone-form")

    # The end: each sees the other's email, both having left theirs.
    set_phase(cockpit, "Closed")
    expect(phones["Ada"].locator("[data-contacts]")).to_contain_text("bo@example.org")
    expect(phones["Bo"].locator("[data-contacts]")).to_contain_text("ada@example.org")
    check_layout(phones["Ada"])
    axe(phones["Ada"], "phone's contacts")
    shot(phones["Ada"], "phone-contacts")

    # Back in Teams, taking out a team that has members asks first (the tests' browsers accept),
    # and its members go with it, from the phones too.
    asked: list[str] = []
    cockpit.on("dialog", lambda dialog: asked.append(dialog.message))
    set_phase(cockpit, "Teams")
    teams_form.get_by_label("Japan", exact=False).uncheck()
    teams_form.get_by_role("button", name="Save the teams").click()
    expect(cockpit.locator("[data-team-cards] li.team-card")).to_have_count(1)
    assert len(asked) == 1 and "Japan" in asked[0] and "India" not in asked[0], asked
    expect(phones["Ada"].locator("[data-team-list] li.team-card")).to_have_count(1)
    assert screens.errors == []
