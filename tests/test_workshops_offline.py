"""What a phone may keep for an offline reload: its page names its person, is this browser's
only, and is named by the deploy; the cookie names the people this browser holds now; the
worker serves participants' pages only. The browser side is tests/e2e/test_offline.py."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from app import create_app
from tests.conftest import _config, join, login, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")


BOOT = re.compile(r'<script type="application/json" id="boot">(.*?)</script>', re.S)


def _boot(page) -> dict:
    return json.loads(BOOT.search(page.text)[1])


def _people_cookie(page) -> str:
    [cookie] = [c for c in page.headers.getlist("Set-Cookie") if c.startswith("bridge_people=")]
    return cookie


def test_a_participants_page_names_its_person_and_is_kept_by_this_browser_only(app):
    workshop = make_workshop()
    page = join(app, workshop, "Ada").get(f"/j/{workshop.join_code}")
    kept = _boot(page)["offline"]
    assert re.fullmatch(rf"{workshop.id}-[0-9a-f]{{16}}", kept["person"])
    assert page.headers["Bridge-Person"] == kept["person"]
    assert kept["worker"] == f"/j/sw.js?v={kept['release']}"
    # No proxy keeps it; online the browser asks the server each time.
    assert set(page.headers["Cache-Control"].split(", ")) == {"private", "no-cache"}
    cookie = _people_cookie(page)
    assert cookie.startswith(f"bridge_people={kept['person']};")
    assert "Path=/j/" in cookie and "SameSite=Lax" in cookie
    assert "HttpOnly" not in cookie  # the page's scripts and its worker read it

    # The join form is no one's page: nothing there to keep.
    form = app.test_client().get(f"/j/{workshop.join_code}")
    assert 'name="consent"' in form.text and "Bridge-Person" not in form.headers


def test_each_person_has_a_name_of_their_own_and_the_cookie_names_this_browsers(app):
    fac = make_user()
    first, second = make_workshop(fac), make_workshop(fac)
    ada, bo = join(app, first, "Ada"), join(app, first, "Bo")
    ada_page, bo_page = ada.get(f"/j/{first.join_code}"), bo.get(f"/j/{first.join_code}")
    assert _boot(ada_page)["offline"]["person"] != _boot(bo_page)["offline"]["person"]
    assert _boot(ada.get(f"/j/{first.join_code}"))["offline"] == _boot(ada_page)["offline"]

    # Ada joins a second workshop from the same browser: the cookie names her in both.
    joining = {"display_name": "Ada", "consent": "y", "cluster_id": "0"}
    answer = ada.post(f"/j/{second.join_code}", data=joining)
    there = ada.get(f"/j/{second.join_code}")
    # The form's answer is her room, which asks the worker to keep it (no worker served it).
    assert _boot(answer)["offline"] == _boot(there)["offline"] | {"keep": True}
    people = _people_cookie(there).split(";")[0].removeprefix("bridge_people=").split(".")
    assert people == [_boot(ada_page)["offline"]["person"], _boot(there)["offline"]["person"]]
    assert people[1].startswith(f"{second.id}-")


def test_the_worker_is_served_under_the_participants_pages_and_staff_pages_are_not_kept(app, client):
    user = make_user()
    worker = client.get("/j/sw.js?v=anything")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"  # a new deploy's worker is found at once
    assert "Service-Worker-Allowed" not in worker.headers  # its scope is /j/, where it is served
    csp = dict(part.strip().split(" ", 1) for part in worker.headers["Content-Security-Policy"].split(";"))
    assert csp["worker-src"] == "'self'"

    workshop = make_workshop(user)
    login(client, user)
    for path in (f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/projector"):
        page = client.get(path)
        assert _boot(page)["offline"] is None, path
        assert "Bridge-Person" not in page.headers and "bridge_people" not in str(page.headers)


def test_a_new_release_renames_what_phones_keep(migrated_db, tmp_path):
    """Phones drop their copies when the deploy's name changes (RELEASE, or any file of the app)."""
    releases = []
    for n, name in enumerate(("2025-05-01", "2025-05-01", "2025-05-02")):
        path = tmp_path / f"{n}.sqlite"
        shutil.copy(migrated_db, path)  # the template stays as migrated
        app = create_app(_config(f"sqlite:///{path}", RELEASE=name))
        with app.app_context():
            workshop = make_workshop(make_user())
            page = join(app, workshop).get(f"/j/{workshop.join_code}")
            releases.append(_boot(page)["offline"]["release"])
    assert releases[0] == releases[1] != releases[2]
