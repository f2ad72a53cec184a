"""The cockpit's pages over HTTP: the new-workshop form's host cluster, what the cockpit draws on
the server before its script connects, and messages that can be dismissed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Workshop
from tests.conftest import login, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

FORM = {"title": "Going to Africa", "language": "en", "phases": ["propose", "vote"]}


def _selected_cluster(page: str) -> str | None:
    select = re.search(r'<select[^>]*name="cluster_id".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', select)
    return next((v for v in chosen.groups() if v), None) if chosen else None


def test_a_first_workshop_asks_for_its_host_cluster(client):
    """No silent first cluster: every coordinator figure would be filed under it."""
    login(client, make_user())
    page = client.get("/workshops/new").text
    assert _selected_cluster(page) in (None, "0")
    assert "Choose the host cluster…" in page

    refused = client.post("/workshops/new", data=FORM | {"cluster_id": "0"})
    assert refused.status_code == 200
    assert "Choose the cluster that hosts this workshop." in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 0

    assert client.post("/workshops/new", data=FORM | {"cluster_id": "4"}).status_code == 302
    assert db.session.scalar(sa.select(Workshop.cluster_id)) == 4


def test_the_next_workshop_starts_from_the_cluster_of_the_last_and_says_so(client):
    facilitator = make_user()
    make_workshop(facilitator, cluster_id=2)
    make_workshop(facilitator, cluster_id=4)  # the latest
    make_workshop(make_user(), cluster_id=3)  # someone else's is no hint
    login(client, facilitator)
    page = client.get("/workshops/new?template=markets").text
    assert _selected_cluster(page) == "4"
    assert "Chosen for you: the host cluster of your last workshop, Cluster ICT." in page


def test_the_cockpit_draws_its_buttons_labels_before_it_connects(client):
    facilitator = make_user()
    workshop = make_workshop(facilitator, phase="discuss", private_ideation=True)
    login(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}").text
    assert re.search(r"<button[^>]*data-toggle-submissions[^>]*>Lock submissions</button>", page)
    assert re.search(r"<button[^>]*data-toggle-private[^>]*>Reveal all</button>", page)
    phases = re.findall(r'data-phase="(\w+)"[^>]*>([^<]+)</button>', page)
    assert [label for _, label in phases] == [
        "Welcome", "Propose", "Discuss", "Cluster", "Vote", "Results", "Closed"
    ]  # fmt: skip
    assert re.search(r'data-phase="discuss" aria-current="step">Discuss<', page)


def test_a_message_after_a_form_can_be_dismissed(client):
    login(client, make_user())
    cockpit = client.post("/workshops/new", data=FORM | {"cluster_id": "1"}, follow_redirects=True).text
    flash = re.search(r'<div class="flash flash-ok" role="status" data-flash="ok">.*?</div>', cockpit, re.S)
    assert flash and "Workshop created." in flash.group(0)
    assert re.search(r'<button class="flash-close"[^>]*aria-label="Dismiss"', flash.group(0))
    assert "js/flash.js" in cockpit
    assert "js/flash.js" not in client.get("/workshops").text  # no message, no script
