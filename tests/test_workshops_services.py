"""Workshop use cases in an app context: codes, ownership, copies, archive, joining."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Cluster, Participant, Role, Workshop
from app.workshops import services
from app.workshops.services import workshops as workshop_services
from app.workshops.services.participants import normalise_code
from app.workshops.services.workshops import CODE_ALPHABET, CODE_LENGTH
from tests.conftest import make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

SETTINGS = {
    "title": "Going to Asia",
    "question": "Which markets first?",
    "cluster_id": 2,
    "language": "it",
    "anonymous": True,
}


def test_the_five_host_clusters_are_seeded(app):
    names = db.session.scalars(sa.select(Cluster.name).order_by(Cluster.id)).all()
    assert names == [
        "Baden-Württemberg: Connected",
        "Fondazione Torino Wireless",
        "ELINCLUS (APTE)",
        "Cluster ICT",
        "Other",
    ]


def test_code_alphabet_has_no_lookalikes():
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31


def test_create_stores_settings_owner_and_a_readable_code(app):
    fac = make_user()
    workshop = services.create_workshop(fac, **SETTINGS)
    db.session.expire_all()
    stored = db.session.get(Workshop, workshop.id)
    assert {k: getattr(stored, k) for k in SETTINGS} == SETTINGS
    assert stored.facilitator_id == fac.id
    assert stored.status == "open" and stored.submissions_open and not stored.private_ideation
    assert len(stored.join_code) == CODE_LENGTH == 6
    assert set(stored.join_code) <= set(CODE_ALPHABET)


def test_codes_differ_between_workshops(app):
    fac = make_user()
    codes = {make_workshop(fac).join_code for _ in range(20)}
    assert len(codes) == 20


def test_a_colliding_code_is_retried(app, monkeypatch):
    first = make_workshop()
    drawn = iter([first.join_code, first.join_code, "ZZZZZZ"])
    monkeypatch.setattr(workshop_services, "new_code", lambda: next(drawn))

    second = make_workshop()
    assert second.join_code == "ZZZZZZ"
    open_codes = db.session.scalars(sa.select(Workshop.join_code).where(Workshop.status == "open")).all()
    assert sorted(open_codes) == sorted([first.join_code, "ZZZZZZ"])


def test_no_free_code_fails_loudly_and_stores_nothing(app, monkeypatch):
    first = make_workshop()
    monkeypatch.setattr(workshop_services, "new_code", lambda: first.join_code)
    with pytest.raises(RuntimeError):
        make_workshop()
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 1


def test_an_archived_workshop_code_may_be_reused(app, monkeypatch):
    fac = make_user()
    old = make_workshop(fac, title="Old")
    services.archive_workshop(fac, old.id)
    monkeypatch.setattr(workshop_services, "new_code", lambda: old.join_code)

    new = make_workshop(fac, title="New")
    assert new.join_code == old.join_code
    assert services.find_by_code(old.join_code).id == new.id


def test_update_changes_settings_and_bumps_the_version(app):
    fac = make_user()
    workshop = make_workshop(fac)
    before = workshop.version
    services.update_workshop(fac, workshop.id, **SETTINGS)
    db.session.expire_all()
    stored = db.session.get(Workshop, workshop.id)
    assert {k: getattr(stored, k) for k in SETTINGS} == SETTINGS
    assert stored.version == before + 1


def test_duplicate_copies_settings_with_a_new_code_for_the_caller(app):
    owner = make_user()
    admin = make_user(Role.ADMIN)
    source = make_workshop(owner, **SETTINGS)

    copy = services.duplicate_workshop(admin, source.id)
    assert copy.id != source.id
    assert copy.join_code != source.join_code
    assert copy.facilitator_id == admin.id
    assert copy.title == "Going to Asia (copy)"
    assert {k: getattr(copy, k) for k in SETTINGS if k != "title"} == {
        k: v for k, v in SETTINGS.items() if k != "title"
    }
    assert copy.status == "open" and copy.version == 0


def test_duplicate_keeps_the_title_within_its_column(app):
    source = make_workshop(title="T" * 200)
    copy = services.duplicate_workshop(source.facilitator, source.id)
    assert len(copy.title) == 200


def test_archive_closes_the_code_with_a_clear_message(app):
    fac = make_user()
    workshop = make_workshop(fac)
    services.archive_workshop(fac, workshop.id)
    assert workshop.status == "archived"
    with pytest.raises(NotFound, match="has ended"):
        services.find_by_code(workshop.join_code)
    with pytest.raises(NotFound, match="has ended"):
        services.join(workshop, display_name="Ada")


@pytest.mark.parametrize("action", ["update", "duplicate", "archive", "workshop_for_staff"])
def test_another_facilitators_workshop_does_not_exist(app, action):
    workshop = make_workshop(make_user())
    intruder = make_user()
    calls = {
        "update": lambda: services.update_workshop(intruder, workshop.id, title="Mine now"),
        "duplicate": lambda: services.duplicate_workshop(intruder, workshop.id),
        "archive": lambda: services.archive_workshop(intruder, workshop.id),
        "workshop_for_staff": lambda: services.workshop_for_staff(intruder, workshop.id),
    }
    with pytest.raises(NotFound):
        calls[action]()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 1
    assert (workshop.title, workshop.status) == ("Going to Asia", "open")


@pytest.mark.parametrize("role", [Role.COORDINATOR])
def test_coordinators_cannot_run_workshops(app, role):
    workshop = make_workshop()
    with pytest.raises(NotFound):
        services.workshop_for_staff(make_user(role), workshop.id)


def test_lists_are_own_for_facilitators_and_all_for_admins(app):
    ada, bob = make_user(), make_user()
    admin = make_user(Role.ADMIN)
    a1 = make_workshop(ada, title="A1")
    a2 = make_workshop(ada, title="A2")
    b1 = make_workshop(bob, title="B1")
    services.archive_workshop(ada, a1.id)

    assert services.list_workshops(ada) == [a2]
    assert services.list_workshops(ada, archived=True) == [a1]
    assert services.list_workshops(bob) == [b1]
    assert services.list_workshops(admin) == [b1, a2]


# --- joining ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["abc def", " ABC-DEF ", "abcdef", "AbC dEf\n"])
def test_codes_are_found_as_people_type_them(app, monkeypatch, typed):
    monkeypatch.setattr(workshop_services, "new_code", lambda: "ABCDEF")
    workshop = make_workshop()
    assert normalise_code(typed) == "ABCDEF"
    assert services.find_by_code(typed).id == workshop.id


@pytest.mark.parametrize("code", ["", "ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI", "ZZZZZZ"])
def test_wrong_codes_say_so(app, code):
    make_workshop()
    with pytest.raises(NotFound, match="No workshop has this code"):
        services.find_by_code(code)


def test_a_name_is_required_unless_anonymous(app):
    named = make_workshop(anonymous=False)
    with pytest.raises(Invalid) as e:
        services.join(named, display_name="")
    assert e.value.field == "display_name"
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0

    anonymous = make_workshop(anonymous=True)
    participant = services.join(anonymous, display_name="")
    assert participant.workshop_id == anonymous.id


def test_participant_in_is_scoped_to_its_open_workshop(app):
    fac = make_user()
    a, b = make_workshop(fac), make_workshop(fac)
    ada = services.join(a, display_name="Ada")
    assert services.participant_in(a.id, ada.id) == ada
    assert services.participant_in(b.id, ada.id) is None
    assert services.participant_in(a.id, None) is None
    assert services.participant_in(a.id, ada.id + 100) is None

    services.archive_workshop(fac, a.id)
    assert services.participant_in(a.id, ada.id) is None
