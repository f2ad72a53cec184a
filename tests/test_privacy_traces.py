"""After a participant's contributions are removed, no table holds their name, organisation or text.

SQLite: the database file itself is read, with its write-ahead log, as bytes (deleted rows and
replaced values must not linger in free space: secure_delete; nor old pages in the log: the
removal folds it in and empties it). PostgreSQL: every table is dumped (pg_dump) and read.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Participant, Team, Workshop
from app.voting import tally_pump as voting_tally_pump
from app.workshops.services import items, teams, themes
from tests.conftest import _config, op, set_phase
from tests.test_privacy_services import Room

pytestmark = pytest.mark.usefixtures("fast_passwords")

# What only Ada typed: if any of it is found after the removal, it is a trace of her.
NAME, ORGANISATION = "Zyxquokka Ada", "Quokkavault Labs"
TEXTS = (
    "Zebracorn desk in Ulaanbaatar 7Q4X",
    "Edited zebracorn plan 8R5Y",
    "Kumquat comment 3M9P",
    "Quokka distributors 5T2W",  # what she brings to a team
    "ada.quokka@zyx.example",  # the email she left for her team
)


@pytest.fixture(autouse=True)
def quiet_tallies(monkeypatch) -> None:
    monkeypatch.setattr(voting_tally_pump.tally_pump, "touch", lambda w, r: None)


def a_workshop_ada_took_part_in() -> Room:
    """Ada joins, proposes (and edits), comments, gives +1s and votes in a named, an anonymous and an
    open round; the facilitator hides and shows her item and merges Bob's duplicate into it."""
    room = Room()
    ada = db.session.get(Participant, room.pids[0])
    ada.display_name, ada.organisation, ada.cluster_id, ada.sector = NAME, ORGANISATION, 2, "ai"
    db.session.commit()
    idea = room.propose(room.ada, TEXTS[0])
    items.edit_item(room.ada, op(), idea, text=TEXTS[1], country=None)
    second = room.propose(room.ada, TEXTS[0] + " (again)")
    bobs = room.propose(room.bob, "Bob's booth in Seoul")
    dup = room.propose(room.bob, "Bob: the same desk")
    room.comment(room.ada, bobs, TEXTS[2])
    room.comment(room.bob, idea, "Bob on Ada's idea")
    room.react(room.ada, bobs)
    items.set_item_hidden(room.staff, op(), second, True)
    items.set_item_hidden(room.staff, op(), second, False)
    themes.merge_items(room.staff, op(), idea, [dup])
    for settings in ({}, {"anonymous": True}):
        round_ = room.round([idea, second, bobs], **settings)
        room.vote(room.ada, round_, [1, 1, 1])
        room.close(round_)
    room.vote(room.ada, room.round([idea, second, bobs]), [2, 0, 1])
    # A team for Bob's idea: she counts herself in, names herself and leaves her email, as Bob
    # does; the room closes, and Bob's phone has her address among his contacts.
    workshop = db.session.get(Workshop, room.id)
    workshop.phases = [*workshop.phases[:-1], "teams", "closed"]
    db.session.commit()
    teams.choose_teams(room.staff, op(), [bobs], ["Funding"])
    team = db.session.scalar(sa.select(Team.id))
    set_phase(room.id, "teams")
    teams.join_team(room.ada, op(), team, brings=TEXTS[3], contact_email=TEXTS[4], show_name=True)
    teams.join_team(room.bob, op(), team, contact_email="bob@b.example")
    set_phase(room.id, "closed")
    return room


def traces(blob: bytes) -> list[str]:
    return [text for text in (NAME, ORGANISATION, *TEXTS) if text.encode() in blob]


def sqlite_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_the_sqlite_file_keeps_no_trace_of_her(app):
    room = a_workshop_ada_took_part_in()
    assert traces(sqlite_bytes(app)) == [NAME, ORGANISATION, *TEXTS]  # the scan sees what is there

    room.remove_ada()

    assert traces(sqlite_bytes(app)) == []


@pytest.fixture(scope="module")
def pg():
    from tests.services import _pg_bin, postgres_server

    with postgres_server() as server:
        app = create_app(_config(server.url))
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        yield server, _pg_bin()


def test_a_dump_of_postgresql_keeps_no_trace_of_her(pg):
    server, bindir = pg
    app = create_app(_config(server.url))
    with app.app_context():
        room = a_workshop_ada_took_part_in()

        def dump() -> bytes:
            command = [f"{bindir}/pg_dump", "--data-only", "-h", "127.0.0.1", "-p", str(server.port)]
            return subprocess.run(
                [*command, "-U", "bridge", "postgres"], check=True, capture_output=True
            ).stdout

        assert traces(dump()) == [NAME, ORGANISATION, *TEXTS]
        room.remove_ada()
        assert traces(dump()) == []
        db.session.remove()
        db.engine.dispose()


def test_the_workshops_archive_keeps_no_trace_of_her_and_still_restores(app):
    from app.exports import archive, restore, service

    room = a_workshop_ada_took_part_in()
    room.remove_ada()
    data = archive.build(room.id)
    assert traces(json.dumps(data, ensure_ascii=False).encode()) == []
    restored = restore.restore(json.loads(json.dumps(data)), room.user)
    assert restored.id != room.id
    for fmt in ("csv", "xlsx", "pdf"):  # every file made from the archive is made as before
        assert service.RENDERERS[fmt](data)
