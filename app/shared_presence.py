"""The participants of each workshop connected to each app process, shared through Redis.

With several processes (REDIS_URL) a screen's "23 connected" is the union over the
processes that are alive; `app/realtime/attendance.py`'s `Presence` keeps this process's part here.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import NamedTuple

from app import redis_client


class Remote(NamedTuple):
    """The other processes' participants of a workshop, as read from Redis."""

    generation: int  # bumped by every process's change of its own set
    valid_until: float  # when the first of those processes expires unless it renews
    members: frozenset[int]

    def current(self, generation: int) -> bool:
        return generation == self.generation and time.time() < self.valid_until


class SharedPresence:
    """Each process's participants per workshop in Redis, with an expiry renewed by a heartbeat.

    Keys, per workshop `<id>`: `bcd:presence:<id>:procs`, a sorted set of process ids
    scored by the time their entry expires; `bcd:presence:<id>:<process>`, the set of
    that process's participant ids, which expires with it; `bcd:presence:<id>:gen`,
    bumped whenever a process's set changes. A process that dies stops renewing its
    entry, and `ttl` seconds later its phones no longer count.
    """

    def __init__(self, url: str, ttl: float) -> None:
        self.url, self.ttl = url, max(ttl, 1.0)
        self.me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._redis = redis_client.client(url, timeout=5)
        self._written: dict[int, frozenset[int]] = {}  # workshop -> the set this process stored last

    @staticmethod
    def _key(workshop_id: int, part: str) -> str:
        return f"bcd:presence:{workshop_id}:{part}"

    def update(self, workshop_id: int, local: set[int]) -> Remote:
        """Store (or renew) this process's participants of a workshop; return the others'."""
        if not self._store(workshop_id, frozenset(local)):
            # Renewing a set that is gone (Redis restarted, or this process stalled past the
            # ttl) failed: write it whole at once, not a heartbeat later.
            self._store(workshop_id, frozenset(local))
        return self.others(workshop_id)

    def _store(self, workshop_id: int, local: frozenset[int]) -> bool:
        """Write this process's set if it changed, renew its expiry; False if the set was gone."""
        procs, mine, gen = (self._key(workshop_id, k) for k in ("procs", self.me, "gen"))
        ttl = int(self.ttl) + 1
        pipe = self._redis.pipeline()
        if local != self._written.get(workshop_id):
            pipe.delete(mine)
            if local:
                pipe.sadd(mine, *local)
            pipe.incr(gen)
            pipe.expire(gen, 86400)
        if local:
            pipe.expire(mine, ttl)
            pipe.zadd(procs, {self.me: time.time() + self.ttl})
            pipe.expire(procs, ttl)
        else:
            pipe.zrem(procs, self.me)
        pipe.zremrangebyscore(procs, "-inf", time.time())
        results = pipe.execute()
        if not local or results[-4]:  # the EXPIRE of `mine`
            self._written[workshop_id] = local
            return True
        self._written.pop(workshop_id, None)
        return False

    def generation(self, workshop_id: int) -> int:
        return int(self._redis.get(self._key(workshop_id, "gen")) or 0)

    def others(self, workshop_id: int) -> Remote:
        """The participants of a workshop connected to the other processes that are alive."""
        pipe = self._redis.pipeline()
        pipe.get(self._key(workshop_id, "gen"))
        pipe.zrangebyscore(self._key(workshop_id, "procs"), time.time(), "+inf", withscores=True)
        gen, alive = pipe.execute()
        alive = [(p.decode(), until) for p, until in alive if p.decode() != self.me]
        keys = [self._key(workshop_id, p) for p, _ in alive]
        members = frozenset(int(pid) for pid in self._redis.sunion(keys)) if keys else frozenset()
        return Remote(int(gen or 0), min((until for _, until in alive), default=float("inf")), members)
