"""The app started as a subprocess on 127.0.0.1 with a free port, as a user would run it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


# For tests that send faster than any person on purpose (app/budgets.py; tests/test_budgets.py
# tests the budgets themselves).
UNLIMITED = {
    "COMMAND_BURST": "100000",
    "COMMAND_RATE": "100000",
    "CONTRIBUTION_LIMIT": "100000 per minute",
    "SNAPSHOT_INTERVAL": "0",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict
    log_path: Path
    proc: subprocess.Popen | None = None
    users: list[str] = field(default_factory=list)

    def flask(self, *args: str) -> str:
        """Run a `flask` command against the server's database."""
        env = self.env | {"ASYNC_MODE": "threading"}
        out = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app:create_app", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def create_user(self, email: str, role: str = "facilitator") -> str:
        self.flask(
            "users",
            "create",
            "--email",
            email,
            "--name",
            email.split("@")[0].title(),
            "--role",
            role,
            "--password",
            PASSWORD,
        )
        return email

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the server and whatever it started (gunicorn's worker), in its own process group."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def start(
    tmp: Path, async_mode: str = "gevent", gunicorn: bool = False, port: int | None = None, **extra_env: str
) -> LiveServer:
    """`python wsgi.py` (or gunicorn with the repository's gunicorn.conf.py, as deployed).

    With `port` (and the same `tmp`): the same server again, on its address and database, as
    after a restart or a new deploy."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK_"))}
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "live-test-secret-key-not-for-production",
            "DATABASE_URL": f"sqlite:///{tmp / 'live.sqlite'}",
            "PUBLIC_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "ASYNC_MODE": async_mode,
        }
        | extra_env
    )
    server = LiveServer(url=url, env=env, log_path=tmp / f"server-{port}.log")
    server.flask("db", "upgrade")
    log = server.log_path.open("w")
    command = ["wsgi.py"]
    if gunicorn:
        command = ["-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
        command += ["--graceful-timeout", "3", "wsgi:app"]
    server.proc = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stop() ends the whole group, gunicorn's worker included
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log()}")
        try:
            requests.get(url + "/login", timeout=5)
            return server
        except (requests.ConnectionError, requests.Timeout):  # gunicorn's worker is still importing
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def http_login(server: LiveServer, email: str) -> requests.Session:
    """A logged-in requests session (CSRF token read from the login form)."""
    s = requests.Session()
    page = s.get(server.url + "/login").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    r = s.post(
        server.url + "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text
    return s


def call(sio, event: str, payload: dict, timeout: float = 10) -> dict:
    """A command as a phone sends it: sent again after `retry_after` when the server answers
    RateLimited (docs/protocol.md), so that tests faster than people keep within the budgets."""
    while True:
        ack = sio.call(event, payload, namespace="/live", timeout=timeout)
        if not (isinstance(ack, dict) and ack.get("code") == "RateLimited"):
            return ack
        time.sleep(ack["retry_after"])


def csrf_from(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
