"""One phone floods the room while the others work: are they still answered, and what did it store?

    python -m bench.flood [--async-mode eventlet] [--phones 50] [--events 2000] [--seconds 10]
    python -m bench.flood --app-dir ../an-older-checkout    # the same against another checkout

Starts `python wsgi.py` on a temporary SQLite with the app's own budgets (app/budgets.py),
a facilitator's cockpit and projector, and N phones. Then two
windows of --seconds each: first the room alone, then the same while one more joined phone
(the flooder) sends --events events (half propose_item, half get_snapshot, each asking
for an ack) spread evenly over the window, without waiting for answers. Throughout,
every phone proposes an idea every 6 to 7 s (what every screen then shows: the busy
moment of "everyone, your ideas now") and an HTTP client asks for GET /login five times
a second.

Printed: the others' ack latency and /login latency (p50, p99, max) in both windows, what the
flooder was answered, and how many of its ideas the database holds. Definitions and
figures: docs/performance.md ("One phone floods the room").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench import prepare
from bench.client import Socket, cookie_header, csrf_from, send_join_form, take_cookies
from bench.room import Screen
from bench.stats import percentiles

TIMEOUT = 30.0  # an ack later than this counts as lost


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__, formatter_class=raw)
    p.add_argument("--async-mode", default="gevent", choices=("gevent", "eventlet"))
    p.add_argument("--app-dir", type=Path, default=prepare.ROOT, help="the checkout to serve")
    p.add_argument("--phones", type=int, default=50)
    p.add_argument("--events", type=int, default=2000, help="the flooder's events in the second window")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument(
        "--lifted", action="store_true", help="lift the app's budgets: what the transport's turns alone do"
    )
    return p.parse_args(argv)


class Room:
    """The phones, the projector and what they measured."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url
        self.phones: list[Socket] = []
        self.acks: list[tuple[float, float, str]] = []  # (sent, latency, outcome) of the phones' commands
        self.logins: list[tuple[float, float]] = []  # (sent, latency) of GET /login

    async def join(self, code: str, workshop: int, name: str) -> Socket:
        cookies: dict[str, str] = {}
        async with self.http.get(f"{self.url}/j/{code}") as r:
            html = await r.text()
            take_cookies(r, cookies)
        form = {"csrf_token": csrf_from(html), "display_name": name, "cluster_id": "0", "consent": "y"}
        await send_join_form(self.http, self.url, code, form, cookies)
        sock = Socket()
        headers = {"Origin": self.url, "Cookie": cookie_header(cookies)}
        auth = {"workshop": workshop, "view": "participant"}
        await sock.connect(self.http, self.url, auth, headers, TIMEOUT)
        return sock

    async def work(self, phone: Socket, until: float) -> None:
        """A person when the room is asked for ideas: one every 6 to 7 s, waiting for each answer."""
        await asyncio.sleep(random.uniform(0, 6))
        while time.monotonic() < until:
            t0 = time.monotonic()
            data = {"op_id": "bench" + secrets.token_hex(8), "kind": "idea", "text": "Another idea"}
            try:
                ack = await phone.call("propose_item", data, TIMEOUT)
                outcome = "ok" if ack.get("ok") else ack.get("code", "refused")
            except (TimeoutError, ConnectionError):
                outcome = "lost"
            self.acks.append((t0, time.monotonic() - t0, outcome))
            await asyncio.sleep(random.uniform(6, 7))

    async def poll_login(self, until: float) -> None:
        while time.monotonic() < until:
            t0 = time.monotonic()
            try:
                async with self.http.get(self.url + "/login", timeout=aiohttp.ClientTimeout(TIMEOUT)) as r:
                    await r.read()
                self.logins.append((t0, time.monotonic() - t0))
            except (TimeoutError, aiohttp.ClientError):
                self.logins.append((t0, TIMEOUT))
            await asyncio.sleep(0.2)


async def flood(sock: Socket, events: int, seconds: float) -> Counter:
    """Send `events` events evenly over `seconds` without waiting; count the answers by kind."""
    answers: Counter[str] = Counter()

    def answered(ack: dict | None, _t: float) -> None:
        answers["lost" if ack is None else "ok" if ack.get("ok") else ack.get("code", "refused")] += 1

    t0 = time.monotonic()
    for n in range(events):
        await asyncio.sleep(max(0.0, t0 + n * seconds / events - time.monotonic()))
        if n % 2:
            sock.emit("get_snapshot", {}, answered)
        else:
            data = {"op_id": f"flood{n:010d}", "kind": "idea", "text": f"Spam {n}"}
            sock.emit("propose_item", data, answered)
    deadline = time.monotonic() + TIMEOUT
    while sum(answers.values()) < events and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    answers["unanswered"] = events - sum(answers.values())
    return answers


def figures(samples: list[tuple[float, float]], start: float, end: float) -> str:
    window = [latency for sent, latency in samples if start <= sent < end]
    p = percentiles(window, (50, 99))
    if not p:
        return "no samples"
    ms = [p[0] * 1000, p[1] * 1000, max(window) * 1000]
    return f"p50 {ms[0]:7.1f} ms  p99 {ms[1]:7.1f} ms  max {ms[2]:7.1f} ms  (n={len(window)})"


async def run(args, http: aiohttp.ClientSession, url: str, database: str) -> dict:
    email = f"bench-{secrets.token_hex(4)}@example.org"
    user = ["--email", email, "--name", "Bench", "--role", "facilitator", "--password", prepare.PASSWORD]
    prepare.flask(database, "users", "create", *user, cwd=args.app_dir)
    cookies = await prepare.login(http, url, email, prepare.PASSWORD)
    workshop = await prepare.create_workshop(http, url, cookies)
    headers = {"Origin": url, "Cookie": cookie_header(cookies)}
    staff = await Screen().open(http, url, {"workshop": workshop, "view": "staff"}, headers, TIMEOUT)
    await Screen().open(http, url, {"workshop": workshop, "view": "screen"}, headers, TIMEOUT)
    await staff.command("set_phase", {"phase": "propose"}, TIMEOUT)
    room = Room(http, url)
    code = staff.snapshot["workshop"]["join_code"]
    room.phones = [await room.join(code, workshop, f"Phone {n}") for n in range(args.phones)]
    flooder = await room.join(code, workshop, "Flooder")
    pids = [args.server_pid]
    rss, cpu = [prepare.rss_bytes(pids)], [prepare.cpu_seconds(pids)]
    t0 = time.monotonic()
    t1, t2 = t0 + args.seconds, t0 + 2 * args.seconds
    tasks = [asyncio.create_task(room.work(p, t2)) for p in room.phones]
    tasks.append(asyncio.create_task(room.poll_login(t2)))
    await asyncio.sleep(max(0.0, t1 - time.monotonic()))
    cpu.append(prepare.cpu_seconds(pids))
    answers = await flood(flooder, args.events, args.seconds)
    cpu.append(prepare.cpu_seconds(pids))
    await asyncio.gather(*tasks)
    rss.append(prepare.rss_bytes(pids))
    out = {"room": room, "windows": (t0, t1, t2), "answers": answers, "workshop": workshop}
    return out | {"rss": rss, "cpu": cpu}


def stored_by(database: str, name: str) -> int:
    with sqlite3.connect(database.removeprefix("sqlite:///")) as conn:
        return conn.execute(
            "SELECT count(*) FROM items JOIN participants ON participants.id = items.participant_id "
            "WHERE participants.display_name = ?",
            (name,),
        ).fetchone()[0]


def render(args, out: dict, database: str) -> str:
    room, (t0, t1, t2), answers = out["room"], out["windows"], out["answers"]
    outcomes = Counter(o for sent, _l, o in room.acks if t1 <= sent < t2)
    acks = [(sent, latency) for sent, latency, _o in room.acks]
    lifted = ", budgets lifted" if args.lifted else ""
    lines = [
        f"{args.phones} phones and a projector, {args.async_mode}{lifted}; "
        f"the flooder: {args.events} events in {args.seconds:g} s",
        "",
        "                      the others' command acks                           GET /login",
        f"room alone            {figures(acks, t0, t1)}   {figures(room.logins, t0, t1)}",
        f"while one phone floods {figures(acks, t1, t2)}   {figures(room.logins, t1, t2)}",
        f"the others' answers while it floods: {dict(outcomes)}",
        f"the flooder was answered: {dict(answers)}",
        f"ideas the flooder stored: {stored_by(database, 'Flooder')}",
        "server RSS before the windows / after: {:.1f} / {:.1f} MB".format(*(b / 2**20 for b in out["rss"])),
        "server CPU, room alone / while it floods (and until answered): {:.2f} / {:.2f} s".format(
            out["cpu"][1] - out["cpu"][0], out["cpu"][2] - out["cpu"][1]
        ),
    ]
    return "\n".join(lines)


async def main(args) -> int:
    prepare.raise_nofile()
    workdir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    print(f"starting python wsgi.py ({args.async_mode}) on a temporary SQLite in {workdir}", file=sys.stderr)
    budgets = prepare.LIFTED_BUDGETS if args.lifted else {}
    started, database = prepare.start_app(workdir, args.async_mode, app_dir=args.app_dir, budgets=budgets)
    args.server_pid = started.proc.pid
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            out = await run(args, http, started.url, database)
    finally:
        started.stop()
    print(render(args, out, database))
    if "Traceback" in started.log.read_text(errors="replace"):
        print(f"the server's log holds a traceback: {started.log}", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse_args())))
    except KeyboardInterrupt:
        sys.exit("interrupted")
