"""Scale-out: two app processes (gunicorn, gevent, one worker each) sharing PostgreSQL and Redis.

What nginx would do is done by hand: each client is pointed at one process's port, and a
phone whose process died is pointed at the other one. Every check reads what the other
process delivered, or what the database holds, so only real cross-process behaviour passes.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack

import pytest
import requests
import socketio

from tests import live
from tests.conftest import wait_for
from tests.live import join

pytestmark = pytest.mark.live

TIMEOUT = 10
PRESENCE_TTL = 3  # seconds: a killed process's phones stop counting soon, so the test can watch it


# --- the stack ---------------------------------------------------------------------------


class Stack:
    """PostgreSQL, Redis and the environment every app process shares."""

    def __init__(self, tmp, db_url: str, redis_url: str) -> None:
        self.tmp = tmp
        self.db_url = db_url
        self.env = live.clean_env() | {
            "APP_ENV": "production",
            "SECRET_KEY": "scale-out-test-secret-shared-by-every-process",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "PUBLIC_URL": "http://127.0.0.1:8080",  # what nginx would serve
            "ASYNC_MODE": "gevent",
            "PRESENCE_TTL": str(PRESENCE_TTL),
        }
        self.admin = live.LiveServer(url="", env=self.env, log_path=tmp / "cli.log")
        self.processes: list[live.LiveServer] = []

    def start(self, name: str) -> live.LiveServer:
        """One app process, as in production: `gunicorn -k gevent -w 1 wsgi:app`, in its own process group."""
        port = live.free_port()
        url = f"http://127.0.0.1:{port}"
        # The test's clients send their own address as Origin, where browsers would send nginx's.
        env = self.env | {"ALLOWED_ORIGINS": url}
        server = live.LiveServer(url=url, env=env, log_path=self.tmp / f"{name}-{port}.log")
        self.processes.append(server)  # stopped with the others even if it never starts serving
        command = ["-m", "gunicorn", "-k", "gevent", "-w", "1", "--bind", f"127.0.0.1:{port}"]
        command += ["--no-control-socket", "--graceful-timeout", "3", "wsgi:app"]
        return server.launch(command, timeout=60)

    @staticmethod
    def kill(server: live.LiveServer) -> None:
        """SIGKILL the gunicorn master and its worker at once: no shutdown code runs."""
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)

    def stop_all(self) -> None:
        for server in self.processes:
            if server.proc.poll() is None:
                os.killpg(server.proc.pid, signal.SIGTERM)
        for server in self.processes:
            try:
                server.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.proc.pid, signal.SIGKILL)
                server.proc.wait(5)

    def ballots(self, round_id: int) -> dict[str, tuple[dict, int, int]]:
        """The committed ballots of a round, by voter: (data, total, version)."""
        import psycopg

        with psycopg.connect(self.db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute(
                "select voter, data, total, version from ballots where round_id = %s", (round_id,)
            ).fetchall()
        return {voter: (_json(data), total, version) for voter, data, total, version in rows}


def _json(data):
    return data if isinstance(data, dict | list) else json.loads(data)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from tests.services import postgres, redis

    tmp = tmp_path_factory.mktemp("scaleout")
    with ExitStack() as stop:
        redis_url = stop.enter_context(redis())
        db_url = stop.enter_context(postgres())
        stack = Stack(tmp, db_url, redis_url)
        stack.admin.flask("db", "upgrade")
        stack.admin.create_user("fac@example.org")
        stop.callback(stack.stop_all)
        yield stack
    for server in stack.processes:
        assert "Traceback" not in server.log(), server.log()


@pytest.fixture(scope="module")
def a(stack):
    return stack.start("a")


@pytest.fixture(scope="module")
def b(stack):
    return stack.start("b")


# --- clients -----------------------------------------------------------------------------

_ops = itertools.count(1)


def new_op() -> str:
    return f"scale-{next(_ops):08d}"


class Screen:
    """A Socket.IO client on one process's port that records every event it receives."""

    def __init__(self, server: live.LiveServer, cookies: dict, workshop_id: int, view: str) -> None:
        self.events: dict[str, list[dict]] = defaultdict(list)
        self.sio = live.connect(server, cookies, workshop_id, view, handlers={"*": self._record})

    def _record(self, event: str, payload=None) -> None:
        if event == "changed":  # a beat's new items, comments and +1s: each as its own event
            for name, change in payload["changes"]:
                self.events[name].append(change)
        else:
            self.events[event].append(payload)

    def call(self, event: str, timeout: float = TIMEOUT, op_id: str | None = None, **payload) -> dict:
        op_id = op_id or new_op()
        return live.call(self.sio, event, {"op_id": op_id, **payload}, timeout)

    def ok(self, event: str, **payload) -> dict:
        ack = self.call(event, **payload)
        assert ack["ok"] is True, (event, payload, ack)
        return ack

    def snapshot(self) -> dict:
        ack = live.call(self.sio, "get_snapshot", {}, TIMEOUT)
        assert ack["ok"], ack
        return ack["snapshot"]

    def close(self) -> None:
        self.sio.disconnect()


class Room:
    """A workshop made over HTTP on one process, its cockpit on another, ideas proposed, in the vote phase."""

    def __init__(
        self, make_on: live.LiveServer, staff_on: live.LiveServer, email: str = "fac@example.org"
    ) -> None:
        fac = live.http_login(make_on, email)
        self.id, self.code = live.create_workshop(make_on, fac, "Two processes", ["propose", "vote"])
        self.staff_cookies = fac.cookies.get_dict()
        self.screens: list[Screen] = []
        self.staff = self.screen(staff_on, self.staff_cookies, "staff")
        self.staff.ok("set_phase", phase="propose")
        self.items: list[int] = []

    def screen(self, server: live.LiveServer, cookies: dict, view: str = "participant") -> Screen:
        screen = Screen(server, cookies, self.id, view)
        self.screens.append(screen)
        return screen

    def propose_and_vote(self, phone: Screen) -> None:
        for text in ("A Tokyo desk", "A booth in Singapore", "Mentors in Seoul"):
            self.items.append(phone.ok("propose_item", kind="idea", text=text)["item"]["id"])
        self.staff.ok("set_phase", phase="vote")

    def open_dots(self, **settings) -> tuple[dict, list[str]]:
        r = self.staff.ok(
            "open_round", title="Which first?", method="dots", target="items", item_ids=self.items, **settings
        )["round"]
        return r, [str(o["id"]) for o in r["options"]]

    def close(self) -> None:
        threads = [threading.Thread(target=s.close) for s in self.screens]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)


def presence(screen: Screen) -> int | None:
    counts = screen.events["presence_changed"]
    return counts[-1]["connected"] if counts else None


# --- (1) a ballot through A reaches B; presence counts both ---------------------------------


def test_a_ballot_through_one_process_reaches_phones_on_the_other(a, b, stack):
    room = Room(make_on=a, staff_on=b)
    try:
        ada_cookies, bob_cookies = join(a, room.code, "Ada Lovelace"), join(b, room.code, "Bob Builder")
        ada = room.screen(a, ada_cookies)
        ada_pid = ada.snapshot()["me"]["id"]
        bob = room.screen(b, bob_cookies)
        # Presence: Ada on A and Bob on B are two people, on screens of either process.
        wait_for("the cockpit on B counts 2", lambda: presence(room.staff) == 2)
        wait_for("a phone on A counts 2", lambda: presence(ada) == 2)
        projector = room.screen(a, room.staff_cookies, "screen")
        wait_for("a snapshot from A counts 2", lambda: projector.snapshot()["connected"] == 2)
        # A second tab of Ada's, on B: still two people.
        ada_on_b = room.screen(b, ada_cookies)
        assert ada_on_b.snapshot()["connected"] == 2

        room.propose_and_vote(ada)
        # Items proposed through A reached Bob on B, versioned.
        assert wait_for("Bob sees the ideas", lambda: len(bob.events["item_changed"]) >= 3)

        r, (o1, o2, o3) = room.open_dots()
        wait_for("the round opened on B reaches A", lambda: ada.events["round_changed"])
        ack = ada.ok("cast_ballot", round_id=r["id"], base_version=0, ballot={o1: 2, o2: 1})
        assert ack["version"] == 1
        # Ada's other tab, on B, gets her ballot; the cockpit and Bob on B get the tally.
        changed = wait_for("ballot_changed on B", lambda: ada_on_b.events["ballot_changed"])
        assert changed[-1]["version"] == 1 and changed[-1]["ballot"] == {o1: 2, o2: 1}
        staff_tally = wait_for(
            "tally on the cockpit on B",
            lambda: [t for t in room.staff.events["tally_changed"] if t["voted"] == 1 and "results" in t],
        )
        assert {x["item_id"]: x["points"] for x in staff_tally[-1]["results"]}[int(o1)] == 2
        wait_for("tally on Bob's phone", lambda: any(t["voted"] == 1 for t in bob.events["tally_changed"]))
        # And back: Bob votes through B, the projector and Ada on A see two voters.
        bob.ok("cast_ballot", round_id=r["id"], base_version=0, ballot={o3: 3})
        wait_for("tally on A", lambda: any(t["voted"] == 2 for t in projector.events["tally_changed"]))
        wait_for("Ada on A", lambda: any(t["voted"] == 2 for t in ada.events["tally_changed"]))
        assert stack.ballots(r["id"])[f"p{ada_pid}"] == ({o1: 2, o2: 1}, 3, 1)

        # Ada's tab on B and Bob leave: Ada is still there through A, so one person is connected.
        ada_on_b.close()
        bob.close()
        wait_for("the cockpit on B counts 1", lambda: presence(room.staff) == 1)
        wait_for("the projector on A counts 1", lambda: presence(projector) == 1)
    finally:
        room.close()


# --- (2) two tabs of one phone, one per process, racing ----------------------------------------


def test_two_tabs_on_two_processes_never_exceed_the_budget(a, b, stack):
    room = Room(make_on=b, staff_on=a)
    try:
        cookies = join(a, room.code, "Ada Lovelace")
        tab_a, tab_b = room.screen(a, cookies), room.screen(b, cookies)
        pid = tab_a.snapshot()["me"]["id"]
        room.propose_and_vote(tab_b)
        r, (o1, o2, o3) = room.open_dots(budget=5, cap=3)
        # Each ballot alone is within the budget of 5; the two together would not be.
        choices = [{o1: 3, o2: 2}, {o2: 1, o3: 3, o1: 1}]
        tabs = [tab_a, tab_b]
        wins = 0
        for pair in range(12):
            acks = race(tabs, r["id"], wins, choices if pair % 2 else choices[::-1])
            assert sorted(ack["ok"] for ack in acks) == [False, True], (pair, acks)
            [lost] = [ack for ack in acks if not ack["ok"]]
            [won] = [ack for ack in acks if ack["ok"]]
            assert lost["code"] == "Conflict", lost
            wins += 1
            assert won["version"] == wins
            data, total, version = stack.ballots(r["id"])[f"p{pid}"]
            assert (data, version) == (won["ballot"], wins)
            assert total == sum(data.values()) <= r["budget"]
        # Both tabs end up with the winner's ballot, whichever process served them.
        for tab in tabs:
            assert tab.snapshot()["my_ballots"][str(r["id"])]["version"] == wins
    finally:
        room.close()


def test_a_wave_of_first_ballots_on_a_new_round_leaves_the_writer_a_connection(a, b, stack):
    """The first ballots after a round opens each find the round new to this process and
    read it. A handler that kept its database connection while its ballot waited for the
    group commit would, with more voters at once than the pool has connections (15), leave
    the writer none: every ballot of the wave would time out."""
    room = Room(make_on=a, staff_on=a)
    try:
        phones = [room.screen(b, join(a, room.code, f"Voter {i}")) for i in range(30)]
        room.propose_and_vote(phones[0])
        r, (o1, *_) = room.open_dots(budget=3, cap=3)
        acks = race(phones, r["id"], 0, [{o1: 1}] * len(phones))
        assert all(ack and ack["ok"] for ack in acks), [a for a in acks if not (a and a["ok"])][:3]
        assert len(stack.ballots(r["id"])) == len(phones)
    finally:
        room.close()


def cast(screen: Screen, round_id: int, base: int, ballot: dict, **kw) -> dict:
    return screen.call("cast_ballot", round_id=round_id, base_version=base, ballot=ballot, **kw)


def race(tabs: list[Screen], round_id: int, base: int, ballots: list[dict]) -> list[dict]:
    """Each tab sends its ballot from the same base version, released at the same moment."""
    acks: list = [None] * len(tabs)
    gate = threading.Barrier(len(tabs))

    def send(i: int) -> None:
        gate.wait()
        acks[i] = tabs[i].call("cast_ballot", round_id=round_id, base_version=base, ballot=ballots[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT + 5)
    return acks


# --- (3) a process killed in the middle of a burst ----------------------------------------------


def test_a_killed_process_loses_no_acknowledged_ballot_and_its_phones_carry_on(b, stack):
    doomed = stack.start("doomed")
    room = Room(make_on=doomed, staff_on=b)
    phones = 6
    try:
        watcher = room.screen(b, join(b, room.code, "Watcher"))  # a phone on B from the start
        cookies = [join(doomed, room.code, f"Phone {i}") for i in range(phones + 1)]
        screens = [room.screen(doomed, c) for c in cookies]
        pids = [s.snapshot()["me"]["id"] for s in screens]
        room.propose_and_vote(screens[0])
        r, options = room.open_dots(budget=5, cap=3)
        # Ballots that differ from one version to the next, so the stored one tells which it is.
        allocations = [{o: n} for o in options for n in (1, 2, 3)] + [{options[0]: 1, options[1]: 1}]
        wait_for("everyone on the cockpit", lambda: presence(room.staff) == phones + 2)

        acked: list[dict[int, dict]] = [{} for _ in range(phones)]  # version -> ballot
        inflight: list[tuple[str, int, dict] | None] = [None] * phones  # (op id, base version, ballot)
        errors: list[BaseException] = []

        def burst(i: int) -> None:
            version = 0
            try:
                for k in range(400):
                    op_id, ballot = new_op(), allocations[(i + k) % len(allocations)]
                    inflight[i] = (op_id, version, ballot)
                    ack = cast(screens[i], r["id"], version, ballot, op_id=op_id, timeout=5)
                    assert ack["ok"] is True and ack["version"] == version + 1, ack
                    version, inflight[i] = ack["version"], None
                    acked[i][version] = ballot
            except (socketio.exceptions.SocketIOError, ConnectionError):
                return  # the process is gone: the ballot in flight may or may not be stored
            except BaseException as e:  # noqa: BLE001  (reported by the test below)
                errors.append(e)

        threads = [threading.Thread(target=burst, args=(i,)) for i in range(phones)]
        for t in threads:
            t.start()
        wait_for("a burst under way", lambda: sum(map(len, acked)) >= 60, timeout=60)
        stack.kill(doomed)
        for t in threads:
            t.join(15)
        assert not any(t.is_alive() for t in threads)
        assert not errors, errors
        tallies_before = len(room.staff.events["tally_changed"])
        assert tallies_before > 0  # the burst's tallies reached the cockpit on B

        # Every acknowledged ballot is in the database: the stored version is the last acked one,
        # or the one in flight when the process died (written, its ack lost with the process).
        stored = stack.ballots(r["id"])
        for i in range(phones):
            last = max(acked[i], default=0)
            data, _, version = stored.get(f"p{pids[i]}", (None, 0, 0))
            if inflight[i] is None:
                assert version == last, (i, last, version)
            else:
                assert inflight[i][1] == last and version in (last, last + 1), (i, last, version)
            expected = inflight[i][2] if version == last + 1 else acked[i].get(last)
            assert data == expected, (i, version, data)

        # The dead process's phones age out of the count (its heartbeat stopped): the watcher is left.
        wait_for("the dead process's phones age out", lambda: presence(watcher) == 1, timeout=30)

        # The phones reconnect to B, as nginx would route them. As the page does, each takes the
        # snapshot, sends again what it had not seen acked (same op id: stored once, whichever process
        # had it), then goes on voting.
        for i in range(phones):
            again = room.screen(b, cookies[i])
            version = stored.get(f"p{pids[i]}", (None, 0, 0))[2]
            mine = again.snapshot()["my_ballots"][str(r["id"])] or {"version": 0}
            assert mine["version"] == version, (i, mine, version)
            if inflight[i] is not None:
                op_id, base, ballot = inflight[i]
                ack = cast(again, r["id"], base, ballot, op_id=op_id)
                assert ack["ok"] and (ack["version"], ack["ballot"]) == (base + 1, ballot), (i, ack)
                version = base + 1
            ack = again.ok("cast_ballot", round_id=r["id"], base_version=version, ballot={options[2]: 1})
            assert ack["version"] == version + 1
            final = stack.ballots(r["id"])[f"p{pids[i]}"]
            assert final == ({options[2]: 1}, 1, version + 1), (i, final)
        wait_for(
            "the cockpit's tally counts the ballots cast through B",
            lambda: len(room.staff.events["tally_changed"]) > tallies_before,
        )
        # The last phone never came back.
        wait_for("the phones on B are counted", lambda: presence(room.staff) == phones + 1)
    finally:
        room.close()


# --- (4) an account's sessions end on every process ------------------------------------------------


class Hostile(Screen):
    """A cockpit whose client ignores the server: the news that its session ended, and the
    server's disconnect. It stays on the line, listening, and keeps sending."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.sio._handle_disconnect = lambda namespace: self.events["(told to disconnect)"].append(namespace)

    def heard_since_cut_off(self) -> list[str]:
        names = [name for name, payloads in self.events.items() for _ in payloads]
        return [
            n
            for n in names
            if n not in ("snapshot", "presence_changed", "session_ended", "(told to disconnect)")
        ]


def admin_post(server: live.LiveServer, admin: requests.Session, path: str, **data: str) -> None:
    """A form of the Accounts page, posted with its CSRF token."""
    token = live.csrf_from(admin.get(server.url + "/admin/users").text)
    r = admin.post(server.url + path, data={"csrf_token": token, **data}, allow_redirects=False)
    assert r.status_code == 302, r.text


def user_id_of(server: live.LiveServer, admin: requests.Session, email: str) -> int:
    page = admin.get(server.url + "/admin/users").text
    row = page.split(f"<td>{email}</td>", 1)[1]
    return int(row.split('action="/admin/users/', 1)[1].split("/", 1)[0])


def test_a_disabled_account_is_cut_off_on_every_process_and_cannot_come_back(a, b, stack):
    """The administrator disables a facilitator through process A; the facilitator's cockpit is on
    B and their projector on A. Both are cut off by the server, whatever their client does."""
    stack.admin.create_user("boss@example.org", "admin")
    stack.admin.create_user("leaver@example.org")
    room = Room(make_on=a, staff_on=a, email="leaver@example.org")
    try:
        cockpit = Hostile(b, room.staff_cookies, room.id, "staff")
        projector = room.screen(a, room.staff_cookies, "screen")
        phone = room.screen(b, join(a, room.code, "Ada Lovelace"))
        boss = live.http_login(a, "boss@example.org")
        boss_cockpit = room.screen(a, boss.cookies.get_dict(), "staff")

        admin_post(a, boss, f"/admin/users/{user_id_of(a, boss, 'leaver@example.org')}/active", active="0")
        wait_for("the cockpit on B hears its session ended", lambda: cockpit.events["session_ended"])
        wait_for("and is disconnected by B", lambda: cockpit.events["(told to disconnect)"])
        wait_for("the projector on A is disconnected", lambda: not projector.sio.connected)
        assert projector.events["session_ended"]

        # The hostile cockpit carries on: B no longer answers it, and it hears no more broadcasts.
        with pytest.raises(socketio.exceptions.TimeoutError):
            cockpit.call("set_phase", timeout=3, phase="vote")
        boss_cockpit.ok("set_phase", phase="vote")
        wait_for("the phone on B hears the boss's phase", lambda: phone.events["workshop_changed"])
        assert phone.snapshot()["workshop"]["phase"] == "vote"
        assert cockpit.heard_since_cut_off() == []

        # Its cookie opens nothing any more, on either process.
        for server in (a, b):
            with pytest.raises(socketio.exceptions.ConnectionError):
                Screen(server, room.staff_cookies, room.id, "staff")
            assert (
                requests.get(
                    server.url + "/workshops", cookies=room.staff_cookies, allow_redirects=False
                ).status_code
                == 302
            )
    finally:
        room.close()


def test_a_copied_session_cookie_stops_working_on_every_process_after_logout(a, b, stack):
    stack.admin.create_user("traveller@example.org")
    laptop = live.http_login(a, "traveller@example.org")
    copied = laptop.cookies.get_dict()
    assert requests.get(b.url + "/workshops", cookies=copied, allow_redirects=False).status_code == 200

    token = live.page_token(laptop.get(a.url + "/workshops").text)
    assert (
        laptop.post(a.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
    )
    for server in (a, b):
        r = requests.get(server.url + "/workshops", cookies=copied, allow_redirects=False)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")


# --- the shared presence store itself ------------------------------------------------------------


def test_shared_presence_counts_people_once_and_forgets_a_dead_process():
    import redis as client

    from app.shared_presence import SharedPresence
    from tests.services import redis

    with redis() as url:
        one, two, doomed = SharedPresence(url, 30), SharedPresence(url, 30), SharedPresence(url, 1)
        w = 7
        assert one.update(w, {1, 2}).members == frozenset()
        assert two.update(w, {2, 3}).members == {1, 2}
        seen = one.others(w)
        assert seen.members == {2, 3}
        assert one.others(8).members == frozenset()  # another workshop

        # Renewing an unchanged set keeps the generation: a reader's copy stays good.
        two.update(w, {2, 3})
        assert seen.current(one.generation(w))
        two.update(w, {3})
        assert not seen.current(one.generation(w))
        assert one.others(w).members == {3}

        # A process that stops renewing (killed) drops out after its ttl, generation or not.
        doomed.update(w, {9})
        seen = one.others(w)
        assert seen.members == {3, 9}
        wait_for("the dead process expires", lambda: not seen.current(one.generation(w)), timeout=5)
        assert one.others(w).members == {3}

        # A process whose last phone left takes its entry away at once.
        two.update(w, set())
        assert one.others(w).members == frozenset()

        # Redis lost the set (restarted): the next renewal notices, and writes it again at once.
        assert two.update(w, {4, 5}).members == {1, 2}
        client.Redis.from_url(url).delete(f"bcd:presence:{w}:{two.me}")
        two.update(w, {4, 5})
        assert one.others(w).members == {4, 5}


def test_redis_clients_hold_more_than_a_hundred_commands_at_once(tmp_path, caplog):
    """Every greenlet in a Redis command holds a connection of its client's pool, and
    redis-py fails the command past 100 of them. A join storm (the join page's rate limit)
    or a room voting at once (every broadcast) has more than 100 in flight. Here Redis is
    paused so that 150 commands must wait together, on the rate limiter's client and on the
    message queue's."""
    import redis as client

    from app import create_app
    from app.extensions import limiter, socketio
    from tests.conftest import _config
    from tests.services import redis

    with redis() as url:
        db_url = f"sqlite:///{tmp_path / 'pools.sqlite'}"
        app = create_app(_config(db_url, REDIS_URL=url, RATELIMIT_STORAGE_URI=url))
        admin = client.Redis.from_url(url)
        listener = admin.pubsub()
        listener.subscribe("flask-socketio")
        errors: list[BaseException] = []

        def at_once(command: Callable[[int], object]) -> None:
            admin.execute_command("CLIENT", "PAUSE", 300, "ALL")
            gate = threading.Barrier(150)

            def run(i: int) -> None:
                gate.wait()
                try:
                    command(i)
                except BaseException as e:  # noqa: BLE001 - every failure is the finding
                    errors.append(e)

            threads = [threading.Thread(target=run, args=(i,)) for i in range(150)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)

        at_once(lambda i: limiter.storage.incr(f"pools-{i}", 60))

        def broadcast(i: int) -> None:
            with app.app_context():
                socketio.emit("ping_test", {"i": i}, to="nobody", namespace="/live")

        at_once(broadcast)
        assert errors == []
        # python-socketio logs a failed publish, then starts a new client and tries once more
        assert not [r.getMessage() for r in caplog.records if "Cannot publish" in r.getMessage()]
        published = 0
        deadline = time.monotonic() + 10
        while published < 150 and time.monotonic() < deadline:
            message = listener.get_message(timeout=1)
            published += bool(message and message["type"] == "message")
        assert published == 150
        socketio.server.manager.redis.close()
        listener.close()
        admin.close()


def test_a_participant_who_leaves_through_one_process_is_let_go_on_the_other(a, b, stack):
    """Ada removes her contributions on process A; her phone on B loses its whole connection (so a
    browser reconnects by itself, is refused, and reloads to be told it left), Bob's phone on A
    sees her item go, and her cookie opens the room on neither process."""
    room = Room(make_on=a, staff_on=a)
    try:
        ada_cookies = join(a, room.code, "Ada Lovelace")
        phone = Hostile(b, ada_cookies, room.id, "participant")  # records a namespace disconnect
        bob = room.screen(a, join(a, room.code, "Bob Builder"))
        idea = phone.ok("propose_item", kind="idea", text="Ada's desk in Ulaanbaatar")["item"]["id"]
        page = requests.Session()
        page.cookies.update(ada_cookies)
        form = page.get(a.url + f"/w/{room.id}/my-data/remove").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        r = page.post(
            a.url + f"/w/{room.id}/my-data/remove",
            data={"csrf_token": token, "confirm": "yes"},
            allow_redirects=False,
        )
        assert r.status_code == 302, r.text

        wait_for("B ends her phone's connection", lambda: not phone.sio.connected)
        assert phone.events["(told to disconnect)"] == []  # the transport, not the namespace
        wait_for("Bob on A sees her item go", lambda: [e["id"] for e in bob.events["item_removed"]] == [idea])
        for server in (a, b):
            with pytest.raises(socketio.exceptions.ConnectionError):
                Screen(server, ada_cookies, room.id, "participant")
    finally:
        room.close()
