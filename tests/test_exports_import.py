"""`flask workshops import`: the round trip, and bad archives refused with the database untouched."""

from __future__ import annotations

import copy
import json
import sqlite3
from contextlib import closing

import pytest

from app.errors import Invalid
from app.exports import service
from app.extensions import db
from app.models import Role, Workshop
from app.workshops.services import archive_workshop
from tests.conftest import make_user, make_workshop
from tests.test_exports import (
    GREEK,
    HYPERLINK,
    build_workshop,
    csv_tables,
    no_tally_timer,  # noqa: F401  (an autouse fixture, shared)
    workbook,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")


def export_json(workshop_id: int) -> dict:
    return json.loads(service.export(None, workshop_id, "json").data)


def without_stamp(archive: dict) -> dict:
    return {k: v for k, v in archive.items() if k != "exported_at"}


def run_import(app, tmp_path, payload, email: str, name: str = "archive.json"):
    path = tmp_path / name
    path.write_bytes(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    return app.test_cli_runner().invoke(args=["workshops", "import", str(path), "--facilitator", email])


def row_counts(app) -> dict[str, int]:
    """Rows in every table, as committed (read through a separate connection)."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {n: conn.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


def newest_workshop_id() -> int:
    """The restored workshop (the CLI runner's app context ended the test's session: objects are detached)."""
    return db.session.scalar(db.select(db.func.max(Workshop.id)))


@pytest.fixture
def original(app):
    """A finished, archived workshop and its JSON archive."""
    built = build_workshop()
    archive_workshop(built.user, built.workshop_id)
    return built, export_json(built.workshop_id)


# --- the round trip ------------------------------------------------------------------------------


def test_round_trip_export_import_export_is_identical(app, tmp_path, original):
    built, before = original
    result = run_import(app, tmp_path, before, built.user.email)
    assert result.exit_code == 0, result.output
    restored_id = newest_workshop_id()
    assert restored_id != built.workshop_id and f"Restored workshop {restored_id}" in result.output
    after = export_json(restored_id)
    assert without_stamp(after) == without_stamp(before)
    # The restored workshop is a record: archived, with a code of its own.
    restored, source = db.session.get(Workshop, restored_id), db.session.get(Workshop, built.workshop_id)
    assert restored.status == "archived" and restored.join_code != source.join_code
    assert restored.facilitator_id == built.user.id


def test_round_trip_gives_the_same_csv_and_workbook(app, tmp_path, original):
    built, before = original
    run_import(app, tmp_path, before, built.user.email)
    restored_id = newest_workshop_id()
    same = [service.export(None, w, "csv").data for w in (built.workshop_id, restored_id)]
    assert csv_tables(same[0]) == csv_tables(same[1])
    books = [workbook(service.export(None, w, "xlsx").data) for w in (built.workshop_id, restored_id)]
    assert [list(ws.values) for ws in books[0]][1:] == [list(ws.values) for ws in books[1]][1:]


def test_an_open_workshop_comes_back_archived_and_otherwise_the_same(app, tmp_path):
    built = build_workshop()
    before = export_json(built.workshop_id)
    assert before["workshop"]["status"] == "open"
    assert run_import(app, tmp_path, before, built.user.email).exit_code == 0
    after = export_json(newest_workshop_id())
    assert after["workshop"].pop("status") == "archived"
    before["workshop"].pop("status")
    assert without_stamp(after) == without_stamp(before)


def test_an_anonymous_workshop_round_trips_without_authors(app, tmp_path):
    """Anonymous contributions: no author or reactor in the archive, yet the +1 counts come back."""
    built = build_workshop(title="Poll")
    workshop = db.session.get(Workshop, built.workshop_id)
    workshop.anonymous = True
    db.session.commit()
    before = export_json(built.workshop_id)
    assert {i["author"] for i in before["items"]} == {None}
    assert {c["author"] for c in before["comments"]} == {None}
    assert {r["participant"] for r in before["reactions"]} == {None} and len(before["reactions"]) == 5
    assert run_import(app, tmp_path, before, built.user.email).exit_code == 0
    after = export_json(newest_workshop_id())
    assert after["workshop"].pop("status") == "archived"
    before["workshop"].pop("status")
    assert without_stamp(after) == without_stamp(before)


def test_an_admin_may_own_the_import_and_the_email_is_case_insensitive(app, tmp_path, original):
    _built, before = original
    admin_id = make_user(Role.ADMIN, email="Admin@Example.org").id
    result = run_import(app, tmp_path, before, "admin@example.ORG")
    assert result.exit_code == 0, result.output
    assert db.session.get(Workshop, newest_workshop_id()).facilitator_id == admin_id


# --- bad archives: a clear error and nothing written ---------------------------------------------


def _edit(archive: dict, change) -> dict:
    edited = copy.deepcopy(archive)
    change(edited)
    return edited


def _item(archive: dict, text: str) -> dict:
    return next(i for i in archive["items"] if i["text"] == text)


BAD = [
    ("malformed", lambda a: b'{"format": "bridge-codesign/workshop", ', "not valid JSON (line 1"),
    ("not utf-8", lambda a: b"\xff\xfe{}", "not UTF-8"),
    ("nan", lambda a: json.dumps(a).replace('"position": 0', '"position": NaN', 1).encode(), "NaN"),
    ("duplicate key", lambda a: b'{"format": 1, "format": 2}', "appears twice"),
    ("not an object", lambda a: [a], "archive should be an object"),
    ("wrong format", lambda a: _edit(a, lambda x: x.update(format="trello/board")), "not a Bridge Co-Design"),
    ("newer schema", lambda a: _edit(a, lambda x: x.update(schema_version=2)), "newer version"),
    ("schema as text", lambda a: _edit(a, lambda x: x.update(schema_version="1")), "schema_version"),
    ("no workshop", lambda a: _edit(a, lambda x: x.pop("workshop")), "archive.workshop should be an object"),
    ("missing field", lambda a: _edit(a, lambda x: x["workshop"].pop("title")), "workshop.title is missing"),
    ("blank title", lambda a: _edit(a, lambda x: x["workshop"].update(title="  ")), "workshop.title"),
    ("long text", lambda a: _edit(a, lambda x: _item(x, GREEK).update(text="x" * 501)), "500 characters"),
    ("bool as text", lambda a: _edit(a, lambda x: x["workshop"].update(anonymous="yes")), "true or false"),
    ("int as text", lambda a: _edit(a, lambda x: _item(x, GREEK).update(position="1")), "whole number"),
    ("bool as int", lambda a: _edit(a, lambda x: x["rounds"][0].update(budget=True)), "budget"),
    ("unknown cluster", lambda a: _edit(a, lambda x: x["workshop"].update(cluster="atlantis")), "one of"),
    ("unknown language", lambda a: _edit(a, lambda x: x["workshop"].update(language="xx")), "language"),
    ("bad time", lambda a: _edit(a, lambda x: x["workshop"].update(created_at="yesterday")), "UTC time"),
    ("bad colour", lambda a: _edit(a, lambda x: x["themes"][0].update(color="red")), "colour"),
    ("bad country", lambda a: _edit(a, lambda x: x["items"][-1].update(country="XX")), "country code"),
    ("dangling theme", lambda a: _edit(a, lambda x: _item(x, GREEK).update(theme="T99")), "'T99'"),
    ("dangling author", lambda a: _edit(a, lambda x: _item(x, GREEK).update(author="P77")), "'P77'"),
    ("dangling item", lambda a: _edit(a, lambda x: x["comments"][0].update(item="I404")), "'I404'"),
    ("id not ref", lambda a: _edit(a, lambda x: _item(x, GREEK).update(theme=1)), "refers to 1"),
    ("duplicate ref", lambda a: _edit(a, lambda x: x["items"][1].update(ref="I1")), "new reference"),
    (
        "merge loop",
        lambda a: _edit(
            a, lambda x: (x["items"][0].update(merged_into="I2"), x["items"][1].update(merged_into="I1"))
        ),
        "loop",
    ),  # fmt: skip
    (
        "reply to reply",
        lambda a: _edit(a, lambda x: x["comments"][2].update(parent="K2", item="I1")),
        "not a reply",
    ),
    (
        "ballot option",
        lambda a: _edit(a, lambda x: x["rounds"][0]["ballots"][0].update(data={"O99": 1})),
        "'O99'",
    ),
    (
        "ballot float",
        lambda a: _edit(a, lambda x: x["rounds"][0]["ballots"][0].update(data={"O1": 2.5})),
        "whole numbers",
    ),  # fmt: skip
    (
        "ballot score",
        lambda a: _edit(a, lambda x: x["rounds"][2]["ballots"][0]["data"]["O9"].update(C1=9)),
        "from 1 to 5",
    ),  # fmt: skip
    (
        "named voter",
        lambda a: _edit(a, lambda x: x["rounds"][1]["ballots"][0].update(voter="P1")),
        "anonymous",
    ),
    (
        "two ballots",
        lambda a: _edit(a, lambda x: x["rounds"][0]["ballots"][1].update(voter="P1")),
        "no other",
    ),
    ("nul in text", lambda a: _edit(a, lambda x: _item(x, HYPERLINK).update(text="bad\x00text")), "NUL"),
    ("nul in key", lambda a: _edit(a, lambda x: x["workshop"].update({"x\x00": 1})), "NUL"),
    # Each of these ended in a traceback: Python's limit on an int's digits, a lone surrogate
    # (which UTF-8 cannot encode: the database write, or printing the title, failed), and a
    # weight too large for math.isfinite.
    (
        "huge int",
        lambda a: json.dumps(a).replace('"position": 0', f'"position": {"9" * 4301}', 1).encode(),
        "4300",
    ),
    ("surrogate", lambda a: _edit(a, lambda x: _item(x, GREEK).update(text="a \ud800 b")), "lone surrogate"),
    (
        "surrogate title",
        lambda a: _edit(a, lambda x: x["workshop"].update(title="T \udfff")),
        "title contains a lone",
    ),
    ("surrogate key", lambda a: _edit(a, lambda x: x["workshop"].update({"k\ud800": 1})), "lone surrogate"),
    (
        "huge weight",
        lambda a: _edit(a, lambda x: x["rounds"][2]["criteria"][0].update(weight=10**400)),
        "0 to 100",
    ),
]


@pytest.mark.parametrize("name, make, message", BAD, ids=[b[0] for b in BAD])
def test_bad_archives_are_refused_clearly_and_change_nothing(app, tmp_path, original, name, make, message):
    built, archive = original
    payload = make(archive)
    counts = row_counts(app)
    result = run_import(app, tmp_path, payload, built.user.email)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # click's error, no crash
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert row_counts(app) == counts


def test_an_archive_nested_as_deep_as_json_allows_is_checked_without_recursion():
    """The check for NUL and lone surrogates walks the archive in a loop: nested 100,000 deep
    it still finds the NUL at the bottom (a recursive walk ran out of stack, a traceback)."""
    from app.exports import restore

    deep: list = ["bad\x00text"]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(Invalid, match="NUL"):
        restore.check_text({"format": "bridge-codesign/workshop", "deep": deep})


def test_a_facilitator_email_that_is_not_text_is_refused(app, tmp_path, original):
    """A shell hands undecodable bytes of an argument to Python as lone surrogates."""
    built, archive = original
    counts = row_counts(app)
    result = run_import(app, tmp_path, archive, "ada\udcff@example.org")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), repr(result.exception)
    assert "email is not valid text" in result.output
    assert row_counts(app) == counts


def test_a_file_over_the_limit_is_refused_before_it_is_read(app, tmp_path, original):
    built, archive = original
    data = json.dumps(archive).encode()
    app.config["EXPORT_IMPORT_MAX_BYTES"] = len(data) - 1
    counts = row_counts(app)
    result = run_import(app, tmp_path, data, built.user.email)
    assert result.exit_code == 1 and "too large" in result.output
    assert row_counts(app) == counts
    app.config["EXPORT_IMPORT_MAX_BYTES"] = len(data)
    assert run_import(app, tmp_path, data, built.user.email).exit_code == 0


def test_the_default_limit_is_20_mb(app):
    assert app.config["EXPORT_IMPORT_MAX_BYTES"] == 20 * 1024 * 1024


@pytest.mark.parametrize("who", ["nobody@example.org", "coordinator"])
def test_the_owner_must_be_an_active_facilitator_or_admin(app, tmp_path, original, who):
    _built, archive = original
    email = make_user(Role.COORDINATOR).email if who == "coordinator" else who
    counts = row_counts(app)
    result = run_import(app, tmp_path, archive, email)
    assert result.exit_code == 1 and "No active facilitator or administrator" in result.output
    assert row_counts(app) == counts


def test_a_failure_while_writing_rolls_everything_back(app, tmp_path, original, monkeypatch):
    """A checked archive can still fail in the database (disk, constraint): one transaction, all or none."""
    from app.exports import restore_write

    built, archive = original
    real = restore_write._rounds

    def rounds_then_fail(*args):
        real(*args)
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(restore_write, "_rounds", rounds_then_fail)
    counts = row_counts(app)
    with pytest.raises(RuntimeError):
        service.import_archive(json.dumps(archive).encode(), built.user.email)
    assert row_counts(app) == counts


def test_an_import_from_the_shell_cannot_reach_into_other_workshops(app, tmp_path, original):
    """Refs resolve only inside the archive: a restored workshop never points at existing records."""
    built, archive = original
    other_id = make_workshop().id
    assert run_import(app, tmp_path, archive, built.user.email).exit_code == 0
    restored = newest_workshop_id()
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        foreign = conn.execute(
            "select count(*) from items i join themes t on t.id = i.theme_id "
            "where i.workshop_id = ? and t.workshop_id != ?",
            (restored, restored),
        ).fetchone()[0]
        options = conn.execute(
            "select count(*) from round_options o join rounds r on r.id = o.round_id "
            "join items i on i.id = o.item_id where r.workshop_id = ? and i.workshop_id != ?",
            (restored, restored),
        ).fetchone()[0]
    assert (foreign, options) == (0, 0)
    assert other_id != restored
