"""SQLite pragmas: WAL so readers never wait for a writer, a busy timeout instead of errors, and
secure_delete so that what is deleted or overwritten is zeroed in the file, not left in free space
(a participant's removed contributions, docs/privacy.md)."""

import sqlite3

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


def forget_old_pages(connection: sa.Connection) -> None:
    """Fold the write-ahead log into the database file and empty it: until then the log keeps the
    pages as they were before a change, deleted text included. A reader still busy may keep it
    from finishing; the next call, or SQLite's own checkpoints, finish the work."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
