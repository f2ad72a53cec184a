"""`flask backup`: a consistent copy of the SQLite database, taken while the app runs.

SQLite's online backup API copies every page in one step, inside one read transaction: the
copy is the database as it was at one instant, every committed write before it in, none after.
Under WAL the app's writers go on meanwhile. The copy is written beside the target and renamed,
checked, and left in rollback-journal mode: one self-contained file.
(PostgreSQL: pg_dump, docs/deploy.md.)
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database is in memory: there is no file to back up.")
    return Path(url.database)


def backup_sqlite(source: Path, out: Path) -> int:
    """Copy the database at `source` to `out` as one consistent snapshot; its size in bytes."""
    if not source.is_file():
        raise BackupError(f"The database {source} does not exist.")
    if out.exists() and out.resolve() == source.resolve():
        raise BackupError("The backup cannot replace the database itself.")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    try:
        _copy(source, Path(tmp))
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as e:
        Path(tmp).unlink(missing_ok=True)
        raise BackupError(f"The backup failed: {e}") from None
    return out.stat().st_size


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, so one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
        if (result := dst.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            raise BackupError(f"The copy failed its integrity check: {result}")
    finally:
        dst.close()
        src.close()
