"""Getting a server to measure: start one, find its processes, read their CPU and memory,
make a facilitator and a workshop, and count the ballots in its database afterwards."""

from __future__ import annotations

import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.client import cookie_header, csrf_from, take_cookies

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-" + "x" * 12
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def raise_nofile() -> None:
    """Thousands of sockets per process: lift the soft file limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen | None, log: Path | None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace') if log else ''}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers: that is all we wait for
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f} s")


@dataclass
class Started:
    """A server process this benchmark started, and stops."""

    proc: subprocess.Popen
    url: str
    log: Path
    env: dict = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def cli_env(database_url: str) -> dict:
    """The environment for a `flask` command against the server's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST"))}
    return env | {
        "APP_ENV": "production",
        "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "ASYNC_MODE": "threading",
    }


def flask(database_url: str, *args: str, cwd: Path = ROOT) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app:create_app", *args],
        cwd=cwd,
        env=cli_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args[:2])} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


# A benchmark's phones send faster than people: the budgets of app/budgets.py (whose checks the
# server still runs) are lifted so that the ceiling is the server's, not the policy's.
LIFTED_BUDGETS = {
    "COMMAND_BURST": "1000000",
    "COMMAND_RATE": "1000000",
    "CONTRIBUTION_LIMIT": "1000000 per minute",
    "SNAPSHOT_INTERVAL": "0",
}


def start_app(
    workdir: Path,
    async_mode: str,
    database_url: str | None = None,
    app_dir: Path = ROOT,
    budgets: dict[str, str] | None = None,
) -> tuple[Started, str]:
    """`python wsgi.py` (of app_dir) on a free port with a fresh SQLite database (unless one is given).

    budgets: settings of app/budgets.py; None: LIFTED_BUDGETS, {}: the app's own."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    flask(database_url, "db", "upgrade", cwd=app_dir)
    env = (
        cli_env(database_url)
        | {
            "PUBLIC_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "ASYNC_MODE": async_mode,
        }
        | (LIFTED_BUDGETS if budgets is None else budgets)
    )
    log = workdir / f"app-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Started(proc, url, log, env)
    try:
        wait_http(url + "/login", proc, log)
    except BaseException:
        server.stop()
        raise
    return server, database_url


def start_bare(workdir: Path, async_mode: str, tally_interval: float) -> Started:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"bare-{port}.log"
    args = [sys.executable, "-m", "bench.bare", "--port", str(port), "--async-mode", async_mode]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*args, "--tally-interval", str(tally_interval)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    server = Started(proc, url, log)
    try:
        wait_http(url + "/health", proc, log)
    except BaseException:
        server.stop()
        raise
    return server


# --- the server's processes --------------------------------------------------------------


def pids_on_port(url: str) -> list[int]:
    """The processes listening on the URL's port (`ss -ltnp`); empty if none is visible."""
    port = url.rsplit(":", 1)[-1].split("/", 1)[0]
    if not port.isdigit():
        port = "443" if url.startswith("https") else "80"
    try:
        out = subprocess.run(
            ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})


def cpu_seconds(pids: list[int]) -> float | None:
    """utime + stime of the processes, in seconds (None if one cannot be read)."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def cpu_wait_seconds(pids: list[int]) -> float | None:
    """Time the processes' threads were runnable but waited for a CPU (schedstat run_delay):
    on a shared machine, the part of the latency that is the neighbours' doing."""
    total = 0
    try:
        for pid in pids:
            for task in Path(f"/proc/{pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return total / 1e9


def rss_bytes(pids: list[int]) -> int | None:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024
    return total


# --- the facilitator and the workshop ------------------------------------------------------


async def login(http: aiohttp.ClientSession, url: str, email: str, password: str) -> dict[str, str]:
    """Log in as the login form does; returns the facilitator's cookies."""
    cookies: dict[str, str] = {}
    async with http.get(url + "/login") as r:
        html = await r.text()
        take_cookies(r, cookies)
    form = {"csrf_token": csrf_from(html), "email": email, "password": password}
    async with http.post(
        url + "/login", data=form, headers={"Cookie": cookie_header(cookies)}, allow_redirects=False
    ) as r:
        if r.status != 302:
            raise RuntimeError(f"login as {email} failed ({r.status})")
        take_cookies(r, cookies)
    return cookies


async def create_workshop(http: aiohttp.ClientSession, url: str, cookies: dict[str, str]) -> int:
    """A workshop that runs propose then vote; returns its id."""
    headers = {"Cookie": cookie_header(cookies)}
    async with http.get(url + "/workshops/new", headers=headers) as r:
        html = await r.text()
        take_cookies(r, cookies)
    # The first real cluster (the list starts with "Choose the host cluster…", value 0).
    cluster = re.search(r'name="cluster_id".*?<option[^>]*value="([1-9]\d*)"', html, flags=re.S)
    form = aiohttp.FormData()
    for key, value in {
        "csrf_token": csrf_from(html),
        "title": "Benchmark room",
        "question": "How do we grow beyond Europe?",
        "cluster_id": cluster.group(1) if cluster else "1",
        "language": "en",
    }.items():
        form.add_field(key, value)
    for phase in ("propose", "vote"):
        form.add_field("phases", phase)
    headers = {"Cookie": cookie_header(cookies)}
    async with http.post(url + "/workshops/new", data=form, headers=headers, allow_redirects=False) as r:
        if r.status != 302:
            raise RuntimeError(f"creating the workshop failed ({r.status})")
        take_cookies(r, cookies)
        return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def stored_versions(database_url: str, round_id: int) -> dict[str, int]:
    """voter -> version of every ballot of the round, read straight from the database."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT voter, version FROM ballots WHERE round_id = :r"), {"r": round_id}
            )
            return {voter: version for voter, version in rows}
    finally:
        engine.dispose()
