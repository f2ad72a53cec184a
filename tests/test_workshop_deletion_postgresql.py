"""Deleting a workshop on PostgreSQL: its foreign keys are checked statement by statement, and
the rows of its rounds and items are locked before their ballots and +1s go."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role, Workshop
from tests.conftest import login, make_user
from tests.people_data import all_rows, full_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(scope="module")
def pg_url():
    from tests.services import migrated_postgres

    with migrated_postgres() as url:
        yield url


@pytest.fixture
def app_config(pg_url) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": pg_url}


def test_deleting_leaves_no_row_of_the_workshop_on_postgresql(app):
    kept = full_workshop("Kept", name="Kept Person")
    admin = make_user(Role.ADMIN)
    before = all_rows()
    doomed = full_workshop("Doomed")
    doomed_id = doomed.workshop.id

    http = login(app.test_client(), admin)
    assert http.post(f"/workshops/{doomed_id}/delete", data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    after = all_rows()
    for table, rows in after.items():
        if table not in ("audit_events", "users", "alembic_version"):
            assert rows == before[table], table
    assert db.session.get(Workshop, kept.workshop.id) is not None
    assert db.session.get(Workshop, doomed_id) is None
