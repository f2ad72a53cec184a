"""How much one phone may ask of the room: its commands, and what it adds for everyone to see.

Two budgets (FAIR):
- each connection's commands, a token bucket: a burst of COMMAND_BURST, then COMMAND_RATE
  a second. A person tapping never meets it; a script flooding the server is answered
  "RateLimited" at the cost of a dictionary lookup, before anything is read or written.
- each participant's contributions (ideas, markets, edits, comments: what every screen
  shows), CONTRIBUTION_LIMIT in moving windows, counted in the rate limiter's storage, so
  that a participant's tabs on several processes share one budget.
A connection also takes at most one snapshot per SNAPSHOT_INTERVAL.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.errors import RateLimited
from app.extensions import limiter

if TYPE_CHECKING:  # app.auth imports its views, which import this module
    from app.auth.actor import Actor


class TokenBucket:
    """`burst` commands at once, then `rate` a second."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, burst: float, rate: float, now: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens, self.stamp = burst, now

    def take(self, now: float) -> float:
        """Take one token: 0 when there was one, else the seconds until there is."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Allowance:
    """A connection's budgets: its commands' bucket and the time of its last snapshot."""

    __slots__ = ("commands", "snapshot_at", "snapshot_every")

    def __init__(self, config) -> None:
        now = time.monotonic()
        self.commands = TokenBucket(float(config["COMMAND_BURST"]), float(config["COMMAND_RATE"]), now)
        self.snapshot_every = float(config["SNAPSHOT_INTERVAL"])
        self.snapshot_at = -math.inf

    def command(self) -> None:
        """Count one command; RateLimited once the connection has spent its budget."""
        if wait := self.commands.take(time.monotonic()):
            raise RateLimited(wait)

    def snapshot(self) -> None:
        """Count one snapshot; RateLimited when the last one is too recent."""
        now = time.monotonic()
        if (wait := self.snapshot_at + self.snapshot_every - now) > 0:
            raise RateLimited(wait)
        self.snapshot_at = now


def contribute(actor: Actor) -> None:
    """Count one idea, market, edit or comment of a participant; RateLimited past the budget.

    The facilitator has no such budget: what they add is moderation, not a flood."""
    if actor.participant_id is None:
        return
    key = (f"w{actor.workshop_id}", f"p{actor.participant_id}")
    try:
        _count(limiter.storage, key)
    except RateLimited:
        raise
    except Exception:  # no shared storage (rate limits off), or Redis away: count in this process
        _count(current_app.extensions.setdefault("contributions_here", MemoryStorage()), key)


def _count(storage, key: tuple[str, str]) -> None:
    strategy = MovingWindowRateLimiter(storage)
    for (
        limit
    ) in _contribution_limits():  # each hit is atomic in the storage: two tabs cannot both slip through
        if not strategy.hit(limit, *key):
            reset = strategy.get_window_stats(limit, *key).reset_time
            raise RateLimited(max(1.0, reset - time.time()))


def _contribution_limits() -> list:
    parsed = current_app.extensions.get("contribution_limits")
    setting = current_app.config["CONTRIBUTION_LIMIT"]
    if parsed is None or parsed[0] != setting:
        parsed = current_app.extensions["contribution_limits"] = (setting, parse_many(setting))
    return parsed[1]
