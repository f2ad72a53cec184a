"""The join and room pages, made once per workshop version: each phone gets its own token and person."""

from __future__ import annotations

import pytest
from flask import template_rendered
from itsdangerous import URLSafeTimedSerializer

from app.workshops import offline
from app.workshops.services import update_workshop
from tests.conftest import in_room, login, make_user, make_workshop, statements
from tests.live import csrf_from, page_token

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def renders(app):
    """The templates rendered, by name, while the test runs."""
    names: list[str] = []

    def note(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


@pytest.fixture
def signed(app):
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")


def _arrive(app, workshop, name: str):
    """A phone opens the join page and sends the form with the token its page carried."""
    phone = app.test_client()
    page = phone.get(f"/j/{workshop.join_code}").text
    token = page_token(page)
    room = phone.post(
        f"/j/{workshop.join_code}", data={"csrf_token": token, "display_name": name, "consent": "y"}
    )
    assert in_room(room), room.text
    return phone, page, token, room


def _person(room) -> str:
    return room.headers[offline.PERSON_HEADER]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_each_phone_gets_the_pages_with_its_own_token_and_person(app, renders, signed):
    workshop = make_workshop()
    _, ada_join, ada_token, ada_room = _arrive(app, workshop, "Ada")
    bo, bo_join, bo_token, bo_room = _arrive(app, workshop, "Bo")

    # Rendered for the first phone only: the second got copies.
    assert renders.count("workshops/join.html") == 1
    assert renders.count("workshops/room.html") == 1
    assert ada_token != bo_token and _person(ada_room) != _person(bo_room)
    assert ada_token not in bo_join and ada_token not in bo_room.text
    assert _person(ada_room) not in bo_room.text
    assert f'"person": "{_person(bo_room)}"' in bo_room.text
    # Nothing else differs, and no placeholder is left over.
    assert bo_join.replace(bo_token, ada_token) == ada_join
    assert (
        # (a room's token is made when it is sent: the same session's, a second later maybe)
        bo_room.text.replace(page_token(bo_room.text), page_token(ada_room.text)).replace(
            _person(bo_room), _person(ada_room)
        )
        == ada_room.text
    )
    assert "\x1a" not in bo_join + bo_room.text

    # The copies carry the second phone's own token (its form was accepted with it, above),
    # the room's too.
    assert csrf_from(bo_join) == bo_token
    with bo.session_transaction() as session:
        assert signed.loads(page_token(bo_room.text)) == session["csrf_token"]


def test_a_change_of_the_workshop_is_on_the_next_page(app, renders):
    fac = make_user()
    workshop = make_workshop(fac)
    _arrive(app, workshop, "Ada")
    update_workshop(fac, workshop.id, title="Going to Japan")

    _, page, _, room = _arrive(app, workshop, "Bo")
    assert "Going to Japan" in page and "Going to Japan" in room.text
    assert renders.count("workshops/join.html") == 2


def test_pages_for_one_person_are_not_shared(app, client, renders):
    """A facilitator trying the join page sees their own menu; a phone told something sees it."""
    fac = make_user()
    workshop = make_workshop(fac)
    _arrive(app, workshop, "Ada")
    login(client, fac)
    staff_page = client.get(f"/j/{workshop.join_code}").text
    assert "Log out" in staff_page

    phone = app.test_client()
    assert "Log out" not in phone.get(f"/j/{workshop.join_code}").text
    assert "Log out" not in phone.get(f"/j/{workshop.join_code}?from=qr").text
    assert renders.count("workshops/join.html") == 3  # Ada's, the facilitator's, the one with ?from=


def test_a_join_reads_its_workshop_writes_its_participant_and_nothing_more(app):
    """A join storm's every read counts: the workshop found by its code and then locked, the new
    participant written, and the room's page made from what was written (not read again)."""
    workshop = make_workshop()
    _arrive(app, workshop, "Ada")  # the pages are made and kept
    phone = app.test_client()
    phone.get(f"/j/{workshop.join_code}")
    with statements() as run:
        room = phone.post(f"/j/{workshop.join_code}", data={"display_name": "Bo", "consent": "y"})
    assert in_room(room)
    assert run == ["SELECT workshops", "SELECT workshops", "INSERT participants"]
