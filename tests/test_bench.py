"""The benchmark runs end to end against a real server: behaviour only, never timings."""

from __future__ import annotations

import ast
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


@pytest.fixture
def lifted_server(tmp_path):
    """A server with its budgets lifted, as `bench.room --start` runs one: phones at full speed."""
    with live.start(tmp_path, **live.UNLIMITED) as server:
        yield server


def _room(server, *options: str) -> subprocess.CompletedProcess:
    """bench.room against the server, five phones in one client process, with these options."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.room",
            "--url",
            server.url,
            "--database",
            server.env["DATABASE_URL"],
            "--server-pid",
            str(server.proc.pid),
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
            "--join-seconds",
            "1",
            *options,
        ],
        cwd=live.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_room_benchmark_loses_nothing_and_gets_every_ack(lifted_server):
    live_server = lifted_server
    out = _room(live_server, "--storm", "4", "--storm-seconds", "1", "--fanout", "2")
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
    # The propose storm: every idea acknowledged and on every screen; the fan-out reached them all.
    assert rows["storm: ideas sent / acked / refused"][0] == "4 / 4 / 0", out.stdout
    assert rows["storm: screens measured; idea-screen pairs not shown"][0] == "7 / 0", out.stdout
    fanout = rows["fan-out: changes, deliveries: server CPU per delivery, us"][0]
    assert fanout.startswith("2, 14: "), out.stdout
    assert "errors:" not in out.stdout, out.stdout
    assert "Traceback" not in live_server.log()


def test_the_ceiling_in_turns_measures_both_servers_in_each_turn(lifted_server):
    """--turns: the app's room waits, connected, while the bare server's joins; then each
    server's phones take the ceiling in turn, and each turn gives its own ratios."""
    # Twenty phones spend about half their budgets (100 ballots each) in two short turns.
    out = _room(lifted_server, "--turns", "2", "--participants", "20", "--saturate-seconds", "0.5")
    assert out.returncode == 0, out.stdout + out.stderr
    rows = _table(out.stdout)
    assert rows["phones connected (failed)"] == ("20 (0)", "20 (0)"), out.stdout
    for row in (
        "ceiling in turns: throughput / bare, each turn",
        "ceiling in turns: CPU per ballot / bare, each turn",
    ):
        turns = rows[row][0].split()
        assert len(turns) == 2 and all(float(ratio) > 0 for ratio in turns), out.stdout
    for column in (0, 1):
        assert float(rows["ceiling: acked per s, every phone 1 in flight"][column]) > 0, out.stdout
    assert float(rows["throughput / bare ceiling"][0]) > 0, out.stdout
    acked_in_all, in_database = rows["ballots acked in all / in the database"][0].split(" / ")
    assert in_database == acked_in_all and rows["ballots lost (acked, not in the database)"][0] == "0", (
        out.stdout
    )
    assert "errors:" not in out.stdout and "Traceback" not in lifted_server.log(), out.stdout


def test_one_phone_flooding_the_room_stores_its_budget_and_the_others_are_answered():
    """bench/flood.py at a small scale: behaviour only (its latencies go to docs/performance.md)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.flood", "--phones", "10", "--events", "2000", "--seconds", "5"],
        cwd=live.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr  # 1: a traceback in the server's log
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    others = ast.literal_eval(lines["the others' answers while it floods"])
    assert set(others) == {"ok"} and others["ok"] >= 5, out.stdout  # every one answered, none refused
    flooder = ast.literal_eval(lines["the flooder was answered"])
    assert flooder["unanswered"] == 0 and flooder["RateLimited"] >= 1900, out.stdout
    assert int(lines["ideas the flooder stored"]) <= 10, out.stdout  # CONTRIBUTION_LIMIT: 10 a minute
