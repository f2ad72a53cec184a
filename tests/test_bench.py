"""The benchmark runs end to end against a real server: behaviour only, never timings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import live

pytestmark = pytest.mark.live


def _table(out: str) -> dict[str, tuple[str, str]]:
    """The printed table as {row name: (app column, bare column)}."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[1]) <= {"-", ":"}:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_room_benchmark_loses_nothing_and_gets_every_ack(live_server):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.room",
            "--url",
            live_server.url,
            "--database",
            live_server.env["DATABASE_URL"],
            "--server-pid",
            str(live_server.proc.pid),
            "--participants",
            "5",
            "--ballots-per-second",
            "5",
            "--seconds",
            "1",
            "--saturate-seconds",
            "1",
            "--processes",
            "1",
            "--timeout",
            "20",
        ],
        cwd=live.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    rows = _table(out.stdout)
    assert rows["phones connected (failed)"] == ("5 (0)", "5 (0)"), out.stdout
    for column in (0, 1):  # the app, then the bare server
        scheduled, sent, acked, refused = rows["burst ballots scheduled / sent / acked / refused"][
            column
        ].split(" / ")
        assert int(sent) > 0 and acked == sent and refused == "0", out.stdout
    acked_in_all, in_database = rows["ballots acked in all / in the database"][0].split(" / ")
    assert int(acked_in_all) >= int(sent) and in_database == acked_in_all, out.stdout
    assert rows["ballots lost (acked, not in the database)"][0] == "0", out.stdout
    # Every screen (cockpit, projector, 5 phones) showed every ballot of the burst.
    assert rows["screens measured; ballot-screen pairs not shown"][0] == "7 / 0", out.stdout
    assert "errors:" not in out.stdout, out.stdout
    assert "Traceback" not in live_server.log()
