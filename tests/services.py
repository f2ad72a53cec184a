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


@contextmanager
def postgres():
    """A throw-away PostgreSQL server; yields a SQLAlchemy URL for psycopg 3."""
    bindir = _pg_bin()
    require_tool(f"{bindir}/initdb" if bindir else "/usr/lib/postgresql/*/bin/initdb", "PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="bridge-pg-"))
    root.chmod(0o777)
    data, port = root / "data", free_port()
    try:
        subprocess.run(
            _as_postgres(f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "bridge"),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                f"{bindir}/pg_ctl",
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        url = f"postgresql+psycopg://bridge@127.0.0.1:{port}/postgres"
        _wait_for(url)
        yield url
    finally:
        subprocess.run(
            _as_postgres(f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


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


@contextmanager
def redis():
    """A throw-away Redis server (no persistence); yields its URL."""
    require_tool("redis-server", "Redis")
    root = Path(tempfile.mkdtemp(prefix="bridge-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(root)]
        + ["--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=(root / "log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        _wait_for_redis(url, proc, root)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


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
