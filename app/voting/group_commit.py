"""The group commit: every ballot of a process written by one writer, acked after its COMMIT.

Ballots that arrive while a transaction is being written wait for the next one, which
reads each workshop of the batch once, writes the ballots checked against that version,
hands back the others to be checked again from the database (the room moved on
meanwhile: a new phase, a closed round, changed limits), and commits once; every ack is
sent after that commit (ACK). Races between tabs and processes are settled by the
database: a ballot is inserted only if the voter has none (ON CONFLICT DO NOTHING on the
unique voter) and replaced only from the version it was built on (a conditional UPDATE),
so a batch needs no savepoints.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from app import outages
from app.core import phases
from app.errors import NotNow
from app.extensions import db, socketio
from app.models import Ballot, Operation, Participant, utcnow
from app.sqlite import off_the_loop
from app.voting.ballots import workshop_state

# The statements of the hot path are built and compiled once, and run on the driver's cursor
# (`_Driver`): building, hashing and executing a Core statement per ballot cost more than
# running it. No ORM: no objects to load or track.
_ballots, _ops = Ballot.__table__, Operation.__table__
_P = sa.bindparam
log = logging.getLogger(__name__)


@dataclass
class Write:
    """One checked ballot waiting for the writer, and what became of it."""

    workshop_id: int
    version: int  # of the workshop it was checked against
    round_id: int
    voter: str
    participant_id: int | None  # None in an anonymous round
    base: int
    data: dict | list
    total: int
    over_limit: bool
    filed_as: object  # whom the operations log files it under (an Actor, or an anonymous voter's key)
    segment_of: int  # the participant whose cluster and sector the ballot carries (also when anonymous)
    op_id: str
    outcome: str = ""  # "ok", "stale" (the ballot's version moved), "replay" (op id already applied),
    # "recheck" (the workshop moved on since the check), "error"
    ack: dict | None = None


@dataclass(eq=False)
class _Batch:
    """Ballots to be written in one transaction, and the event their handlers wait on."""

    jobs: list[Write] = field(default_factory=list)
    written: threading.Event = field(default_factory=threading.Event)
    given_up: bool = False  # its first handler stopped waiting: every ballot of it is answered an error


class BallotWriter:
    """One per process and app: writes waiting ballots in one transaction, then releases their acks.

    Ballots are put into batches as they arrive, each with one event its handlers wait on
    and one timer, kept by its first handler: in a full room an event and a timer per
    ballot were a few percent of the ceiling (docs/performance.md).
    """

    batch_max = 256
    # Like PostgreSQL's commit_delay: in a full room a ballot arrives every millisecond or so,
    # and a moment's wait before a batch fills it. Each transaction costs its own read of the
    # workshop, its COMMIT and its hand-over to a thread; written one or two at a time, those
    # were half of a ballot's CPU in a paced burst.
    gather = 0.002

    def __init__(self, app: Flask) -> None:
        self._app = app
        # A ballot's handler stops waiting 2 s before its screen would (ACK_TIMEOUT): the error it
        # then answers reaches the phone, which sends the ballot again instead of guessing.
        self.timeout = app.config["ACK_TIMEOUT"] - 2
        self._batches: deque[_Batch] = deque()
        self._lock = threading.Lock()
        self._running = False

    # Under Engine.IO's ping timeout (20 s): the handler waits in its connection's reader,
    # which reads the client's pongs only once it returns.
    def write(self, job: Write, timeout: float | None = None) -> Write:
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            last = self._batches[-1] if self._batches else None
            if last is None or last.given_up or len(last.jobs) >= self.batch_max:
                self._batches.append(_Batch())
            batch = self._batches[-1]
            batch.jobs.append(job)
            keeps_time = len(batch.jobs) == 1
            start, self._running = not self._running, True
        if start:
            socketio.start_background_task(self._run)
        written = False
        try:
            written = batch.written.wait(timeout if keeps_time else None)
        finally:  # also when this handler is killed while it waits: the others stop waiting too
            if keeps_time and not written:
                batch.given_up = True
                batch.written.set()
        if batch.given_up:
            job.outcome = "error"
        return job

    def _run(self) -> None:
        try:
            while True:
                socketio.sleep(self.gather)
                with self._lock:
                    if not self._batches:
                        self._running = False
                        return
                    batch = self._batches.popleft()
                self._write(batch)
        except BaseException:  # the writer was killed: the next ballot starts another
            with self._lock:
                self._running = False
            raise

    def _write(self, batch: _Batch) -> None:
        """Write one batch and release its handlers; unless it committed, each ballot of it is an error."""
        committed = False
        try:
            with self._app.app_context():
                try:
                    _write_batch(batch.jobs)
                    committed = True
                except Exception as exc:
                    if not outages.failed(exc, "ballot batches"):
                        log.exception("a batch of %d ballots failed", len(batch.jobs))
                finally:  # rolls back; must not kill the writer when the connection is gone
                    outages.discard_session()
        finally:
            if not committed:
                for job in batch.jobs:
                    job.outcome, job.ack = "error", None
            batch.written.set()


def writer() -> BallotWriter:
    app = current_app._get_current_object()
    found = app.extensions.get("ballot_writer")
    if found is None:
        found = app.extensions.setdefault("ballot_writer", BallotWriter(app))
    return found


def _write_batch(batch: list[Write]) -> None:
    """Write the batch in one transaction; each ballot learns its outcome only after the COMMIT."""
    connection = db.session.connection()
    try:
        _write_on(connection, batch)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _as_sqlalchemy(connection, exc) from exc


def _as_sqlalchemy(connection: sa.Connection, exc: Exception) -> sa.exc.DBAPIError:
    """The driver's own error, as SQLAlchemy raises it for its statements: the statements run on the
    driver's cursor, and an outage (PostgreSQL restarting: psycopg's AdminShutdown) must be told
    from a bug by the same rules everywhere (app/outages.py), the dead connection dropped from the pool."""
    dialect = connection.dialect
    gone = dialect.is_disconnect(exc, connection.connection.dbapi_connection, None)
    if gone:
        connection.invalidate(exc)
    return sa.exc.DBAPIError.instance(
        None, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
    )


def _write_on(connection: sa.Connection, batch: list[Write]) -> None:
    statements = _statements(connection.dialect)
    cursor = connection.connection.cursor()  # the driver's, in this transaction
    now = statements.time(utcnow())
    writable: dict[int, int | None] = {}  # workshop -> the version its ballots may be written at
    outcomes: list[tuple[Write, str, dict | None]] = []
    for job in batch:
        if job.workshop_id not in writable:
            writable[job.workshop_id] = _writable_version(connection, job.workshop_id)
        if job.version != writable[job.workshop_id]:
            outcomes.append((job, "recheck", None))
            continue
        version = 1 if job.base == 0 else job.base + 1
        ack = {
            "ok": True,
            "round_id": job.round_id,
            "version": version,
            "ballot": job.data,
            "over_limit": job.over_limit,
        }
        values = {"workshop_id": job.workshop_id, "actor": job.filed_as.key, "op_id": job.op_id}
        op = statements.insert_op.returned(cursor, values | {"ack": ack, "now": now})
        if op is None:  # a retry of a command this batch or another process already applied
            outcomes.append((job, "replay", None))
            continue
        if _store(cursor, statements, job, version, now):
            outcomes.append((job, "ok", ack))
        else:
            statements.delete_op.run(cursor, {"id": op})
            outcomes.append((job, "stale", None))
    cursor.close()
    _commit(connection)
    for job, outcome, ack in outcomes:
        job.outcome, job.ack = outcome, ack


def _writable_version(connection, workshop_id: int) -> int | None:
    """The workshop's version, if it takes ballots now; None if not (its ballots are checked afresh).

    Every change of a round, a phase or an item bumps the version, so a ballot checked at
    this version is still valid; the countdown is looked at again, as time goes by.
    """
    state = workshop_state(connection, workshop_id, shared=True)
    if state is None:
        return None
    try:
        phases.require(state, "vote")
    except NotNow:
        return None
    return state.version


def _commit(connection) -> None:
    """Commit the batch without stopping the event loop.

    SQLite's COMMIT waits for the disk inside C, and under gevent or eventlet every
    connection of the process would wait with it; worse, no ballot could arrive to join
    the next batch. So its COMMIT runs on a native thread (the connection is this
    greenlet's alone meanwhile), and SQLAlchemy's own commit then finds nothing left to
    do. PostgreSQL's driver already yields to the loop while it waits.
    """
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if current_app.config["ASYNC_MODE"] in ("gevent", "eventlet"):
            off_the_loop(raw.commit, current_app.config["ASYNC_MODE"])
    db.session.commit()


def _store(cursor, statements: _Statements, job: Write, version: int, now) -> bool:
    """Insert the first ballot, or replace exactly the version the voter saw."""
    key = {"round_id": job.round_id, "voter": job.voter, "now": now}
    if job.base == 0:
        values = key | {
            "data": job.data,
            "total": job.total,
            "version": 1,
            "participant_id": job.participant_id,
            "segment_of": job.segment_of,
        }
        return statements.insert_ballot.returned(cursor, values) is not None
    values = {"of_round": job.round_id, "of_voter": job.voter, "base": job.base, "now": now}
    values |= {"new_data": job.data, "new_total": job.total, "new_version": version}
    return statements.update_ballot.run(cursor, values).rowcount == 1


class _Driver:
    """A statement compiled once for this database, run on the driver's cursor.

    SQLAlchemy's execution of a compiled Core statement (its parameters processed one
    by one, a context and a result for every call) cost more than SQLite's own work:
    about a fifth of a full room's CPU at the ceiling, two statements per ballot
    (docs/performance.md). Here only the JSON values are processed, as the column's
    type would; times come processed (`_Statements.time`, once per batch).
    """

    def __init__(self, statement: sa.Executable, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup) if compiled.positional else None
        self.processors = {
            name: processor
            for name, bind in compiled.binds.items()
            if name != "now" and (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }

    def run(self, cursor, values: dict):
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        cursor.execute(self.sql, values if self.order is None else [values[n] for n in self.order])
        return cursor

    def returned(self, cursor, values: dict):
        """The first column of the row the statement returned (None: ON CONFLICT did nothing)."""
        row = self.run(cursor, values).fetchone()
        return None if row is None else row[0]


@dataclass(frozen=True)
class _Statements:
    insert_op: _Driver
    delete_op: _Driver
    insert_ballot: _Driver
    update_ballot: _Driver
    time: Callable[[object], object]  # a time as the driver takes it


_built: dict[str, _Statements] = {}


def _statements(dialect: sa.Dialect) -> _Statements:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id (None when a unique key was taken), and the
    conditional UPDATE, for this database."""
    if dialect.name not in _built:
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect.name]
        ops, ballots, people = _ops.c, _ballots.c, Participant.__table__.c

        def of_voter(column):  # the voter's cluster and sector, copied for results by group
            return sa.select(column).where(people.id == _P("segment_of")).scalar_subquery()

        time = ballots.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
        _built[dialect.name] = _Statements(
            insert_op=_Driver(
                insert(_ops)
                .values(
                    workshop_id=_P("workshop_id"),
                    actor=_P("actor"),
                    op_id=_P("op_id"),
                    ack=_P("ack", type_=ops.ack.type),
                    created_at=_P("now", type_=ops.created_at.type),
                )
                .on_conflict_do_nothing()
                .returning(ops.id),
                dialect,
            ),
            delete_op=_Driver(sa.delete(_ops).where(ops.id == _P("id")), dialect),
            insert_ballot=_Driver(
                insert(_ballots)
                .values(
                    round_id=_P("round_id"),
                    voter=_P("voter"),
                    participant_id=_P("participant_id"),
                    segment_cluster_id=of_voter(people.cluster_id),
                    segment_sector=of_voter(people.sector),
                    data=_P("data", type_=ballots.data.type),
                    total=_P("total"),
                    version=_P("version"),
                    updated_at=_P("now", type_=ballots.updated_at.type),
                )
                .on_conflict_do_nothing()
                .returning(ballots.id),
                dialect,
            ),
            update_ballot=_Driver(
                sa.update(_ballots)
                .where(
                    ballots.round_id == _P("of_round"),
                    ballots.voter == _P("of_voter"),
                    ballots.version == _P("base"),
                )
                .values(  # an UPDATE's binds may not carry a column's name
                    data=_P("new_data", type_=ballots.data.type),
                    total=_P("new_total"),
                    version=_P("new_version"),
                    updated_at=_P("now", type_=ballots.updated_at.type),
                ),
                dialect,
            ),
            time=time or (lambda value: value),
        )
    return _built[dialect.name]
