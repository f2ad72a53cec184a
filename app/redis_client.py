"""Every Redis client of a process is made here, with one cap on its pool (docs/deploy.md).

Four clients, one per use: Socket.IO's message queue and Flask-Limiter's storage (which make
their own from these `options`), the shared presence (app/shared_presence.py) and the tally
lease (app/voting/tally_pump.py).
"""

from __future__ import annotations

import redis

from app.server import MAX_CONNECTIONS

# redis-py's pool stops at 100 connections (its default) and then fails the command instead of
# waiting. Every greenlet in a command holds one, and a join storm or a thousand phones voting
# at once has more than 100 in flight: the join page answered 500, and a broadcast went to a
# new client's retry (lost if that failed too). At most one per connection the process serves.
MAX_POOL = MAX_CONNECTIONS


def options(timeout: float | None = None) -> dict:
    """The keyword arguments of every client: the pool's cap, and how long a command may wait."""
    out: dict = {"max_connections": MAX_POOL}
    if timeout is not None:
        out |= {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return out


def client(url: str, timeout: float) -> redis.Redis:
    """A client of its own pool; a command waits at most `timeout` seconds for Redis."""
    return redis.Redis.from_url(url, **options(timeout))
