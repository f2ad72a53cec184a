"""The worker processes seen from the parent: send a command to all, await their answers."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import threading

from bench import phones
from bench.prepare import cpu_seconds


class WorkerDied(RuntimeError):
    pass


class Pool:
    def __init__(self, processes: int, run_id: str) -> None:
        ctx = mp.get_context("spawn")  # a clean interpreter: no event loop or sockets inherited
        self.loop = asyncio.get_running_loop()
        self.conns, self.procs, self.inboxes = [], [], []
        self.stats: list[dict] = [{} for _ in range(processes)]
        for i in range(processes):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=phones.run, args=(theirs, i, run_id), daemon=True, name=f"phones-{i}")
            proc.start()
            theirs.close()
            inbox: asyncio.Queue = asyncio.Queue()
            self.conns.append(ours)
            self.procs.append(proc)
            self.inboxes.append(inbox)
            threading.Thread(target=self._pump, args=(i, ours, inbox), daemon=True).start()

    def _pump(self, i: int, conn, inbox: asyncio.Queue) -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                self.loop.call_soon_threadsafe(inbox.put_nowait, ("dead", None, None))
                return
            if msg[0] == "stat":
                self.stats[i] = msg[1]
            else:
                self.loop.call_soon_threadsafe(inbox.put_nowait, msg)

    async def started(self, timeout: float = 60) -> None:
        """Wait until every worker has imported its modules and listens."""
        for i in range(len(self.conns)):
            await asyncio.wait_for(self._answer(i, "ready"), timeout)

    async def ask(self, name: str, args: dict | list[dict], timeout: float | None = None) -> list:
        """Send one command to every worker (the same args, or one dict each) and await all answers."""
        per_worker = args if isinstance(args, list) else [args] * len(self.conns)
        for conn, a in zip(self.conns, per_worker, strict=True):
            conn.send((name, a))
        return [await asyncio.wait_for(self._answer(i, name), timeout) for i in range(len(self.conns))]

    async def _answer(self, i: int, name: str):
        kind, got, result = await self.inboxes[i].get()
        if kind == "dead":
            raise WorkerDied(f"worker {i} died during {name}")
        assert got == name, (got, name)
        return result

    def total(self, key: str) -> int:
        return sum(s.get(key, 0) for s in self.stats)

    def cpu(self) -> float | None:
        return cpu_seconds([p.pid for p in self.procs if p.is_alive()])

    async def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("close", {}))
        for proc in self.procs:
            await asyncio.to_thread(proc.join, 10)
            if proc.is_alive():
                proc.terminate()
                await asyncio.to_thread(proc.join, 5)
