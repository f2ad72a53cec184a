"""Outages in one process: no background task dies of a database or Redis error, every one
recovers by itself, and an outage is logged twice (when it starts, when it ends), not once per
failure. The same faults on the real two-process stack are in tests/test_faults.py."""

from __future__ import annotations

import inspect
import logging
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from app import outages, realtime
from app.extensions import db, socketio
from app.realtime import commands
from app.realtime.attendance import presence
from app.realtime.connections import by_sid
from app.voting import group_commit
from app.voting.tally_pump import tally_pump
from app.workshops.services import room as room_services
from tests.conftest import make_user
from tests.test_group_commit import Voters, all_ok
from tests.test_voting_events import Room, cast, options, settle

pytestmark = pytest.mark.usefixtures("fast_passwords")


def lost_connection(statement: str = "SELECT 1") -> sa.exc.OperationalError:
    """What psycopg raises, wrapped by SQLAlchemy, when PostgreSQL restarts under a connection."""
    return sa.exc.OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    # Alembic's logging.config.fileConfig (tests migrate in this process) disables every logger
    # that existed then: these tests read what the app logs.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("app") and isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)
    realtime.forget_all()
    monkeypatch.setattr(tally_pump, "interval", 0.05)
    yield
    settle()
    outages.database.ok()
    outages.redis.ok()
    realtime.forget_all()


def fail_once_in(monkeypatch, filename: str, exc: Exception) -> list[Exception]:
    """db.session.remove() raises once when called from `filename` (as a ROLLBACK on a dropped
    connection does), and works everywhere else."""
    remove, raised = db.session.remove, []

    def flaky_remove():
        if not raised and any(f.filename.endswith(filename) for f in inspect.stack()[1:]):
            raised.append(exc)
            raise exc
        remove()

    monkeypatch.setattr(db.session, "remove", flaky_remove)
    return raised


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.outages"]


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


# --- the tally pump --------------------------------------------------------------------------


def test_the_tally_pump_outlives_a_failed_session_cleanup(app, monkeypatch, caplog):
    """Measured on the stack after a PostgreSQL restart: the pump's session cleanup (a
    ROLLBACK) raised outside its try, the task died with its 'running' flag set, and no
    tally left that process again."""
    room = Room(app, phones=["Ada Lovelace", "Bob Builder"])
    r = room.open()
    o1, *_ = options(r)
    room.staff.wait_for("tally_changed")
    settle()
    raised = fail_once_in(monkeypatch, "voting/tally_pump.py", lost_connection("ROLLBACK"))
    assert cast(room.ada, r, {o1: 1})["ok"]
    room.staff.wait_for("tally_changed", lambda t: t["voted"] == 1)
    assert cast(room.bob, r, {o1: 2})["ok"]
    assert room.staff.wait_for("tally_changed", lambda t: t["voted"] == 2)["results"][0]["points"] == 3
    settle()
    assert raised and tracebacks(caplog) == []


def test_a_round_voted_on_during_an_outage_is_tallied_when_it_ends(app, monkeypatch, caplog):
    """No ballot after the outage is needed: the round stays marked until its tally is sent."""
    room = Room(app, phones=["Ada Lovelace"])
    r = room.open()
    o1, *_ = options(r)
    room.staff.wait_for("tally_changed")
    settle()
    flush, failures = tally_pump.flush, []

    def failing_flush(dirty):
        if len(failures) < 3:
            failures.append(dirty)
            raise lost_connection()
        flush(dirty)

    monkeypatch.setattr(tally_pump, "flush", failing_flush)
    assert cast(room.ada, r, {o1: 2})["ok"]
    assert room.staff.wait_for("tally_changed", lambda t: t["voted"] == 1)["results"][0]["points"] == 2
    assert len(failures) == 3
    settle()
    assert tracebacks(caplog) == []
    assert outage_lines(caplog) == [
        "database unavailable: Exception: server closed the connection unexpectedly",
        outage_lines(caplog)[1],
    ]
    assert outage_lines(caplog)[1].startswith("database back after ")
    assert outage_lines(caplog)[1].endswith("failed meanwhile: 3 tally broadcasts")

    # A bug, unlike an outage, is logged with its traceback and not tried again every beat.
    calls = []

    def broken_flush(dirty):
        calls.append(dirty)
        raise KeyError("a bug")

    monkeypatch.setattr(tally_pump, "flush", broken_flush)
    assert cast(room.ada, r, {o1: 1}, base=1)["ok"]
    settle()
    assert len(calls) == 1
    assert tracebacks(caplog) == ["tally broadcast failed"]
    assert len(outage_lines(caplog)) == 2


# --- the group commit's writer ---------------------------------------------------------------


def test_the_ballot_writer_outlives_a_failed_session_cleanup(app, monkeypatch, caplog):
    """A batch fails with the connection gone, and so does its session's cleanup: the ballots
    waiting behind it are still written, not left to time out."""
    written = []

    def write_batch(batch):
        if not written:
            written.append("failed")
            raise lost_connection("COMMIT")
        written.append([job.op_id for job in batch])
        all_ok(batch)

    voters = Voters(app, monkeypatch, write_batch, batch_max=1, gather=0.05)
    raised = fail_once_in(monkeypatch, "voting/group_commit.py", lost_connection("ROLLBACK"))
    first, second = voters.start(1, timeout=3), voters.start(2, timeout=3)
    first.join(5)
    second.join(5)
    assert sorted(voters.outcomes.values()) == ["error", "ok"]
    assert raised and tracebacks(caplog) == []


def _ballots_answered_retryable(app, times: int) -> None:
    """A phone casts the same ballot `times` times; each is answered "try again" (ServerError)."""
    room = Room(app, phones=["Ada Lovelace"])
    r = room.open()
    o1, *_ = options(r)
    acks = [cast(room.ada, r, {o1: 1}) for _ in range(times)]
    assert [(a["ok"], a["code"], a["retry"]) for a in acks] == [(False, "ServerError", True)] * times


def test_a_ballot_refused_by_an_outage_is_answered_as_retryable(app, monkeypatch, caplog):
    def failing(batch):
        raise lost_connection("COMMIT")

    monkeypatch.setattr(group_commit, "_write_batch", failing)
    _ballots_answered_retryable(app, 3)
    assert tracebacks(caplog) == []
    [started] = outage_lines(caplog)
    assert started.startswith("database unavailable")


def test_a_driver_error_of_the_ballot_writer_is_an_outage_not_a_bug(app, monkeypatch, caplog):
    """The group commit runs its statements on the driver's cursor: what the driver raises when
    the database goes away (psycopg's AdminShutdown on a PostgreSQL restart; here SQLite's
    OperationalError) is counted in the outage like SQLAlchemy's own errors, with no traceback."""

    def gone(self, cursor, values):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(group_commit._Driver, "run", gone)
    _ballots_answered_retryable(app, 2)
    assert tracebacks(caplog) == []
    started = [line for line in outage_lines(caplog) if not line.startswith("database back")]
    assert started == ["database unavailable: OperationalError: disk I/O error"] * 2


# --- commands --------------------------------------------------------------------------------


def test_commands_refused_by_an_outage_are_counted_and_logged_twice(app, monkeypatch, caplog):
    room = Room(app, phones=["Ada Lovelace"])
    real = room_services.set_phase

    def down(*args, **kwargs):
        raise lost_connection("UPDATE workshops")

    monkeypatch.setattr(room_services, "set_phase", down)
    # In an outage the cockpit's session check (its first query) fails before the command.
    check = commands._session_holds
    monkeypatch.setattr(commands, "_session_holds", lambda sid, actor: down())
    for _ in range(5):
        ack = room.staff.cmd("set_phase", phase="discuss")
        assert ack == {
            "ok": False,
            "error": "Something went wrong on our side. Please try again.",
            "code": "ServerError",
            "retry": True,
        }
    monkeypatch.setattr(room_services, "set_phase", real)
    monkeypatch.setattr(commands, "_session_holds", check)
    room.staff.ok("set_phase", phase="discuss")
    assert tracebacks(caplog) == []
    started, ended = outage_lines(caplog)
    assert started == "database unavailable: Exception: server closed the connection unexpectedly"
    assert ended.startswith("database back after ") and ended.endswith("failed meanwhile: 5 commands")


def test_a_command_that_fails_of_a_bug_is_still_logged_with_its_traceback(app, monkeypatch, caplog):
    room = Room(app, phones=["Ada Lovelace"])

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(room_services, "set_phase", bug)
    ack = room.staff.cmd("set_phase", phase="discuss")
    assert ack["code"] == "ServerError" and ack["retry"] is True
    assert tracebacks(caplog) == ["command set_phase failed"]
    assert outage_lines(caplog) == []


# --- pages -----------------------------------------------------------------------------------


def test_a_page_that_fails_in_an_outage_counts_in_it_and_a_bug_keeps_its_traceback(app, monkeypatch, caplog):
    from app.workshops import routes

    def down(*args, **kwargs):
        raise lost_connection("SELECT workshops")

    monkeypatch.setattr(routes.services, "find_by_code", down)
    client = app.test_client()
    make_user()
    for _ in range(3):
        assert client.get("/j/ABCDEF").status_code == 500
    assert tracebacks(caplog) == []
    assert outage_lines(caplog) == [
        "database unavailable: Exception: server closed the connection unexpectedly"
    ]

    monkeypatch.setattr(routes.services, "find_by_code", lambda code: 1 / 0)
    assert client.get("/j/ABCDEF").status_code == 500
    assert tracebacks(caplog) == ["Exception on /j/ABCDEF [GET]"]


# --- Redis -----------------------------------------------------------------------------------


def test_the_message_queue_listens_again_every_second_while_redis_is_away(monkeypatch, caplog):
    """python-socketio's listener waited 1, 2, 4 ... 32 s and more: a process stayed cut off
    from the others for up to half a minute after Redis came back."""
    import redis

    from app.message_queue import RETRY, QueueManager

    manager = QueueManager("redis://127.0.0.1:1/0", channel="flask-socketio")
    attempts, sleeps = [], []

    class Server:
        @staticmethod
        def sleep(seconds):
            sleeps.append(seconds)

    class PubSub:
        def subscribe(self, channel):
            pass

        def listen(self):
            yield {"type": "message", "channel": b"flask-socketio", "data": b"{}"}

        def close(self):
            pass

    def connect():
        attempts.append(1)
        if len(attempts) <= 8:
            raise redis.ConnectionError("Connection refused")
        manager.pubsub = PubSub()

    manager.server = Server()
    monkeypatch.setattr(manager, "_redis_connect", connect)
    with caplog.at_level(logging.WARNING):
        message = next(manager._redis_listen_with_retries())
    assert message["data"] == b"{}"
    assert sleeps == [RETRY] * 8 and RETRY <= 2
    started, ended = outage_lines(caplog)
    assert started == "Redis unavailable: ConnectionError: Connection refused"
    assert ended.endswith("failed meanwhile: 8 attempts to listen")


def test_a_failed_publish_is_logged_once_per_outage(monkeypatch, caplog):
    import redis

    from app.message_queue import QueueManager

    manager = QueueManager("redis://127.0.0.1:1/0", channel="flask-socketio")

    class Down:
        def publish(self, channel, data):
            raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(manager, "_redis_connect", lambda: setattr(manager, "redis", Down()))
    for _ in range(50):
        manager._publish({"method": "emit"})
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["Redis unavailable: ConnectionError: Connection refused"]


def test_outage_of_tells_outages_from_bugs():
    import redis

    assert outages.outage_of(lost_connection()) is outages.database
    assert outages.outage_of(redis.ConnectionError("refused")) is outages.redis
    assert outages.outage_of(redis.TimeoutError("slow")) is outages.redis
    assert outages.outage_of(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate"))) is None
    assert outages.outage_of(ValueError("a bug")) is None
    # A ballot the writer could not write is part of a database outage only while there is one.
    assert outages.outage_of(outages.NotWritten("ballot not written: error")) is None
    outages.database.failed(lost_connection(), "ballot batches")
    assert outages.outage_of(outages.NotWritten("ballot not written: error")) is outages.database


def test_two_threads_failing_at_once_log_one_outage(caplog):
    gate = threading.Barrier(8)

    def fail():
        gate.wait()
        for _ in range(100):
            outages.failed(lost_connection(), "commands")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outages.database.ok()
    started, ended = outage_lines(caplog)
    assert ended.endswith("failed meanwhile: 800 commands")


# --- screens connecting during an outage ----------------------------------------------------


def test_a_screen_connecting_while_the_database_is_away_is_refused_for_now(app, monkeypatch, caplog):
    """It used to fail inside Engine.IO with a traceback and no answer; now the screen hears
    "unavailable" (live.js connects again after a backoff) and nothing of it is kept."""
    from app.workshops import views as workshop_views
    from tests.conftest import NS, join, make_workshop

    workshop = make_workshop()
    http = join(app, workshop)

    def away(actor):
        raise lost_connection()

    monkeypatch.setattr(workshop_views, "snapshot", away)
    sock = socketio.test_client(
        app, namespace=NS, flask_test_client=http, auth={"workshop": workshop.id, "view": "participant"}
    )
    assert not sock.is_connected(NS)
    assert by_sid == {} and presence.local(workshop.id) == set()
    assert tracebacks(caplog) == [] and outage_lines(caplog)[0].startswith("database unavailable")
    monkeypatch.undo()
    outages.database.ok()
    again = socketio.test_client(
        app, namespace=NS, flask_test_client=http, auth={"workshop": workshop.id, "view": "participant"}
    )
    assert again.is_connected(NS)
