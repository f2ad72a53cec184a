"""Real PostgreSQL and Redis servers from Debian's packages, on 127.0.0.1, for tests.

`apt-get install postgresql` installs but does not start a server, and initdb refuses
root: the cluster is made with `runuser -u postgres` in a temporary directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import require_tool
from tests.live import free_port


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return str(Path(found[-1]).parent) if found else None


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


class Postgres:
    """A throw-away PostgreSQL server that a test can stop and start again on the same port."""

    def __init__(self, root: Path, bindir: str, port: int) -> None:
        self.root, self.bindir, self.port = root, bindir, port
        self.data = root / "data"
        self.url = f"postgresql+psycopg://bridge@127.0.0.1:{port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(f"{self.bindir}/pg_ctl", "-D", str(self.data), *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.root / "log"), "-w", "-o", options, "start")
        _wait_for(self.url)

    def stop(self, mode: str = "fast") -> None:
        """fast: every connection is told the server is shutting down, as a restart does."""
        self._ctl("-m", mode, "-w", "stop")


@contextmanager
def postgres_server():
    """A throw-away PostgreSQL server (`Postgres`), removed afterwards."""
    bindir = _pg_bin()
    require_tool(f"{bindir}/initdb" if bindir else "/usr/lib/postgresql/*/bin/initdb", "PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="bridge-pg-"))
    root.chmod(0o777)
    server = Postgres(root, bindir, free_port())
    try:
        subprocess.run(
            _as_postgres(f"{bindir}/initdb", "-D", str(server.data), "-A", "trust", "-U", "bridge"),
            check=True,
            capture_output=True,
        )
        server.start()
        yield server
    finally:
        subprocess.run(
            _as_postgres(f"{bindir}/pg_ctl", "-D", str(server.data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres():
    """A throw-away PostgreSQL server; yields a SQLAlchemy URL for psycopg 3."""
    with postgres_server() as server:
        yield server.url


def _wait_for(url: str) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    for _ in range(100):
        try:
            psycopg.connect(dsn, connect_timeout=1).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not start")


class Redis:
    """A throw-away Redis server (no persistence) that a test can stop and start again on the same port."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.root)]
            + ["--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=(self.root / "log").open("a"),
            stderr=subprocess.STDOUT,
        )
        _wait_for_redis(self.url, self.proc, self.root)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextmanager
def redis_server():
    """A throw-away Redis server (`Redis`), removed afterwards."""
    require_tool("redis-server", "Redis")
    server = Redis(Path(tempfile.mkdtemp(prefix="bridge-redis-")), free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@contextmanager
def redis():
    """A throw-away Redis server (no persistence); yields its URL."""
    with redis_server() as server:
        yield server.url


def _wait_for_redis(url: str, proc: subprocess.Popen, root: Path) -> None:
    import redis as client

    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError("Redis exited:\n" + (root / "log").read_text(errors="replace"))
        try:
            client.Redis.from_url(url, socket_connect_timeout=1).ping()
            return
        except client.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("Redis did not start")


@contextmanager
def migrated_postgres():
    """A PostgreSQL server of this test module's own, its schema migrated as `flask db upgrade`
    would: yields its URL."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from tests.conftest import _config

    with postgres() as url:
        app = create_app(_config(url))
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        yield url
