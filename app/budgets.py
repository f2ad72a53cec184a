"""How much one person may ask of the room: their commands, and what they add for everyone to see.

Budgets (FAIR), each one a person's, not a connection's: opening another connection, or
the same one again, starts no new budget.
- commands: a token bucket per participant (or staff account) in each process, a burst of
  COMMAND_BURST, then COMMAND_RATE a second. Every event costs a token, and so does a
  connect (which builds a snapshot). A person tapping never meets it; a script flooding
  the server is answered "RateLimited" for the cost of a dictionary lookup, before
  anything is read or written. A connection also takes at most one snapshot per
  SNAPSHOT_INTERVAL.
- contributions: a participant's ideas, markets, edits and comments (CONTRIBUTION_LIMIT),
  their +1s and moves on the board (REACTION_LIMIT), and their joining a team or changing what
  they said there (TEAM_LIMIT): each one goes to every screen.
  Counted in moving windows in the rate limiter's storage, so that a participant's tabs
  on several processes share one budget.
- pings: a screen's check that its connection still carries messages (`ping`, answered at
  once) has a small bucket of its own, PING_BURST then PING_RATE a second: checking the link
  never takes a command's token, and a flood of pings is refused like any other.
The refusal says which budget it was (`scope`): over the commands' budget nothing of the
connection should go for a moment; over a contribution budget only that kind of thing.
"""

from __future__ import annotations

import math
import time

from flask import Config, current_app
from limits import parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from app.auth.actor import Actor
from app.errors import RateLimited
from app.extensions import limiter

CONTRIBUTION = "CONTRIBUTION_LIMIT"  # what a participant adds: ideas, markets, edits, comments
REACTION = "REACTION_LIMIT"  # their +1s and moves on the board
TEAM = "TEAM_LIMIT"  # counting themselves in a team, or changing what they bring and look for
# A screen pings at most every 2 s (app/static/js/live.js), each of a person's tabs on its own.
PING_BURST = 5
PING_RATE = 1.0


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
    """One person's commands in this process: their buckets and the time of their last snapshot."""

    __slots__ = ("commands", "pings", "snapshot_at", "snapshot_every")

    def __init__(self, config: Config) -> None:
        now = time.monotonic()
        self.commands = TokenBucket(float(config["COMMAND_BURST"]), float(config["COMMAND_RATE"]), now)
        self.pings = TokenBucket(PING_BURST, PING_RATE, now)
        self.snapshot_every = float(config["SNAPSHOT_INTERVAL"])
        self.snapshot_at = -math.inf

    def command(self) -> None:
        """Count one command; RateLimited once the budget is spent."""
        if wait := self.commands.take(time.monotonic()):
            raise RateLimited(wait, scope="commands")

    def snapshot(self) -> None:
        """Count one snapshot, a command; RateLimited when the last one is too recent. A snapshot
        refused as too soon takes no token: a screen asking again and again for its snapshot
        must not starve its own commands."""
        now = time.monotonic()
        if (wait := self.snapshot_at + self.snapshot_every - now) > 0:
            raise RateLimited(wait, scope="commands")
        self.command()
        self.snapshot_at = now

    def ping(self) -> None:
        """Count one ping; RateLimited (`scope: "pings"`) once its own small budget is spent."""
        if wait := self.pings.take(time.monotonic()):
            raise RateLimited(wait, scope="pings")

    def connect(self) -> None:
        """Count a connect, which builds a snapshot: a command, and the snapshot's time."""
        self.command()
        self.snapshot_at = time.monotonic()


def contribute(actor: Actor, budget: str = CONTRIBUTION) -> None:
    """Count one thing a participant adds for every screen; RateLimited past the budget.

    The facilitator has no such budget: what they do is moderation, not a flood. Call it
    before the command takes a lock: counting may let another greenlet run (Redis, or the
    memory storage's timer thread), and under gevent a SQLite write lock held across that
    turn makes the next writer fail."""
    if actor.participant_id is None:
        return
    key = (budget, f"w{actor.workshop_id}", f"p{actor.participant_id}")
    try:
        _count(limiter.storage, budget, key)
    except RateLimited:
        raise
    except Exception:  # no shared storage (rate limits off), or Redis away: count in this process
        _count(current_app.extensions.setdefault("contributions_here", MemoryStorage()), budget, key)


def _count(storage: Storage, budget: str, key: tuple[str, ...]) -> None:
    strategy = MovingWindowRateLimiter(storage)
    # Each hit is atomic in the storage: two tabs cannot both slip through.
    for limit in parse_many(current_app.config[budget]):
        if not strategy.hit(limit, *key):
            reset = strategy.get_window_stats(limit, *key).reset_time
            raise RateLimited(max(1.0, reset - time.time()), scope="contributions")
