"""A worker process: a share of the simulated phones, each a lean asyncio websocket.

The parent sends commands over a pipe (join, propose, round, burst, saturate,
drain, report, close) and gets back a "done" message for each, plus a "stat"
line every second. Every time is `time.monotonic()`, one clock for every process
on the machine, so the parent can line up sends, acks and tally arrivals.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import Counter, deque

import aiohttp

from bench.client import ConnectRefused, Socket, cookie_header, csrf_from, send_join_form, take_cookies
from bench.prepare import raise_nofile

BUDGET = 100  # a voter's k-th ballot carries k points: the app's round allows 100 ballots a voter


class Phone:
    """One participant: their socket, the ballot version the server holds, their tallies."""

    def __init__(self, worker: Worker, n: int) -> None:
        self.worker, self.n = worker, n
        self.sock: Socket | None = None
        self.pid: int | None = None  # participant id, from the snapshot
        self.version = 0
        self.busy = False
        self.token = 0  # the ballot in flight; a late ack of an abandoned one is ignored
        self.snapshot: asyncio.Future | None = None
        self.tallies: list[tuple[float, float]] = []  # (arrival, points counted)
        self.seen: dict[int, float] = {}  # storm idea number -> when this screen first had it

    def on_snapshot(self, raw: str, _t: float) -> None:
        snap = json.loads(raw)
        if snap.get("me"):
            self.pid = snap["me"]["id"]
        mine = (snap.get("my_ballots") or {}).get(str(self.worker.round_id))
        if mine:
            self.version = max(self.version, mine["version"])
        if self.snapshot and not self.snapshot.done():
            self.snapshot.set_result(True)

    def on_tally(self, raw: str, t: float) -> None:
        points = tally_points(raw, self.worker.round_id)
        if points is not None and self.worker.record_tallies:
            self.tallies.append((t, points))

    def on_items(self, raw: str, t: float) -> None:
        see_ideas(raw, t, self.seen)

    def cast(self, phase: str) -> None:
        """Send the next ballot: built on the version of the last ack, k points for version k."""
        w = self.worker
        version = self.version + 1
        a, b = w.options[self.n % len(w.options)], w.options[(self.n + 1) % len(w.options)]
        ballot = {str(a): (version + 1) // 2}
        if version // 2:
            ballot[str(b)] = version // 2
        self.busy, self.token = True, self.token + 1
        token, sent = self.token, time.monotonic()
        record = [phase, sent, 0.0, "pending"]
        w.ballots.append(record)
        w.sent += 1
        payload = {
            "op_id": f"{w.run_id}{self.n:06d}v{version:03d}",
            "round_id": w.round_id,
            "base_version": self.version,
            "ballot": ballot,
        }
        w.inflight[(self.n, token)] = (self, record)
        self.sock.emit("cast_ballot", payload, lambda ack, t: self.on_ack(ack, t, token, record))

    def on_ack(self, ack: dict | None, t: float, token: int, record: list) -> None:
        w = self.worker
        if w.inflight.pop((self.n, token), None) is None:
            return  # abandoned after its timeout
        record[2] = t
        if ack and ack.get("ok"):
            record[3] = "ok"
            self.version = ack["version"]
            w.acked += 1
            self.busy = False
            w.idle_phone(self)
        else:
            record[3] = (ack or {}).get("code") or ("closed" if ack is None else "error")
            w.errors[record[3]] += 1
            asyncio.ensure_future(self.resync())

    async def resync(self) -> None:
        """After a refused or lost ballot: learn the stored version from a snapshot, as live.js does."""
        try:
            ack = await self.sock.call("get_snapshot", {}, self.worker.timeout)
            self.on_snapshot(json.dumps(ack["snapshot"]), time.monotonic())
        except (TimeoutError, ConnectionError, KeyError, TypeError):
            return  # stays busy: this phone sends no more
        self.busy = False
        self.worker.idle_phone(self)


STORM = "Storm idea "  # the text of the storm's ideas, then their number


def see_ideas(raw: str, t: float, seen: dict[int, float]) -> None:
    """Note when the storm ideas in an `item_changed` or a beat's `changed` first reached a screen."""
    if STORM not in raw:
        return
    payload = json.loads(raw)
    changes = payload.get("changes", [["item_changed", payload]])
    for event, change in changes:
        text = change["item"]["text"] if event == "item_changed" else ""
        if text.startswith(STORM):
            seen.setdefault(int(text[len(STORM) :]), t)


def tally_points(raw: str, round_id: int | None) -> float | None:
    """All points in a dot round's tally: the number of ballots it counts (see docs/performance.md)."""
    if round_id is None:
        return None
    tally = json.loads(raw)
    if tally.get("round_id") != round_id or "results" not in tally:
        return None
    return sum(r.get("points", 0) for r in tally["results"])


class Worker:
    def __init__(self, conn, index: int, run_id: str) -> None:
        self.conn, self.index, self.run_id = conn, index, run_id
        self.phones: list[Phone] = []
        self.round_id: int | None = None
        self.options: list[int] = []
        self.record_tallies = False
        self.max_version = BUDGET
        self.timeout = 30.0
        self.websocket_only = False
        self.ballots: list[list] = []
        self.inflight: dict[tuple[int, int], tuple[Phone, list]] = {}
        self.idle: deque[Phone] = deque()
        self.saturating: str | None = None
        self.sent = self.acked = self.connected = self.failed = 0
        self.errors: Counter[str] = Counter()
        self.http: aiohttp.ClientSession | None = None
        self.storm: list[tuple[int, float, float, str]] = []  # (idea, sent, acked, outcome)

    # --- the command loop -----------------------------------------------------------

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue = asyncio.Queue()

        def pump() -> None:
            while True:
                try:
                    msg = self.conn.recv()
                except (EOFError, OSError):
                    msg = ("close", {})
                loop.call_soon_threadsafe(inbox.put_nowait, msg)
                if msg[0] == "close":
                    return

        threading.Thread(target=pump, daemon=True).start()
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), connector=connector)
        stats = asyncio.create_task(self.report_stats())
        self.conn.send(("done", "ready", {}))
        try:
            while True:
                name, args = await inbox.get()
                if name == "close":
                    break
                result = await getattr(self, "do_" + name)(**args)
                self.conn.send(("done", name, result))
        finally:
            stats.cancel()
            await asyncio.gather(*(p.sock.close() for p in self.phones if p.sock), return_exceptions=True)
            await self.http.close()

    async def report_stats(self) -> None:
        while True:
            await asyncio.sleep(1)
            self.conn.send(("stat", self.stat()))

    def stat(self) -> dict:
        live = sum(1 for p in self.phones if p.sock and not p.sock.closed)
        tallies = sum(len(p.tallies) for p in self.phones)
        return {
            "connected": live,
            "failed": self.failed,
            "sent": self.sent,
            "acked": self.acked,
            "errors": sum(self.errors.values()),
            "tallies": tallies,
        }

    # --- commands ---------------------------------------------------------------------

    async def do_join(
        self,
        url: str,
        origin: str,
        numbers: list[int],
        code: str | None,
        workshop: int,
        timeout: float,
        concurrency: int,
        websocket_only: bool = False,
        start: float = 0.0,
        spread: float = 0.0,
        total: int = 1,
    ) -> dict:
        """Each phone joins by code over HTTP (app) or straight away (bare), then connects;
        with `spread`, phone n starts at start + n * spread / total (phones arriving over time)."""
        self.timeout = timeout
        self.websocket_only = websocket_only
        gate = asyncio.Semaphore(concurrency)
        times: list[float] = []

        async def one(n: int) -> None:
            phone = Phone(self, n)
            if spread:
                await asyncio.sleep(max(0.0, start + n * spread / total - time.monotonic()))
            async with gate:
                t0 = time.monotonic()
                try:
                    await self._join(phone, url, origin, code, workshop, timeout)
                except (TimeoutError, aiohttp.ClientError, ConnectRefused, OSError, IndexError) as e:
                    self.failed += 1
                    self.errors["join: " + type(e).__name__] += 1
                    if phone.sock:
                        await phone.sock.close()
                    return
                times.append(time.monotonic() - t0)
                self.phones.append(phone)
                self.connected += 1

        await asyncio.gather(*(one(n) for n in numbers))
        return {"connected": self.connected, "failed": self.failed, "times": times}

    async def _join(
        self, phone: Phone, url: str, origin: str, code: str | None, workshop: int, timeout: float
    ) -> None:
        cookies: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            if code is not None:
                async with self.http.get(f"{url}/j/{code}") as r:
                    html = await r.text()
                    take_cookies(r, cookies)
                form = {
                    "csrf_token": csrf_from(html),
                    "display_name": f"Phone {phone.n}",
                    "organisation": "",
                    "cluster_id": "0",
                    "sector": "",
                    "consent": "y",
                }
                await send_join_form(self.http, url, code, form, cookies)  # the room, which opens the socket
            phone.snapshot = asyncio.get_running_loop().create_future()
            handlers = {"snapshot": phone.on_snapshot, "tally_changed": phone.on_tally}
            phone.sock = Socket(
                handlers=handlers | {"changed": phone.on_items, "item_changed": phone.on_items}
            )
            headers = {"Origin": origin}
            if cookies:
                headers["Cookie"] = cookie_header(cookies)
            auth = {"workshop": workshop, "view": "participant"}
            await phone.sock.connect(self.http, url, auth, headers, timeout, self.websocket_only)
            await phone.snapshot

    async def do_propose(self, count: int) -> dict:
        """Phones numbered below `count` propose one idea each; returns the ack latencies."""
        latencies: list[float] = []
        refused: Counter[str] = Counter()

        async def one(phone: Phone) -> None:
            t0 = time.monotonic()
            data = {"op_id": f"{self.run_id}{phone.n:06d}idea", "kind": "idea", "text": f"Idea {phone.n}"}
            try:
                ack = await phone.sock.call("propose_item", data, self.timeout)
            except (TimeoutError, ConnectionError):
                refused["timeout"] += 1
                return
            if ack.get("ok"):
                latencies.append(time.monotonic() - t0)
            else:
                refused[ack.get("code") or "error"] += 1

        await asyncio.gather(*(one(p) for p in self.phones if p.n < count))
        self.errors.update({"propose: " + k: v for k, v in refused.items()})
        return {"latencies": latencies, "refused": dict(refused)}

    async def do_storm(self, t0: float, seconds: float, total: int) -> dict:
        """Idea n of `total` from phone n, at t0 + n * seconds / total: the room sending its ideas now."""
        phones = sorted((p for p in self.phones if p.n < total), key=lambda p: p.n)

        async def one(phone: Phone) -> None:
            await asyncio.sleep(max(0.0, t0 + phone.n * seconds / total - time.monotonic()))
            data = {"op_id": f"{self.run_id}{phone.n:06d}storm", "kind": "idea", "text": f"{STORM}{phone.n}"}
            sent = time.monotonic()
            try:
                ack = await phone.sock.call("propose_item", data, self.timeout)
                outcome = "ok" if ack.get("ok") else ack.get("code") or "error"
            except (TimeoutError, ConnectionError):
                outcome = "timeout"
            self.storm.append((phone.n, sent, time.monotonic(), outcome))
            if outcome != "ok":
                self.errors["storm: " + outcome] += 1

        await asyncio.gather(*(one(p) for p in phones))
        return {}

    async def do_storm_seen(self) -> int:
        """The fewest storm ideas any phone of this worker has shown."""
        return min((len(p.seen) for p in self.phones), default=0)

    async def do_storm_report(self) -> dict:
        return {"ideas": self.storm, "seen": [p.seen for p in self.phones]}

    async def do_received(self) -> int:
        """Event messages these phones received so far (every kind)."""
        return sum(p.sock.received for p in self.phones if p.sock)

    async def do_round(
        self, round_id: int, options: list[int], record_tallies: bool, max_version: int
    ) -> dict:
        """The round to vote in; a phone stops at max_version (the budget; the bare server has none)."""
        self.round_id, self.options, self.record_tallies = round_id, options, record_tallies
        self.max_version = max_version
        for phone in self.phones:
            phone.version = 0
        return {}

    def idle_phone(self, phone: Phone) -> None:
        if self.saturating and phone.version < self.max_version and not phone.sock.closed:
            phone.cast(self.saturating)
        else:
            self.idle.append(phone)

    def _ready(self) -> Phone | None:
        while self.idle:
            phone = self.idle.popleft()
            if not phone.busy and phone.version < self.max_version and not phone.sock.closed:
                return phone
        return None

    async def do_burst(self, t0: float, seconds: float, rate: float, phase: str) -> dict:
        """Ballots at a steady `rate` per second, each from an idle phone (one in flight per phone)."""
        self.idle = deque(p for p in self.phones if not p.busy)
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        end, i, starved = t0 + seconds, 0, 0
        while (now := time.monotonic()) < end:
            while t0 + i / rate <= now:
                phone = self._ready()
                if phone is None:
                    starved += 1
                    break
                phone.cast(phase)
                i += 1
            await asyncio.sleep(max(0.0005, min(t0 + i / rate, end) - time.monotonic()))
        return {"scheduled": int(seconds * rate), "sent": i, "starved": starved}

    async def do_saturate(self, t0: float, seconds: float, phase: str) -> dict:
        """Every phone keeps one ballot in flight: the most the server acknowledges per second."""
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        self.saturating = phase
        for phone in self.phones:
            if not phone.busy and phone.version < self.max_version and not phone.sock.closed:
                phone.cast(phase)
        self.idle.clear()
        await asyncio.sleep(max(0.0, t0 + seconds - time.monotonic()))
        self.saturating = None
        # A phone at version 100 has spent its budget and stops: the ceiling needs enough phones.
        return {"exhausted": sum(1 for p in self.phones if p.version >= self.max_version)}

    async def do_drain(self, timeout: float) -> dict:
        """Wait for the acks still in flight; those that never come are counted as timeouts."""
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for _phone, record in list(self.inflight.values()):
            record[3] = "timeout"
            self.errors["timeout"] += 1
        self.inflight.clear()
        return {"pending": 0}

    async def do_stat(self) -> dict:
        return self.stat()

    async def do_shown(self) -> float | None:
        """The fewest ballots any of these phones has seen counted (None: phones do not watch)."""
        if not self.record_tallies or not self.phones:
            return None
        return min((p.tallies[-1][1] if p.tallies else 0) for p in self.phones)

    async def do_report(self) -> dict:
        return {
            "ballots": [tuple(r) for r in self.ballots],
            "tallies": [p.tallies for p in self.phones if p.tallies or self.record_tallies],
            "versions": {p.pid: p.version for p in self.phones if p.pid is not None},
            "errors": dict(self.errors),
        }


def run(conn, index: int, run_id: str) -> None:
    """Entry point of a worker process."""
    # Ctrl-C reaches the whole process group: the parent decides, and closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise_nofile()
    asyncio.run(Worker(conn, index, run_id).main())
