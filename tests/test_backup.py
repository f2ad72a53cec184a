"""`flask backup` copies the SQLite database while the app runs: taken against the real server
(gevent, a subprocess) during a burst of ballots, the backup restores, and holds every ballot
acknowledged before it started, each exactly as it was acknowledged."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from contextlib import closing

import pytest

from tests import live
from tests.test_voting_live import call, live_room, ok

pytestmark = pytest.mark.live

PHONES = 6


def test_a_backup_taken_during_a_burst_of_ballots_holds_every_ballot_acked_before_it(tmp_path):
    (tmp_path / "live").mkdir()
    server = live.start(tmp_path / "live", **live.UNLIMITED)
    room, stop = None, threading.Event()
    try:
        server.create_user("fac@example.org")
        room, _first = live_room(server, phones=[f"Voter {i}" for i in range(PHONES)])
        r = ok(
            room.staff, "open_round", title="Which first?", method="dots", target="items", item_ids=room.items
        )["round"]
        options = [str(o["id"]) for o in r["options"]]
        acked = []

        def vote(i: int) -> None:
            """One phone changes its ballot again and again; each ack noted with its time."""
            version = 0
            while not stop.is_set():
                ballot = {options[version % 3]: 1 + version % 3, options[(version + 1) % 3]: 1}
                ack = call(
                    room.sockets[i], "cast_ballot", round_id=r["id"], base_version=version, ballot=ballot
                )
                assert ack["ok"], ack
                version = ack["version"]
                acked.append((time.monotonic(), room.pids[i], version, ballot))

        threads = [threading.Thread(target=vote, args=(i,)) for i in range(PHONES)]
        for t in threads:
            t.start()
        while len(acked) < 50:  # the burst is under way
            time.sleep(0.01)
        started = time.monotonic()
        out = tmp_path / "backup.sqlite"
        said = server.flask("backup", "--out", str(out))
        during = sum(1 for at, *_rest in acked if at > started)
        stop.set()
        for t in threads:
            t.join(30)
        assert during > 0, "no ballot was acknowledged while the backup ran"
        assert f"Wrote {out}" in said
    finally:
        stop.set()
        if room is not None:
            room.close()
        server.stop()
    assert "Traceback" not in server.log(), server.log()

    restored = restore(tmp_path, out)
    stored = {pid: (version, json.loads(data)) for pid, version, data in restored}
    before = [a for a in acked if a[0] < started]
    assert before
    for _at, pid, version, _ballot in before:
        assert stored[pid][0] >= version, (pid, version, stored[pid])
    by_version = {(pid, version): ballot for _at, pid, version, ballot in acked}
    for pid, (version, data) in stored.items():
        assert data == by_version[(pid, version)]  # a whole ballot, as acknowledged


def restore(tmp_path, backup) -> list[tuple]:
    """Put the backup where a database goes, start the app on it, and read its ballots."""
    target = tmp_path / "restored" / "live.sqlite"
    target.parent.mkdir()
    shutil.copy(backup, target)
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"  # one self-contained file
    server = live.start(target.parent)  # migrates (nothing to do) and serves it
    try:
        assert "Workshops" in live.http_login(server, "fac@example.org").get(server.url + "/workshops").text
    finally:
        server.stop()
    with closing(sqlite3.connect(target)) as conn:
        return conn.execute("select participant_id, version, data from ballots").fetchall()


def test_backup_refuses_postgresql_and_names_pg_dump(app):
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://bridge@127.0.0.1/bridge"
    result = app.test_cli_runner().invoke(args=["backup", "--out", "/tmp/never-written.sql"])
    assert result.exit_code == 1
    assert "pg_dump" in result.output
