"""A lean Socket.IO v5 client over one websocket: what a phone needs, and nothing more.

python-socketio's AsyncClient costs a task per message and a reconnection machine
per connection; with 1,000 simulated phones in one process that overhead, not the
server, would set the figures. This client speaks the wire protocol directly: one
namespace, events with acks, and the engine's ping/pong. Events it is not asked about
are dropped without parsing their JSON.

It joins as the browser's socket.io-client does by default: the Engine.IO handshake and
the namespace's connect over long-polling, then the probe and the upgrade to a WebSocket,
offering compression (permessage-deflate) as every browser does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp

Handler = Callable[[str, float], None]  # (raw JSON payload, arrival time) -> None


class ConnectRefused(Exception):
    pass


class Socket:
    """One connection to one namespace. `handlers` maps an event name to a function of
    (the payload's raw JSON text, the monotonic arrival time)."""

    def __init__(self, namespace: str = "/live", handlers: dict[str, Handler] | None = None) -> None:
        self.namespace = namespace
        self.handlers = handlers or {}
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._prefix_event = f"42{namespace},"
        self._prefix_ack = f"43{namespace},"
        self._next_id = 0
        self._acks: dict[int, Callable[[dict | None, float], None]] = {}
        self._joined: asyncio.Future | None = None
        self._reader: asyncio.Task | None = None
        self.closed = False
        self.received = 0  # event messages, of every kind

    async def connect(
        self,
        session: aiohttp.ClientSession,
        url: str,
        auth: dict,
        headers: dict,
        timeout: float,
        websocket_only: bool = False,
    ) -> None:
        """Join the namespace; `websocket_only`: straight to the WebSocket, as a client with
        `transports: ["websocket"]` (no long-polling first)."""
        parts = urlsplit(url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parts.netloc}/socket.io/?EIO=4&transport=websocket"
        hello = f"40{self.namespace},{json.dumps(auth, separators=(',', ':'))}"
        self._joined = asyncio.get_running_loop().create_future()
        async with asyncio.timeout(timeout):
            if websocket_only:
                self.ws = await self._websocket(session, ws_url, headers)
                first = await self.ws.receive()
                if first.type != aiohttp.WSMsgType.TEXT or not first.data.startswith("0"):
                    raise ConnectRefused(f"no engine.io open packet: {first.type} {first.data!r:.80}")
                self._reader = asyncio.create_task(self._read())
                await self.ws.send_str(hello)
            else:
                polling = f"{parts.scheme}://{parts.netloc}/socket.io/?EIO=4&transport=polling"
                opened = await self._poll(session, polling, headers)
                if not opened.startswith("0"):
                    raise ConnectRefused(f"no engine.io open packet: {opened!r:.80}")
                sid = json.loads(opened[1:])["sid"]
                polling += f"&sid={sid}"
                async with session.post(polling, data=hello, headers=headers) as r:
                    if r.status != 200:
                        raise ConnectRefused(f"connect answered {r.status}")
                for packet in (await self._poll(session, polling, headers)).split("\x1e"):
                    self._packet(packet, time.monotonic())
                self.ws = await self._websocket(session, f"{ws_url}&sid={sid}", headers)
                await self.ws.send_str("2probe")
                probe = await self.ws.receive()
                if probe.type != aiohttp.WSMsgType.TEXT or probe.data != "3probe":
                    raise ConnectRefused(f"no probe answer: {probe.type} {probe.data!r:.80}")
                await self.ws.send_str("5")  # upgrade: from now on, everything on the WebSocket
                self._reader = asyncio.create_task(self._read())
            await self._joined

    @staticmethod
    async def _poll(session: aiohttp.ClientSession, url: str, headers: dict) -> str:
        async with session.get(url, headers=headers) as r:
            if r.status != 200:
                raise ConnectRefused(f"long-polling answered {r.status}")
            return await r.text()

    @staticmethod
    async def _websocket(session: aiohttp.ClientSession, url: str, headers: dict):
        # compress=15 offers permessage-deflate with client_max_window_bits, as Chromium does.
        return await session.ws_connect(url, headers=headers, autoping=True, max_msg_size=0, compress=15)

    def emit(
        self, event: str, data: dict, on_ack: Callable[[dict | None, float], None] | None = None
    ) -> None:
        """Send an event; `on_ack(ack, arrival time)` runs when its ack arrives (ack None: closed)."""
        body = json.dumps([event, data], separators=(",", ":"))
        if on_ack is None:
            packet = self._prefix_event + body
        else:
            self._next_id += 1
            self._acks[self._next_id] = on_ack
            packet = f"{self._prefix_event}{self._next_id}{body}"
        if self.ws is None or self.closed:
            if on_ack:
                self._acks.pop(self._next_id, None)
                on_ack(None, time.monotonic())
            return
        # send_str only queues the frame on the transport; nothing to await for a small one.
        asyncio.ensure_future(self.ws.send_str(packet)).add_done_callback(_ignore)

    async def call(self, event: str, data: dict, timeout: float) -> dict:
        """Send an event and wait for its ack."""
        fut = asyncio.get_running_loop().create_future()

        def done(ack: dict | None, _t: float) -> None:
            if not fut.done():
                fut.set_result(ack)

        self.emit(event, data, done)
        ack = await asyncio.wait_for(fut, timeout)
        if ack is None:
            raise ConnectionError("closed before the ack")
        return ack

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None and not self.ws.closed:
            try:
                await self.ws.send_str(f"41{self.namespace},")
                await self.ws.close()
            except (aiohttp.ClientError, ConnectionError, RuntimeError):
                pass
        if self._reader:
            self._reader.cancel()

    async def _read(self) -> None:
        ws = self.ws
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._packet(msg.data, time.monotonic())
        except (aiohttp.ClientError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            self._fail(ConnectRefused("connection closed"))
            acks, self._acks = self._acks, {}
            now = time.monotonic()
            for on_ack in acks.values():
                on_ack(None, now)

    def _packet(self, text: str, now: float) -> None:
        if text.startswith(self._prefix_event):
            self.received += 1
            body = text[len(self._prefix_event) :]
            end = body.find('"', 2)
            handler = self.handlers.get(body[2:end])
            if handler is not None:
                # The payload is the second element of ["name", payload]: strip the frame.
                handler(body[end + 2 : -1], now)
        elif text.startswith(self._prefix_ack):
            body = text[len(self._prefix_ack) :]
            i = 0
            while body[i].isdigit():
                i += 1
            on_ack = self._acks.pop(int(body[:i]), None)
            if on_ack is not None:
                args = json.loads(body[i:])
                on_ack(args[0] if args else {}, now)
        elif text == "2" and self.ws is not None:
            asyncio.ensure_future(self.ws.send_str("3")).add_done_callback(_ignore)
        elif text.startswith(f"40{self.namespace},"):
            if self._joined and not self._joined.done():
                self._joined.set_result(True)
        elif text.startswith(f"44{self.namespace},"):
            self._fail(ConnectRefused(text[len(self.namespace) + 3 :]))
        elif text.startswith(f"41{self.namespace}") or text == "1":
            asyncio.ensure_future(self.close())

    def _fail(self, error: Exception) -> None:
        if self._joined and not self._joined.done():
            self._joined.set_exception(error)


def _ignore(fut: asyncio.Future) -> None:
    if not fut.cancelled():
        fut.exception()


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def take_cookies(response: aiohttp.ClientResponse, cookies: dict[str, str]) -> None:
    """Keep the cookies a response sets (each simulated phone has its own little jar)."""
    for name, morsel in response.cookies.items():
        cookies[name] = morsel.value


def csrf_from(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


async def send_join_form(
    session: aiohttp.ClientSession, url: str, code: str, form: dict, cookies: dict
) -> None:
    """POST the join form as a browser does, and get to the room: the form's answer is the room
    page itself; a revision that answers with a redirect (before 2026-12) costs a GET more."""
    headers = {"Cookie": cookie_header(cookies)}
    async with session.post(f"{url}/j/{code}", data=form, headers=headers, allow_redirects=False) as r:
        body = await r.text()
        take_cookies(r, cookies)
        room = r.headers.get("Location") if r.status == 302 else None
        if room is None and not (r.status == 200 and 'id="boot"' in body):
            raise ConnectRefused(f"join answered {r.status}")
    if room is not None:
        page = f"{url}{room}" if room.startswith("/") else room
        async with session.get(page, headers={"Cookie": cookie_header(cookies)}) as r:
            if r.status != 200:
                raise ConnectRefused(f"the room page answered {r.status}")
            await r.read()
