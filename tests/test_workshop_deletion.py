"""Deleting a workshop for good (an administrator, or its facilitator once archived), with a
confirmation page that names what goes; and retention: `flask purge` deletes the workshops that
ended longer ago than RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.actor import STAFF, Actor
from app.config import SettingError
from app.extensions import db, socketio
from app.models import AuditEvent, Participant, Role, Workshop, utcnow
from app.workshops.services import archive_workshop, deletion
from app.workshops.services.room import set_phase
from tests.conftest import (
    _config,
    connect,
    join,
    login,
    make_participant,
    make_user,
    make_workshop,
    op,
)
from tests.people_data import all_rows, full_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

NOT_WORKSHOP_ROWS = ("audit_events", "users", "alembic_version")


def test_deleting_leaves_no_row_of_the_workshop_in_any_table(app):
    kept = full_workshop("Kept", name="Kept Person")
    admin = make_user(Role.ADMIN)
    before = all_rows()
    doomed = full_workshop("Doomed")
    counts = deletion.contents(doomed.workshop.id)
    assert counts == {"participants": 3, "items": 4, "comments": 2, "ballots": 6, "rounds": 2}

    http = login(app.test_client(), admin)
    response = http.post(f"/workshops/{doomed.workshop.id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    after = all_rows()
    for table, rows in after.items():
        if table not in NOT_WORKSHOP_ROWS:
            assert rows == before[table], table  # the doomed workshop's rows gone, nothing else
    assert db.session.get(Workshop, kept.workshop.id) is not None
    line = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "workshop.deleted"))
    assert line.detail["counts"] == counts and line.detail["title"] == "Doomed"
    assert line.actor == admin.email


def test_the_confirmation_page_names_what_goes_and_offers_the_downloads(app):
    doomed = full_workshop("Doomed")
    http = login(app.test_client(), make_user(Role.ADMIN))
    page = http.get(f"/workshops/{doomed.workshop.id}/delete").text
    assert "Delete “Doomed” for good?" in page
    for phrase in (
        "3 participants",
        "4 ideas and target markets",
        "2 comments",
        "2 voting rounds",
        "6 ballots",
    ):
        assert phrase in page
    for fmt in ("csv", "xlsx", "json", "pdf"):
        assert f"/workshops/{doomed.workshop.id}/export/{fmt}" in page
    assert db.session.get(Workshop, doomed.workshop.id) is not None  # GET deletes nothing
    http.post(f"/workshops/{doomed.workshop.id}/delete")  # no confirmation: nothing either
    assert db.session.get(Workshop, doomed.workshop.id) is not None


def test_a_facilitator_deletes_their_own_workshop_once_it_is_archived(app):
    fac = make_user(Role.FACILITATOR)
    workshop = make_workshop(fac)
    http = login(app.test_client(), fac)
    refused = http.post(f"/workshops/{workshop.id}/delete", data={"confirm": "yes"})
    assert refused.status_code == 409 and "Archive the workshop first" in refused.text
    archive_workshop(fac, workshop.id)
    assert http.get(f"/workshops/{workshop.id}/delete").status_code == 200
    wid = workshop.id
    assert http.post(f"/workshops/{wid}/delete", data={"confirm": "yes"}).status_code == 302
    assert db.session.get(Workshop, wid) is None


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COORDINATOR])
def test_nobody_else_deletes_a_workshop(app, role):
    workshop = make_workshop()
    archive_workshop(workshop.facilitator, workshop.id)
    http = login(app.test_client(), make_user(role))
    response = http.post(f"/workshops/{workshop.id}/delete", data={"confirm": "yes"})
    assert response.status_code == (404 if role == Role.FACILITATOR else 403)
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id) is not None


def test_deleting_needs_the_csrf_token(app):
    workshop = make_workshop()
    http = login(app.test_client(), make_user(Role.ADMIN))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = http.post(f"/workshops/{workshop.id}/delete", data={"confirm": "yes"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert db.session.get(Workshop, workshop.id) is not None


def test_screens_of_an_open_workshop_are_told_it_ended_and_disconnected(app):
    workshop = make_workshop()
    phone = join(app, workshop, "Ada")
    sock = connect(app, phone, workshop)
    sock.get_received("/live")
    http = login(app.test_client(), make_user(Role.ADMIN))
    http.post(f"/workshops/{workshop.id}/delete", data={"confirm": "yes"})
    told = [e["args"][0] for e in sock.queue if e["name"] == "workshop_changed"]  # read though cut off
    assert told and told[-1]["workshop"]["status"] == "archived"
    assert not sock.is_connected("/live")
    auth = {"workshop": told[-1]["workshop"]["id"], "view": "participant"}
    again = socketio.test_client(app, namespace="/live", flask_test_client=phone, auth=auth)
    assert not again.is_connected("/live")  # refused: the workshop and its participant are gone


def test_a_deleted_workshops_ids_are_never_given_again(app):
    fac = make_user(Role.ADMIN)
    doomed = make_workshop(fac)
    doomed_id, person_id = doomed.id, make_participant(doomed, "Ada").id
    deletion.delete_workshop(fac, doomed_id)
    # SQLite would give the largest id plus one: the deleted workshop's, which phones' cookies
    # ({workshop: participant}), the screens' caches and the audit log still name.
    fresh = make_workshop(fac)
    assert fresh.id > doomed_id
    assert make_participant(fresh, "Bob").id > person_id


# --- retention ---------------------------------------------------------------------------


def staff(workshop: Workshop) -> Actor:
    return Actor(workshop.id, STAFF, user_id=workshop.facilitator_id)


def test_a_workshop_ends_when_closed_or_archived_whichever_first(app):
    workshop = make_workshop()
    assert workshop.ended_at is None
    set_phase(staff(workshop), op(), "closed")
    closed_at = db.session.get(Workshop, workshop.id).ended_at
    assert closed_at is not None
    set_phase(staff(workshop), op(), "results")  # opened again
    assert db.session.get(Workshop, workshop.id).ended_at is None
    set_phase(staff(workshop), op(), "closed")
    first = db.session.get(Workshop, workshop.id).ended_at
    archive_workshop(workshop.facilitator, workshop.id)
    assert db.session.get(Workshop, workshop.id).ended_at == first


def purge(app, *args: str):
    return app.test_cli_runner().invoke(args=["purge", *args])


def ended(days_ago: float, title: str) -> Workshop:
    workshop = make_workshop(title=title)
    make_participant(workshop, "Someone")
    archive_workshop(workshop.facilitator, workshop.id)
    workshop.ended_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return workshop


@pytest.fixture
def app_config() -> dict:
    return {"RETENTION_DAYS": "30"}


def test_purge_dry_run_says_what_it_would_delete_and_deletes_nothing(app):
    old = ended(31, "Old one")
    ended(29, "Recent one")
    result = purge(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"Would delete workshop {old.id} “Old one”" in result.output
    assert "1 participants" in result.output
    assert "Recent one" not in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 2


def test_purge_deletes_only_what_ended_longer_ago_and_records_it(app):
    old = ended(31, "Old one")
    old_id = old.id
    recent = ended(29, "Recent one")
    running = make_workshop(title="Still running")
    running.created_at = utcnow() - timedelta(days=400)  # old, but it has not ended
    db.session.commit()
    result = purge(app)
    assert result.exit_code == 0, result.output
    assert f"Deleted workshop {old_id} “Old one”" in result.output
    db.session.expire_all()
    remaining = set(db.session.scalars(sa.select(Workshop.id)))
    assert remaining == {recent.id, running.id}
    assert db.session.scalar(sa.select(sa.func.count()).where(Participant.workshop_id == old_id)) == 0
    line = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "workshop.purged"))
    assert (line.actor, line.target, line.detail["retention_days"]) == ("cli", f"workshop:{old_id}", 30)


def test_purge_without_a_retention_period_deletes_nothing_and_says_so(app):
    ended(400, "Very old")
    app.config["RETENTION_DAYS"] = None
    result = purge(app)
    assert result.exit_code == 1
    assert "RETENTION_DAYS is not set" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 1


@pytest.mark.parametrize("value", ["0", "-3", "a month", "1.5"])
def test_a_retention_period_that_is_not_whole_days_is_refused_at_start(migrated_db, value):
    with pytest.raises(SettingError, match="RETENTION_DAYS"):
        create_app(_config(f"sqlite:///{migrated_db}", RETENTION_DAYS=value))
