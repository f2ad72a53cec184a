"""A newcomer's shell: after `make run`, the commands the README and docs/exports.md give work the
first time, on the database `make run` serves; a setting missing is one line, never a traceback.

In a clean clone of this checkout (its uncommitted changes applied), with the checkout's
virtual environment linked in, as a person who just cloned the repository would type them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import openpyxl
import pytest

from app.config import ENV_KEYS
from tests import live
from tests.conftest import require_tool

pytestmark = pytest.mark.live

FLASK = [".venv/bin/flask", "--app", "app:create_app"]  # README: `.venv/bin/flask --app app:create_app ...`


@pytest.fixture
def clone(tmp_path) -> Path:
    require_tool("git", "git")
    require_tool("make", "make")
    path = tmp_path / "bridge"
    subprocess.run(["git", "clone", "--quiet", str(live.ROOT), str(path)], check=True)
    changes = subprocess.run(
        ["git", "-C", str(live.ROOT), "diff", "HEAD", "--binary"], capture_output=True, check=True
    ).stdout
    if changes.strip():
        subprocess.run(["git", "-C", str(path), "apply"], input=changes, check=True)
    (path / ".venv").symlink_to((live.ROOT / ".venv").resolve())
    # The linked environment is installed: a fresh checkout's requirements are newer than its
    # stamps, and `make run` would install them again (into the checkout's own environment).
    for name in ("requirements.txt", "requirements-dev.txt"):
        os.utime(path / name, (0, 0))
    return path


def shell(clone: Path, *command: str, **env: str) -> subprocess.CompletedProcess:
    """A command typed in the clone, in an environment that sets none of the app's settings."""
    clean = {k: v for k, v in live.clean_env().items() if k not in ENV_KEYS} | env
    return subprocess.run(command, cwd=clone, env=clean, capture_output=True, text=True, timeout=120)


def one_line_error(result: subprocess.CompletedProcess, setting: str) -> None:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0, output
    assert "Traceback" not in output and len(output.splitlines()) == 1, output
    assert output.startswith("Error: ") and setting in output, output


def make_run(clone: Path) -> live.LiveServer:
    """`make run` in the clone, on a free port, serving."""
    port = live.free_port()
    clean = {k: v for k, v in live.clean_env().items() if k not in ENV_KEYS}
    server = live.LiveServer(
        url=f"http://127.0.0.1:{port}", env=clean | {"PORT": str(port)}, log_path=clone / "run.log"
    )
    server.proc = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=server.env,
        stdout=server.log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stop() ends make and the server it started
    )
    try:
        return server.wait_until_serving(timeout=120)  # the first run compiles the translations
    except RuntimeError:
        server.stop()
        raise


def test_the_documented_commands_work_after_make_run(clone):
    account = ["--email", "maria@example.org", "--name", "Maria", "--password", live.PASSWORD]
    one_line_error(shell(clone, *FLASK, "users", "create", *account), "SECRET_KEY")  # before `make run`
    with make_run(clone) as server:
        created = shell(clone, *FLASK, "users", "create", *account, "--role", "facilitator")
        assert created.returncode == 0, created.stdout + created.stderr
        # The account made in the shell logs in to the server `make run` started: one database.
        facilitator = live.http_login(server, "maria@example.org")
        workshop_id, _code = live.create_workshop(server, facilitator, "Asia 2026", ["propose"])
        out = clone / "asia-2026.xlsx"
        exported = shell(clone, *FLASK, "export", str(workshop_id), "--format", "xlsx", "--out", out.name)
        assert exported.returncode == 0, exported.stdout + exported.stderr
        summary = [row for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)]
        assert any("Asia 2026" in row for row in summary), summary
        assert "Traceback" not in server.log(), server.log()


def test_a_missing_or_wrong_setting_is_one_line(clone):
    production = {"APP_ENV": "production"}  # the environment wins over instance/config.py
    one_line_error(
        shell(clone, *FLASK, "users", "create", "--email", "x@example.org", **production), "SECRET_KEY"
    )
    one_line_error(shell(clone, ".venv/bin/python", "wsgi.py", **production), "SECRET_KEY")
    one_line_error(shell(clone, *FLASK, "db", "upgrade", APP_ENV="development", PORT="five thousand"), "PORT")
    one_line_error(
        shell(clone, ".venv/bin/python", "wsgi.py", APP_ENV="development", COMMAND_RATE="0"), "COMMAND_RATE"
    )
