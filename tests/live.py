"""The app started as a subprocess on 127.0.0.1 with a free port, as a user would run it, and
what the tests do to it as browsers and phones would: log in, make a workshop, join it, open
a screen's live connection."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
NS = "/live"


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

    def launch(self, command: list[str], timeout: float = 30) -> LiveServer:
        """Run `python <command>` in its own process group, and wait until it serves pages."""
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stop() ends the whole group, gunicorn's worker included
        )
        return self.wait_until_serving(timeout)

    def wait_until_serving(self, timeout: float = 30) -> LiveServer:
        """Wait until the started process answers a page (or fail with its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()}")
            try:
                requests.get(self.url + "/login", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):  # gunicorn's worker is still importing
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

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


def clean_env() -> dict[str, str]:
    """This process's environment without pytest's and Flask's variables, for the app's processes."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK_"))}


def start(
    tmp: Path, async_mode: str = "gevent", gunicorn: bool = False, port: int | None = None, **extra_env: str
) -> LiveServer:
    """`python wsgi.py` (or gunicorn with the repository's gunicorn.conf.py, as deployed).

    `with live.start(...) as server:` stops it at the end of the block. With `port` (and the
    same `tmp`): the same server again, on its address and database, as after a restart or a
    new deploy."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env() | {
        "APP_ENV": "production",
        "SECRET_KEY": "live-test-secret-key-not-for-production",
        "DATABASE_URL": f"sqlite:///{tmp / 'live.sqlite'}",
        "PUBLIC_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ASYNC_MODE": async_mode,
    }
    server = LiveServer(url=url, env=env | extra_env, log_path=tmp / f"server-{port}.log")
    server.flask("db", "upgrade")
    command = ["wsgi.py"]
    if gunicorn:
        command = ["-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
        command += ["--graceful-timeout", "3", "wsgi:app"]
    try:
        return server.launch(command)
    except RuntimeError:
        server.stop()
        raise


def seed(server: LiveServer, script: str) -> list[int]:
    """Run a Python script against the live server's database in a process of its own (the test's
    data, made with the app's services); the ids it prints."""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=server.env | {"ASYNC_MODE": "threading"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return [int(i) for i in out.stdout.split()]


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


def in_room(response) -> bool:
    """A participant's room page (the join form's answer, or the join URL once joined), from
    Flask's test client or requests alike."""
    return response.status_code == 200 and 'id="boot"' in response.text


def csrf_from(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


def page_token(html: str) -> str:
    """The page's own CSRF token (base.html's meta tag), which its scripts and forms send back."""
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def connect(
    server: LiveServer,
    cookies: dict[str, str],
    workshop_id: int,
    view: str = "participant",
    *,
    handlers: dict[str, Callable] | None = None,
    origin: str | None = None,
) -> socketio.Client:
    """A screen's live connection, with the cookies of its HTTP session, over a WebSocket.

    `handlers` (event name or "*" -> function) are registered before it connects, so that the
    first snapshot is heard. With an origin, it speaks long-polling so that the Origin header
    is exactly that one (the WebSocket library adds its own)."""
    sio = socketio.Client(reconnection=False)
    for event, handler in (handlers or {}).items():
        sio.on(event, handler, namespace=NS)
    headers = {"Cookie": cookie_header(cookies)} | ({"Origin": origin} if origin else {})
    sio.connect(
        server.url,
        namespaces=[NS],
        headers=headers,
        auth={"workshop": workshop_id, "view": view},
        transports=["polling"] if origin else ["websocket"],
        wait_timeout=5,
    )
    return sio


def create_workshop(
    server: LiveServer, facilitator: requests.Session, title: str, phases: list[str], **fields: str
) -> tuple[int, str]:
    """Through the 'New workshop' form of a logged-in facilitator; returns (id, join code)."""
    form = facilitator.get(server.url + "/workshops/new", timeout=10).text
    data = {"title": title, "question": "", "cluster_id": "1", "language": "en", "phases": phases}
    r = facilitator.post(
        server.url + "/workshops/new",
        data={"csrf_token": csrf_from(form), **data, **fields},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text
    workshop_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    cockpit = facilitator.get(server.url + f"/workshops/{workshop_id}", timeout=10).text
    return workshop_id, cockpit.split("data-code>", 1)[1].split("<", 1)[0].strip()


def join(server: LiveServer, code: str, name: str = "Ada", **fields: str) -> dict[str, str]:
    """A phone joins through the join page (any server of the workshop); returns its cookies,
    which name the participant on every process."""
    phone = requests.Session()
    page = phone.get(f"{server.url}/j/{code}", timeout=10).text
    data = {"display_name": name, "cluster_id": "0", "sector": "", "consent": "y"}
    r = phone.post(
        f"{server.url}/j/{code}",
        data={"csrf_token": csrf_from(page), **data, **fields},
        timeout=10,
    )
    assert in_room(r), r.text  # the form's answer is the room
    return phone.cookies.get_dict()


def joined_phone(server: LiveServer) -> tuple[dict[str, str], int, str]:
    """fac@example.org makes a workshop over HTTP and moves it to Propose, as the cockpit's Next
    button does; a phone joins. Returns the phone's cookies, the workshop's id and its code."""
    facilitator = http_login(server, server.create_user("fac@example.org"))
    workshop_id, code = create_workshop(server, facilitator, "Live", ["propose", "discuss"])
    cockpit = connect(server, facilitator.cookies.get_dict(), workshop_id, "staff")
    try:
        propose = {"op_id": "phase-propose-op", "phase": "propose"}
        ack = cockpit.call("set_phase", propose, namespace=NS, timeout=5)
        assert ack["ok"], ack
    finally:
        cockpit.disconnect()
    return join(server, code, "Ada"), workshop_id, code
