"""Two changes to one workshop at once, on PostgreSQL: a change that reads before it knows what it
writes waits for the workshop's row first, so it reads what the other change committed.

Each test plays the other change as another process would, on its own connection, holding the
workshop's row in an open transaction; the service under test runs in a thread, which must wait
for that row (seen in pg_stat_activity) and then answer with what was committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa

from app.auth.actor import STAFF, Actor
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import Participant, Theme, Workshop
from app.workshops import services
from app.workshops.services import themes
from tests.conftest import make_theme, make_user, make_workshop, op

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture(scope="module")
def pg_url():
    from tests.services import migrated_postgres

    with migrated_postgres() as url:
        yield url


@pytest.fixture
def app_config(pg_url) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": pg_url}


def dsn(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")


def while_held(app, other: psycopg.Connection, change: Callable[[], object]) -> dict:
    """Run `change` in a thread while `other` holds its transaction; commit `other` once the thread
    waits for a lock, then return what `change` answered or raised."""
    result: dict = {}

    def run() -> None:
        with app.app_context():
            try:
                result["answer"] = change()
            except Exception as e:  # noqa: BLE001 - handed to the test
                result["error"] = e
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    with psycopg.connect(dsn(app), autocommit=True) as watcher:
        deadline = time.monotonic() + 30  # a hang guard, not a measure
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.02)
    result["waited"] = thread.is_alive()
    other.commit()
    thread.join(30)
    assert not thread.is_alive()
    return result


def test_a_recolour_while_a_rename_commits_answers_with_the_new_name(app):
    """The rename holds the workshop's row; the recolour reads the theme after it, not before."""
    user = make_user()
    workshop = make_workshop(user, phase="cluster")
    theme = make_theme(workshop, "Asia", "#1d4ed8")
    staff = Actor(workshop.id, STAFF, user_id=user.id)
    with psycopg.connect(dsn(app)) as other:
        other.execute("UPDATE workshops SET version = version + 1 WHERE id = %s", (workshop.id,))
        other.execute("UPDATE themes SET name = 'Asia and Pacific' WHERE id = %s", (theme.id,))
        result = while_held(app, other, lambda: themes.update_theme(staff, op(), theme.id, None, "#be123c"))
    assert result["waited"] and "error" not in result, result
    assert result["answer"]["theme"]["name"] == "Asia and Pacific"
    db.session.expire_all()
    stored = db.session.get(Theme, theme.id)
    assert (stored.name, stored.color) == ("Asia and Pacific", "#be123c")
    assert result["answer"]["v"] == db.session.get(Workshop, workshop.id).version


def test_a_join_while_anonymity_is_switched_off_is_told(app):
    """The switch holds the workshop's row; a phone whose page promised anonymity waits and is told."""
    user = make_user()
    workshop = make_workshop(user, anonymous=True)
    with psycopg.connect(dsn(app)) as other:
        other.execute("SELECT id FROM workshops WHERE id = %s FOR UPDATE", (workshop.id,))
        other.execute("UPDATE workshops SET anonymous = false WHERE id = %s", (workshop.id,))
        code = workshop.join_code
        join = lambda: services.join(  # noqa: E731
            services.find_by_code(code), display_name="", promised_anonymity=True
        )
        result = while_held(app, other, join)
    assert result["waited"] and isinstance(result.get("error"), Conflict), result
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Participant.id)).where(Participant.workshop_id == workshop.id)
        )
        == 0
    )


def test_anonymity_is_not_switched_off_while_a_phone_joins_on_its_promise(app):
    """The join holds the workshop's row; the switch waits, then sees that someone joined."""
    user = make_user()
    workshop = make_workshop(user, anonymous=True)
    with psycopg.connect(dsn(app)) as other:
        other.execute("SELECT id FROM workshops WHERE id = %s FOR KEY SHARE", (workshop.id,))
        other.execute(
            "INSERT INTO participants (workshop_id, display_name, organisation, consented_at, created_at)"
            " VALUES (%s, '', '', now(), now())",
            (workshop.id,),
        )
        result = while_held(app, other, lambda: services.update_workshop(user, workshop.id, anonymous=False))
    assert result["waited"] and isinstance(result.get("error"), Invalid), result
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).anonymous is True


def test_a_join_does_not_wait_for_the_rooms_changes(app):
    """A command holds the workshop's row until it commits (bump); joins, a storm of them at the
    start, pass it: only a change of settings makes them wait."""
    workshop = make_workshop(make_user(), anonymous=True)
    with psycopg.connect(dsn(app)) as other:
        other.execute("UPDATE workshops SET version = version + 1 WHERE id = %s", (workshop.id,))
        code = workshop.join_code
        join = lambda: services.join(  # noqa: E731
            services.find_by_code(code), display_name="", promised_anonymity=True
        )
        result = while_held(app, other, join)
    assert not result["waited"] and isinstance(result.get("answer"), Participant), result
