"""Workshop pages over HTTP: the facilitator's forms and lists, the projector, joining by code."""

from __future__ import annotations

import re

import pytest
import segno
import sqlalchemy as sa

from app.extensions import db
from app.models import Participant, Role, Workshop
from app.workshops.services import archive_workshop
from app.workshops.services.workshops import CODE_ALPHABET
from tests.conftest import connect, in_room, join, login, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

FORM = {
    "title": "Going to Africa",
    "question": "Which markets first?",
    "cluster_id": "3",
    "language": "el",
    "anonymous": "y",
    "phases": ["propose", "discuss", "cluster", "vote", "results"],
}


def _workshops() -> list[Workshop]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Workshop).order_by(Workshop.id)))


def _participants() -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


# --- create, edit, duplicate, archive --------------------------------------------------


def test_create_a_workshop(client):
    fac = make_user()
    login(client, fac)
    assert client.get("/workshops/new").status_code == 200

    response = client.post("/workshops/new", data=FORM)
    assert response.status_code == 302
    [workshop] = _workshops()
    assert response.headers["Location"] == f"/workshops/{workshop.id}"
    assert (workshop.title, workshop.question, workshop.cluster.name) == (
        "Going to Africa",
        "Which markets first?",
        "ELINCLUS (APTE)",
    )
    assert (workshop.language, workshop.anonymous, workshop.facilitator_id) == ("el", True, fac.id)
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", workshop.join_code)
    cockpit = client.get(response.headers["Location"]).text
    assert f"The join code is {workshop.join_code}." in cockpit


@pytest.mark.parametrize(
    "change",
    [{"title": ""}, {"title": "x" * 201}, {"cluster_id": "99"}, {"language": "xx"}, {"title": "a\x00b"}],
)
def test_create_refuses_bad_fields_and_stores_nothing(client, change):
    login(client, make_user())
    response = client.post("/workshops/new", data=FORM | change)
    assert response.status_code == 200
    assert 'class="error"' in response.text
    assert _workshops() == []


def test_coordinators_cannot_create_workshops(client):
    login(client, make_user(Role.COORDINATOR))
    assert client.get("/workshops/new").status_code == 403
    assert client.post("/workshops/new", data=FORM).status_code == 403
    assert _workshops() == []


def test_edit_a_workshop(client):
    fac = make_user()
    workshop = make_workshop(fac, anonymous=True)
    login(client, fac)
    page = client.get(f"/workshops/{workshop.id}/edit").text
    assert 'value="Going to Asia"' in page

    response = client.post(
        f"/workshops/{workshop.id}/edit", data=FORM | {"title": "Renamed", "anonymous": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/workshops/{workshop.id}"
    [stored] = _workshops()
    assert (stored.title, stored.language, stored.cluster_id, stored.anonymous) == ("Renamed", "el", 3, False)
    assert stored.join_code == workshop.join_code


def test_duplicate_a_workshop(client):
    owner = make_user()
    source = make_workshop(owner, language="de", anonymous=True, cluster_id=4)
    admin = make_user(Role.ADMIN)
    login(client, admin)

    response = client.post(f"/workshops/{source.id}/duplicate")
    assert response.status_code == 302
    _, copy = _workshops()
    assert response.headers["Location"] == f"/workshops/{copy.id}/edit"
    assert copy.join_code != source.join_code
    assert copy.facilitator_id == admin.id
    assert (copy.language, copy.anonymous, copy.cluster_id, copy.question) == (
        "de",
        True,
        4,
        "Which markets first?",
    )
    assert copy.title == "Going to Asia (copy)"
    assert client.get("/workshops/new").status_code == 200  # still logged in
    assert client.get(f"/workshops/{source.id}/duplicate").status_code == 405


def test_archive_asks_first_then_archives(client, app):
    fac = make_user()
    workshop = make_workshop(fac)
    login(client, fac)

    page = client.get(f"/workshops/{workshop.id}/archive")
    assert page.status_code == 200
    assert 'name="confirm" value="yes"' in page.text
    assert _workshops()[0].status == "open"

    client.post(f"/workshops/{workshop.id}/archive", data={})
    assert _workshops()[0].status == "open"

    response = client.post(f"/workshops/{workshop.id}/archive", data={"confirm": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/workshops"
    assert _workshops()[0].status == "archived"

    phone = app.test_client()
    for response in (
        phone.get(f"/j/{workshop.join_code}"),
        phone.post("/", data={"code": workshop.join_code}),
    ):
        assert response.status_code == 404
        assert "This workshop has ended" in response.text


def test_the_list_shows_own_workshops_to_facilitators_and_all_to_admins(client, app):
    ada, bob = make_user(), make_user()
    make_workshop(ada, title="Ada's workshop")
    make_workshop(bob, title="Bob's workshop")
    archived = make_workshop(ada, title="Ada's old one")
    archive_workshop(ada, archived.id)

    page = login(client, ada).get("/workshops").text
    assert "Ada&#39;s workshop" in page and "Ada&#39;s old one" in page
    assert "Bob&#39;s workshop" not in page

    page = login(app.test_client(), make_user(Role.ADMIN)).get("/workshops").text
    assert "Ada&#39;s workshop" in page and "Bob&#39;s workshop" in page


def test_coordinators_see_the_overview_of_all_workshops(client):
    make_workshop(make_user(), title="Ada's workshop")
    old = make_workshop(make_user(), title="Bob's workshop")
    archive_workshop(old.facilitator, old.id)
    login(client, make_user(Role.COORDINATOR))

    page = client.get("/workshops", follow_redirects=True).text  # to /coordinate (app/strategy)
    assert "All workshops" in page
    assert "Ada&#39;s workshop" in page and "Bob&#39;s workshop" in page
    assert "archived" in page
    assert client.get(f"/workshops/{old.id}").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/workshops/{id}"),
        ("get", "/workshops/{id}/edit"),
        ("get", "/workshops/{id}/projector"),
        ("get", "/workshops/{id}/archive"),
        ("post", "/workshops/{id}/edit"),
        ("post", "/workshops/{id}/archive"),
        ("post", "/workshops/{id}/duplicate"),
    ],
)
def test_another_facilitators_workshop_is_not_found(client, method, path):
    workshop = make_workshop(make_user())
    login(client, make_user())
    response = getattr(client, method)(
        path.format(id=workshop.id), data=FORM | {"title": "Mine now", "confirm": "yes"}
    )
    assert response.status_code == 404
    [stored] = _workshops()
    assert (stored.title, stored.status) == ("Going to Asia", "open")
    assert workshop.join_code not in response.text


# --- projector -------------------------------------------------------------------------


def _qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by segno's SVG path (`M x y` then `hN` runs and `m dx dy` moves)."""
    path = re.search(r'<path class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    dark, x, y = set(), 0.0, 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(y), int(x) + i) for i in range(int(a)))
            x += int(a)
    return dark


def _expected_modules(url: str, border: int) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="m").matrix
    return {(r + border, c + border) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}


def test_projector_shows_the_code_and_a_qr_of_the_join_url(client):
    fac = make_user()
    workshop = make_workshop(fac)
    login(client, fac)
    page = client.get(f"/workshops/{workshop.id}/projector").text

    assert f">{workshop.join_code}<" in page
    assert "127.0.0.1:5000" in page  # where to type the code
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    url = f"http://127.0.0.1:5000/j/{workshop.join_code}"
    drawn = _qr_modules(svg)
    assert any(drawn == _expected_modules(url, border) for border in range(5)), (
        "QR does not encode the join URL"
    )
    assert not any(drawn == _expected_modules(url + "X", border) for border in range(5))


def test_cockpit_shows_the_join_url(client):
    fac = make_user()
    workshop = make_workshop(fac)
    login(client, fac)
    page = client.get(f"/workshops/{workshop.id}").text
    assert f"http://127.0.0.1:5000/j/{workshop.join_code}" in page


# --- joining ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {lower_spaced} ", "{dashed}"])
def test_home_takes_the_code_as_typed(client, typed):
    workshop = make_workshop()
    code = workshop.join_code
    text = typed.format(
        code=code,
        lower=code.lower(),
        lower_spaced=f"{code[:3]} {code[3:]}".lower(),
        dashed=f"{code[:3]}-{code[3:]}",
    )
    response = client.post("/", data={"code": text})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/j/{code}"


def test_a_lower_case_join_link_leads_to_the_canonical_one(client):
    workshop = make_workshop()
    response = client.get(f"/j/{workshop.join_code.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/j/{workshop.join_code}"


@pytest.mark.parametrize("code", ["ZZZZZZ", "ABC", "00000O", "toolongcode"])
def test_a_wrong_code_says_so(client, code):
    make_workshop()
    response = client.post("/", data={"code": code})
    assert response.status_code == 404
    assert "No workshop has this code" in response.text
    response = client.get(f"/j/{code}")
    assert response.status_code == 404
    assert "No workshop has this code" in response.text


def test_joining_needs_the_notice_accepted(client):
    workshop = make_workshop()
    page = client.get(f"/j/{workshop.join_code}")
    assert page.status_code == 200 and 'name="consent"' in page.text

    response = client.post(f"/j/{workshop.join_code}", data={"display_name": "Ada", "cluster_id": "0"})
    assert response.status_code == 200
    assert "Please accept the notice to take part." in response.text
    assert _participants() == 0


def test_a_name_is_needed_unless_the_workshop_is_anonymous(client, app):
    named = make_workshop(anonymous=False)
    response = client.post(
        f"/j/{named.join_code}", data={"display_name": "  ", "consent": "y", "cluster_id": "0"}
    )
    assert response.status_code == 200
    assert "Please enter the name others will see." in response.text
    assert 'name="consent"' in response.text  # back on the form, not a dead end
    assert _participants() == 0

    anonymous = make_workshop(anonymous=True)
    response = app.test_client().post(
        f"/j/{anonymous.join_code}", data={"display_name": "", "consent": "y", "cluster_id": "0"}
    )
    assert in_room(response)
    assert _participants() == 1


def test_the_join_form_asks_for_a_name_only_where_names_are_shown_and_marks_what_is_required(client, app):
    named = client.get(f"/j/{make_workshop(anonymous=False).join_code}").text
    assert re.search(r'<input[^>]*id="display_name"[^>]*required', named)
    assert re.search(r'<input[^>]*id="consent"[^>]*required', named)
    assert named.count('class="required-mark"') == 2
    # The notice and the optional fields are folded (closed <details>).
    assert '<details class="notice">' in named and '<details class="more-fields">' in named
    anonymous = app.test_client().get(f"/j/{make_workshop(anonymous=True).join_code}").text
    assert 'name="display_name"' not in anonymous and 'name="consent"' in anonymous


def test_a_missing_name_and_consent_are_said_at_once(client):
    workshop = make_workshop(anonymous=False)
    data = {"display_name": "", "cluster_id": "0", "anonymity": "named"}
    page = client.post(f"/j/{workshop.join_code}", data=data).text
    assert "Please enter the name others will see." in page
    assert "Please accept the notice to take part." in page
    assert '<details class="notice" open>' in page  # what is consented to, unfolded
    assert _participants() == 0


def test_join_stores_the_profile(app):
    workshop = make_workshop()
    join(app, workshop, "Ada", organisation="Acme AI", cluster_id="2", sector="ai")
    participant = db.session.scalar(sa.select(Participant))
    assert (
        participant.display_name,
        participant.organisation,
        participant.cluster_id,
        participant.sector,
    ) == (
        "Ada",
        "Acme AI",
        2,
        "ai",
    )
    assert participant.workshop_id == workshop.id


def test_after_joining_a_reload_brings_back_the_same_participant(app):
    workshop = make_workshop()
    http = join(app, workshop, "Ada")
    [participant] = db.session.scalars(sa.select(Participant)).all()

    for _ in range(2):
        page = http.get(f"/j/{workshop.join_code}")
        assert page.status_code == 200
        assert "data-propose" in page.text and 'name="consent"' not in page.text
        sock = connect(app, http, workshop)
        [snapshot] = [e["args"][0] for e in sock.get_received("/live") if e["name"] == "snapshot"]
        assert snapshot["me"]["id"] == participant.id
        assert snapshot["me"]["display_name"] == "Ada"
        sock.disconnect("/live")
    assert _participants() == 1

    # Another phone is another person: it gets the form, not Ada's room.
    assert 'name="consent"' in app.test_client().get(f"/j/{workshop.join_code}").text


def test_a_participant_cookie_of_one_workshop_does_not_open_another(app):
    fac = make_user()
    a, b = make_workshop(fac), make_workshop(fac)
    http = join(app, a, "Ada")
    ada = db.session.scalar(sa.select(Participant.id))
    with http.session_transaction() as session:
        session["pt"] = {str(a.id): ada, str(b.id): ada}
    assert 'name="consent"' in http.get(f"/j/{b.join_code}").text
    assert "data-propose" in http.get(f"/j/{a.join_code}").text


def test_the_join_pages_speak_the_workshops_language(client):
    workshop = make_workshop(language="de")
    assert '<html lang="de">' in client.get(f"/j/{workshop.join_code}").text


class TestJoinRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_JOIN": "3 per minute"}

    def test_wrong_codes_are_limited(self, client):
        make_workshop()
        codes = [client.post("/", data={"code": "ZZZZZZ"}).status_code for _ in range(3)]
        codes.append(client.get("/j/YYYYYY").status_code)
        assert codes == [404, 404, 404, 429]
        assert "Too many attempts" in client.get("/j/YYYYYY").text

    def test_right_codes_are_not_counted(self, client, app):
        workshop = make_workshop()
        for _ in range(10):
            assert client.post("/", data={"code": workshop.join_code.lower()}).status_code == 302
            assert client.get(f"/j/{workshop.join_code}").status_code == 200
        join(app, workshop, "Ada")
        codes = [client.post("/", data={"code": "ZZZZZZ"}).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]


def test_the_default_join_limit_is_twenty_a_minute(client, app):
    assert app.config["RATELIMIT_JOIN"] == "20 per minute"
    make_workshop()
    codes = [client.post("/", data={"code": "ZZZZZZ"}).status_code for _ in range(21)]
    assert codes == [404] * 20 + [429]


def test_an_id_too_long_for_the_database_is_a_page_that_does_not_exist(client):
    """Every <id:...> in a URL stops at 2**31 - 1: longer numbers are 404, not a driver's 500."""
    login(client, make_user(Role.ADMIN))
    huge = "9" * 20
    for url in (
        f"/workshops/{huge}",
        f"/workshops/{huge}/projector",
        f"/workshops/{huge}/export/csv",
        f"/account/tokens/{huge}/revoke",
        f"/coordinate/workshops/{huge}",
    ):
        assert client.get(url).status_code == 404, url
