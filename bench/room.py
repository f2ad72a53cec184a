"""A full room against a running server: join, propose, a burst of ballots, then the ceiling.

    python -m bench.room --url http://127.0.0.1:5000 --database sqlite:///instance/bridge.sqlite \\
        --participants 500 --ballots-per-second 1000 --seconds 10 [--processes 2] [--server-pid PID]
    python -m bench.room --start [--async-mode eventlet] --participants 500   # its own server

N phones (asyncio websockets, spread over --processes worker processes) join by code
over HTTP, propose ideas and cast dot ballots at R per second for S seconds, each built
on the version of its previous ack; the facilitator's cockpit and the projector watch.
Then every phone keeps one ballot in flight for --saturate-seconds: the most ballots
per second the server acknowledges. The same load then runs against bench/bare.py (a
bare python-socketio server of the same async mode) for the ceiling. A line per second
goes to stderr; the table goes to stdout. Definitions: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bench import prepare, report
from bench.client import Socket, cookie_header
from bench.phones import BUDGET, see_ideas, tally_points
from bench.pool import Pool

OPTIONS = 8  # choices on the ballot


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.room", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server (the app, or the lead's stack)")
    where.add_argument("--start", action="store_true", help="start `python wsgi.py` on a temporary SQLite")
    p.add_argument("--app-dir", type=Path, default=prepare.ROOT, help="with --start: the checkout to serve")
    p.add_argument("--participants", type=int, default=500)
    p.add_argument("--ballots-per-second", type=float, default=1000)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--saturate-seconds", type=float, default=3, help="0: no ceiling phase")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    p.add_argument("--server-pid", type=int, action="append", help="repeat for several processes")
    p.add_argument("--database", help="the server's DATABASE_URL (or an SQLite file): users and lost ballots")
    p.add_argument("--email", help="an existing facilitator (else one is made with `flask users create`)")
    p.add_argument("--password", help="that facilitator's password")
    p.add_argument("--origin", help="Origin header for sockets (default: the URL's origin = PUBLIC_URL)")
    p.add_argument(
        "--async-mode", default=os.environ.get("ASYNC_MODE", "gevent"), choices=("gevent", "eventlet")
    )
    p.add_argument("--ideas", type=int, help="phones that propose an idea (default: min(N, 100))")
    p.add_argument(
        "--storm",
        type=int,
        default=0,
        help="the propose storm: so many ideas, one per phone, over --storm-seconds",
    )
    p.add_argument("--storm-seconds", type=float, default=20)
    p.add_argument(
        "--fanout",
        type=int,
        default=0,
        help="the cockpit sends so many changes to the whole room, one at a time",
    )
    p.add_argument(
        "--join-seconds",
        type=float,
        default=0,
        help="phones arrive evenly over so many seconds (0: all at once)",
    )
    p.add_argument(
        "--hidden-results", action="store_true", help="results stay hidden: phones are not measured"
    )
    p.add_argument(
        "--websocket-only",
        action="store_true",
        help="phones and screens open the WebSocket at once, not long-polling first as browsers do",
    )
    p.add_argument("--no-bare", action="store_true", help="skip the bare-server ceiling")
    p.add_argument(
        "--turns",
        type=int,
        default=0,
        help="measure the ceiling in so many turns of each server, the app's and the bare server's"
        " phones connected throughout (0: the app's room, then the bare server's)",
    )
    p.add_argument("--tally-interval", type=float, default=0.5, help="the bare server's tally timer")
    p.add_argument("--timeout", type=float, default=30, help="seconds for a join or an ack")
    p.add_argument("--join-concurrency", type=int, default=100, help="joins in flight per process")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    args.ideas = min(args.participants, args.ideas if args.ideas is not None else 100)
    per_voter = args.ballots_per_second * args.seconds / max(1, args.participants)
    if args.ideas < 2 or per_voter > 90:
        p.error("need >= 2 ideas (and participants) and at most 90 ballots per participant (budget 100)")
    if args.turns and (args.no_bare or not args.saturate_seconds):
        p.error(
            "--turns measures the ceiling against the bare server: it needs --saturate-seconds, not --no-bare"
        )
    if args.storm > args.participants:
        p.error("the storm sends one idea per phone: --storm may not exceed --participants")
    if args.database and "://" not in args.database:
        args.database = f"sqlite:///{Path(args.database).resolve()}"
    return args


class Screen:
    """A parent-side connection that watches tallies: the facilitator's cockpit or the projector."""

    def __init__(self) -> None:
        handlers = {"snapshot": self.on_snapshot, "tally_changed": self.on_tally}
        self.seen: dict[int, float] = {}  # storm idea -> when this screen first had it
        items = functools.partial(see_ideas, seen=self.seen)
        self.sock = Socket(handlers=handlers | {"changed": items, "item_changed": items})
        self.round_id: int | None = None
        self.tallies: list[tuple[float, float]] = []
        self.snapshot: dict = {}
        self._snap: asyncio.Future | None = None

    async def open(
        self, http, url: str, auth: dict, headers: dict, timeout: float, websocket_only: bool = False
    ) -> Screen:
        self._snap = asyncio.get_running_loop().create_future()
        await self.sock.connect(http, url, auth, headers, timeout, websocket_only)
        await asyncio.wait_for(self._snap, timeout)
        return self

    def on_snapshot(self, raw: str, _t: float) -> None:
        self.snapshot = json.loads(raw)
        if self._snap and not self._snap.done():
            self._snap.set_result(True)

    def on_tally(self, raw: str, t: float) -> None:
        points = tally_points(raw, self.round_id)
        if points is not None:
            self.tallies.append((t, points))

    async def command(self, event: str, data: dict, timeout: float) -> dict:
        ack = await self.sock.call(event, {"op_id": "bench" + secrets.token_hex(8), **data}, timeout)
        if not ack.get("ok"):
            raise RuntimeError(f"{event} refused: {ack}")
        return ack


class Progress:
    """A line a second on stderr while a target runs."""

    def __init__(self, pool: Pool, name: str, participants: int) -> None:
        self.pool, self.name, self.n, self.step = pool, name, participants, "start"
        self.t0 = time.monotonic()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(1)
            t = self.pool.total
            print(
                f"[{time.monotonic() - self.t0:6.1f}s] {self.name} {self.step}: "
                f"connected {t('connected')}/{self.n} failed {t('failed')} | ballots sent {t('sent')} "
                f"acked {t('acked')} errors {t('errors')} | tallies {t('tallies')}",
                file=sys.stderr,
                flush=True,
            )

    def stop(self) -> None:
        self.task.cancel()


async def until(t: float) -> None:
    await asyncio.sleep(max(0.0, t - time.monotonic()))


async def settle(pool: Pool, screens: list[Screen], timeout: float) -> None:
    """Wait until every screen, phones included, shows every acknowledged ballot (or the timeout)."""
    acked = sum(s["acked"] for s in await pool.ask("stat", {}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        watching = [s.tallies[-1][1] if s.tallies else 0 for s in screens if s.round_id is not None]
        watching += [n for n in await pool.ask("shown", {}) if n is not None]
        if all(n >= acked for n in watching):
            return
        await asyncio.sleep(0.2)


async def ballots(
    args, pool: Pool, screens: list[Screen], pids: list[int], progress: Progress, turns: Turns | None = None
) -> dict:
    """The burst at R/s, then the ceiling phase (in turns with the other server, given `turns`);
    server and generator CPU over each window."""
    out: dict = {"windows": {}, "cpu": {}, "cpu_phase": {}, "wait": {}, "gen_cpu": {}}

    async def window(phase: str, seconds: float) -> None:
        progress.step = phase
        t0 = time.monotonic() + 0.5
        if phase == "burst":
            rate = args.ballots_per_second / len(pool.procs)
            task = asyncio.create_task(
                pool.ask(phase, {"t0": t0, "seconds": seconds, "rate": rate, "phase": phase})
            )
        else:
            task = asyncio.create_task(pool.ask("saturate", {"t0": t0, "seconds": seconds, "phase": phase}))
        try:
            await until(t0)
            c0, w0, g0 = prepare.cpu_seconds(pids), prepare.cpu_wait_seconds(pids), pool.cpu()
            await until(t0 + seconds)
            c1, w1, g1 = prepare.cpu_seconds(pids), prepare.cpu_wait_seconds(pids), pool.cpu()
            out[phase] = await task
        finally:
            task.cancel()  # when interrupted: no orphan waiting for workers that are gone
        out["windows"][phase] = (t0, t0 + seconds)
        out["cpu"][phase] = None if c0 is None or c1 is None else (c1 - c0) / seconds
        out["wait"][phase] = None if w0 is None or w1 is None else (w1 - w0) / seconds
        out["gen_cpu"][phase] = None if g0 is None or g1 is None else (g1 - g0) / seconds
        progress.step = phase + " (drain)"
        await pool.ask("drain", {"timeout": args.timeout})
        c2 = prepare.cpu_seconds(pids)
        out["cpu_phase"][phase] = None if c0 is None or c2 is None else c2 - c0
        await settle(pool, screens, 10)

    await window("burst", args.seconds)
    if args.saturate_seconds and turns is not None:
        out["turns"] = await turns.take(progress.name, lambda phase: window(phase, args.saturate_seconds))
    elif args.saturate_seconds:
        await window("saturate", args.saturate_seconds)
    return out


class Turns:
    """The ceiling measured in turns: each server's phones in turn, `rounds` times, the app's
    first in odd rounds and the bare server's in even ones, both rooms connected throughout.
    A shared machine's speed drifts over minutes, and two ceilings measured minutes apart
    carry that drift into their ratio; turns of a few seconds share it."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.windows: dict[str, Callable[[str], Awaitable[None]]] = {}
        self.arrived = {"app": asyncio.Event(), "bare": asyncio.Event()}
        self.done = asyncio.Event()

    async def take(self, side: str, window: Callable[[str], Awaitable[None]]) -> list[str]:
        """Wait for the other server's room; the room that comes last runs every turn.
        The phases' names, one per turn."""
        self.windows[side] = window
        self.arrived[side].set()
        phases = [f"saturate{k + 1}" for k in range(self.rounds)]
        if all(event.is_set() for event in self.arrived.values()):
            try:
                for k, phase in enumerate(phases):  # app first, then bare first: a drift within a
                    for each in ("app", "bare") if k % 2 == 0 else ("bare", "app"):  # pair evens out
                        await self.windows[each](phase)
            finally:
                self.done.set()
        else:
            await self.done.wait()
        return phases


async def join(
    args, pool: Pool, url: str, origin: str, code: str | None, workshop: int, pids: list[int]
) -> dict:
    n, p = args.participants, len(pool.procs)
    plans = [
        {
            "url": url,
            "origin": origin,
            "numbers": list(range(i, n, p)),
            "code": code,
            "workshop": workshop,
            "timeout": args.timeout,
            "concurrency": args.join_concurrency,
            "websocket_only": args.websocket_only,
            "start": time.monotonic() + 0.5,
            "spread": args.join_seconds,
            "total": n,
        }
        for i in range(p)
    ]
    await pool.started()
    t0, cpu0 = time.monotonic(), prepare.cpu_seconds(pids)
    answers = await pool.ask("join", plans)
    seconds, cpu1 = time.monotonic() - t0, prepare.cpu_seconds(pids)
    times = [t for a in answers for t in a["times"]]
    connected = sum(a["connected"] for a in answers)
    return {
        "connected": connected,
        "failed": sum(a["failed"] for a in answers),
        "seconds": seconds,
        "rate": connected / seconds if seconds else None,
        "times": times,
        "cpu_per_join": None if cpu0 is None or cpu1 is None or not connected else (cpu1 - cpu0) / connected,
    }


async def storm(args, pool: Pool, screens: list[Screen], pids: list[int], progress: Progress) -> dict:
    """K ideas over S seconds, one per phone, evenly spread: "everyone, send your ideas now".
    Then wait until every screen, phones included, shows every idea acknowledged (10 s at most)."""
    progress.step = "storm"
    t0 = time.monotonic() + 0.5
    cpu0 = None
    task = asyncio.create_task(
        pool.ask("storm", {"t0": t0, "seconds": args.storm_seconds, "total": args.storm})
    )
    try:
        await until(t0)
        cpu0 = prepare.cpu_seconds(pids)
        await task
    finally:
        task.cancel()
    answers = await pool.ask("storm_report", {})
    ideas = [i for a in answers for i in a["ideas"]]
    acked = sum(1 for i in ideas if i[3] == "ok")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if min(await pool.ask("storm_seen", {})) >= acked and all(len(s.seen) >= acked for s in screens):
            break
        await asyncio.sleep(0.2)
    cpu1 = prepare.cpu_seconds(pids)
    answers = await pool.ask("storm_report", {})
    return {
        "ideas": ideas,
        "seen": [seen for a in answers for seen in a["seen"]] + [s.seen for s in screens],
        "cpu": None if cpu0 is None or cpu1 is None else cpu1 - cpu0,
        "window": (t0, t0 + args.storm_seconds),
    }


async def fanout(args, pool: Pool, staff: Screen, pids: list[int], progress: Progress, phones: int) -> dict:
    """The cockpit changes the room K times, one after the other (submissions closed, opened):
    each a message to every screen, sent at once. Server CPU per delivered message."""
    progress.step = "fan-out"
    before = sum(await pool.ask("received", {}))
    cpu0 = prepare.cpu_seconds(pids)
    for k in range(args.fanout):
        await staff.command("set_submissions", {"open": k % 2 == 1}, args.timeout)
    if args.fanout % 2:
        await staff.command("set_submissions", {"open": True}, args.timeout)
    expected = before + phones * (args.fanout + args.fanout % 2)
    deadline = time.monotonic() + 10
    while (got := sum(await pool.ask("received", {}))) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    cpu1 = prepare.cpu_seconds(pids)
    return {
        "deliveries": got - before + 2 * (args.fanout + args.fanout % 2),  # and the cockpit and projector
        "cpu": None if cpu0 is None or cpu1 is None else cpu1 - cpu0,
        "changes": args.fanout + args.fanout % 2,
    }


async def collect(pool: Pool) -> dict:
    answers = await pool.ask("report", {})
    errors: dict[str, int] = {}
    for a in answers:
        for k, v in a["errors"].items():
            errors[k] = errors.get(k, 0) + v
    return {
        "ballots": [b for a in answers for b in a["ballots"]],
        "tallies": [t for a in answers for t in a["tallies"]],
        "versions": {pid: v for a in answers for pid, v in a["versions"].items()},
        "errors": errors,
    }


async def run_app(
    args,
    http: aiohttp.ClientSession,
    url: str,
    database: str | None,
    pids: list[int],
    turns: Turns | None = None,
) -> dict:
    origin = args.origin or "{0.scheme}://{0.netloc}".format(urlsplit(url))
    if args.email:
        email, password = args.email, args.password or ""
    else:
        email, password = f"bench-{secrets.token_hex(4)}@example.org", prepare.PASSWORD
        user = ["--email", email, "--name", "Bench", "--role", "facilitator", "--password", password]
        prepare.flask(database, "users", "create", *user, cwd=args.app_dir)
    cookies = await prepare.login(http, url, email, password)
    workshop = await prepare.create_workshop(http, url, cookies)
    headers = {"Origin": origin, "Cookie": cookie_header(cookies)}
    staff = await Screen().open(
        http, url, {"workshop": workshop, "view": "staff"}, headers, args.timeout, args.websocket_only
    )
    projector = await Screen().open(
        http, url, {"workshop": workshop, "view": "screen"}, headers, args.timeout, args.websocket_only
    )
    code = staff.snapshot["workshop"]["join_code"]
    await staff.command("set_phase", {"phase": "propose"}, args.timeout)
    out: dict = {"rss_before": prepare.rss_bytes(pids)}
    pool = Pool(args.processes, secrets.token_hex(3))
    progress = Progress(pool, "app", args.participants)
    try:
        progress.step = "join"
        out["join"] = await join(args, pool, url, origin, code, workshop, pids)
        out["rss_after"] = prepare.rss_bytes(pids)
        progress.step = "propose"
        t0 = time.monotonic()
        proposed = await pool.ask("propose", {"count": args.ideas})
        out["propose"] = {
            "latencies": [x for a in proposed for x in a["latencies"]],
            "seconds": time.monotonic() - t0,
        }
        if args.storm:
            out["storm"] = await storm(args, pool, [staff, projector], pids, progress)
        if args.fanout:
            out["fanout"] = await fanout(args, pool, staff, pids, progress, out["join"]["connected"])
        items = (await staff.command("get_snapshot", {}, args.timeout))["snapshot"]["items"]
        await staff.command("set_phase", {"phase": "vote"}, args.timeout)
        opened = await staff.command(
            "open_round",
            {
                "title": "Benchmark",
                "method": "dots",
                "target": "items",
                "budget": BUDGET,
                "cap": BUDGET,
                "item_ids": sorted(i["id"] for i in items)[:OPTIONS],
                "results_hidden": args.hidden_results,
            },
            args.timeout,
        )
        round_id = opened["round"]["id"]
        options = [o["id"] for o in opened["round"]["options"]]
        watch = not args.hidden_results
        await pool.ask(
            "round",
            {"round_id": round_id, "options": options, "record_tallies": watch, "max_version": BUDGET},
        )
        staff.round_id = projector.round_id = round_id
        await asyncio.sleep(1)  # the opening tally
        out |= await ballots(args, pool, [staff, projector], pids, progress, turns)
        out |= await collect(pool)
        out["tallies"] += [s.tallies for s in (staff, projector) if s.tallies or not args.hidden_results]
        out["rss_end"] = prepare.rss_bytes(pids)
        if database:
            stored = prepare.stored_versions(database, round_id)
            out["stored"] = sum(stored.values())
            out["lost"] = sum(max(0, v - stored.get(f"p{pid}", 0)) for pid, v in out["versions"].items())
    finally:
        progress.stop()
        await pool.close()
        await asyncio.gather(staff.sock.close(), projector.sock.close())
    return out


async def run_bare(args, http: aiohttp.ClientSession, workdir: Path, turns: Turns | None = None) -> dict:
    server = prepare.start_bare(workdir, args.async_mode, args.tally_interval)
    pids = [server.proc.pid]
    origin = server.url
    pool = None
    try:
        projector = await Screen().open(
            http,
            server.url,
            {"workshop": 1, "view": "screen"},
            {"Origin": origin},
            args.timeout,
            args.websocket_only,
        )
        out: dict = {"rss_before": prepare.rss_bytes(pids)}
        pool = Pool(args.processes, secrets.token_hex(3))
        progress = Progress(pool, "bare", args.participants)
        progress.step = "join"
        out["join"] = await join(args, pool, server.url, origin, None, 1, pids)
        out["rss_after"] = prepare.rss_bytes(pids)
        await pool.ask(
            "round",
            {
                "round_id": 1,
                "options": list(range(1, OPTIONS + 1)),
                "record_tallies": not args.hidden_results,
                "max_version": 10**9,  # no budget on the bare server
            },
        )
        projector.round_id = 1
        try:
            out |= await ballots(args, pool, [projector], pids, progress, turns)
            out |= await collect(pool)
            out["rss_end"] = prepare.rss_bytes(pids)
        finally:
            progress.stop()
        out["tallies"].append(projector.tallies)
        await projector.sock.close()
    finally:
        if pool:
            await pool.close()
        server.stop()
    return out


async def in_turns(args, http, url: str, database: str | None, pids: list[int], workdir: Path) -> dict:
    """The app's room up to its ceiling; then the bare server's room, joined while the app's
    waits; then the ceiling in turns (Turns)."""
    turns = Turns(args.turns)
    app = asyncio.create_task(run_app(args, http, url, database, pids, turns))
    arrived = asyncio.create_task(turns.arrived["app"].wait())
    await asyncio.wait([app, arrived], return_when=asyncio.FIRST_COMPLETED)
    arrived.cancel()
    if app.done():  # it failed before its ceiling: its error
        return {"app": app.result()}
    try:
        bare = await run_bare(args, http, workdir, turns)
    except BaseException:
        app.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app  # its room closes its sockets before the server stops
        raise
    finally:
        turns.done.set()
    return {"app": await app, "bare": bare}


async def main(args) -> int:
    prepare.raise_nofile()
    # `kill` stops the run like Ctrl-C: the finally blocks stop the servers this run started.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    started = None
    url, database = args.url, args.database
    if args.start:
        print(
            f"starting python wsgi.py ({args.async_mode}) on a temporary SQLite in {workdir}", file=sys.stderr
        )
        started, database = prepare.start_app(workdir, args.async_mode, database, args.app_dir)
        url = started.url
    url = url.rstrip("/")
    if not args.email and not database:
        sys.exit("give --database (to create a facilitator and count lost ballots) or --email/--password")
    pids = args.server_pid or ([started.proc.pid] if started else prepare.pids_on_port(url))
    if not pids:
        print(
            "no server process found on the port: CPU and RSS not measured (use --server-pid)",
            file=sys.stderr,
        )
    results: dict = {"load": os.getloadavg()}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), connector=connector) as http:
        try:
            if args.turns and not args.no_bare:
                results |= await in_turns(args, http, url, database, pids, workdir)
            else:
                results["app"] = await run_app(args, http, url, database, pids)
                if started:
                    started.stop()
                    started = None
                if not args.no_bare:
                    results["bare"] = await run_bare(args, http, workdir)
        finally:
            if started:
                started.stop()
    results["load_end"] = os.getloadavg()
    print(report.render(args, results, url, pids))
    if args.json:
        args.json.write_text(json.dumps(report.summary(args, results), indent=2))
    if results["app"].get("lost", 0):
        print(f"ballots were lost: the servers' logs and database are in {workdir}", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)  # kept, with the logs, when something went wrong
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse_args())))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted")
