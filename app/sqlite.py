"""SQLite pragmas: WAL so readers never wait for a writer, a busy timeout instead of errors, and
secure_delete so that what is deleted or overwritten is zeroed in the file, not left in free space
(a participant's removed contributions, docs/privacy.md)."""

import sqlite3
from contextlib import closing

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@sa.event.listens_for(Engine, "connect")
def _pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()


def off_the_loop(blocking, async_mode: str) -> None:
    """Run `blocking` (a call that waits inside C: SQLite's COMMIT, a checkpoint) on a native
    thread under gevent or eventlet, so every other connection of the process goes on meanwhile.

    The async library is imported here, not at the top: only the one this process runs may be
    imported (importing the other would patch or check the wrong loop)."""
    if async_mode == "gevent":
        import gevent

        gevent.get_hub().threadpool.apply(blocking)
    elif async_mode == "eventlet":
        from eventlet import tpool

        tpool.execute(blocking)
    else:
        blocking()


def forget_old_pages(engine: sa.Engine, async_mode: str) -> None:
    """Fold the write-ahead log into the database file and empty it: until then the log keeps the
    pages as they were before a change, deleted text included. A reader still busy may keep it
    from finishing (it waits up to the busy timeout); SQLite's own checkpoints finish the work."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        return

    def checkpoint() -> None:
        with closing(sqlite3.connect(path, timeout=5)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # On a native thread: while it waits for readers, the other connections of the process (the
    # readers among them) must go on.
    off_the_loop(checkpoint, async_mode)
