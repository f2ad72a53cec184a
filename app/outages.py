"""Outages of the database and of Redis, logged once when they start and once when they end.

While PostgreSQL restarts or Redis is away, every command, tally beat and presence update
fails the same way: a traceback each (hundreds a second) would bury the one line that
matters. Each dependency's outage is logged when its first failure arrives, with the
error, and when the first success after it arrives, with how long it lasted and what
failed meanwhile. A failure that is not an outage (a bug) is left to the caller to log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import redis as redis_client
import sqlalchemy as sa

from app.extensions import db

log = logging.getLogger(__name__)


class Outage:
    """One dependency's current outage: since when, and what failed during it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.since: float | None = None  # monotonic time of its first failure; None while it works
        self._failed: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException, what: str) -> None:
        """Count one failure of `what` (a command, a tally, ...); the first one is logged."""
        with self._lock:
            first = self.since is None
            if first:
                self.since = time.monotonic()
            self._failed[what] += 1
        if first:
            log.error("%s unavailable: %s", self.name, _describe(exc))

    def ok(self) -> None:
        """The dependency answered: log the end of its outage, if there was one."""
        if self.since is None:  # the common case: nothing to lock
            return
        with self._lock:
            if self.since is None:
                return
            lasted, failed = time.monotonic() - self.since, self._failed
            self.since, self._failed = None, Counter()
        counts = ", ".join(f"{n} {what}" for what, n in failed.most_common())
        log.warning("%s back after %.1f s; failed meanwhile: %s", self.name, lasted, counts)


database = Outage("database")
redis = Outage("Redis")


def _describe(exc: BaseException) -> str:
    """The error on one line, without the SQL and parameters SQLAlchemy appends."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split())
    return f"{type(original).__name__}: {text[:300]}"


def outage_of(exc: BaseException) -> Outage | None:
    """The dependency whose unavailability this error means, or None (not an outage: a bug)."""
    if isinstance(exc, sa.exc.DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError)
    ):
        return database
    if isinstance(exc, NotWritten) and database.down:
        return database
    if isinstance(exc, redis_client.ConnectionError | redis_client.TimeoutError):
        return redis
    return None


def failed(exc: BaseException, what: str = "commands") -> bool:
    """Count a failure caused by an outage (logged once per outage) and say so; False: log it yourself."""
    outage = outage_of(exc)
    if outage is None:
        return False
    outage.failed(exc, what)
    return True


class NotWritten(RuntimeError):
    """A ballot the group commit could not write (its transaction failed or timed out)."""


def discard_session() -> None:
    """Remove this context's database session, whatever state its connection is in.

    Removing it rolls back; on a connection the server dropped (PostgreSQL restarting) that
    ROLLBACK can raise, and a background task that let it through died of it for good.
    """
    try:
        db.session.remove()
    except Exception as exc:
        db.session.registry.clear()  # its close() stopped half-way: forget it all the same
        if not failed(exc, "session cleanups"):
            log.exception("closing a database session failed")


def watch_database(engine: sa.Engine) -> None:
    """End the database's outage at the first connection handed out after it.

    With pool_pre_ping a checkout means the server answered a ping just now (SQLite: the file
    opened). A checkout is once per transaction, not per statement: the hot path pays one
    call and one test.
    """
    sa.event.listen(engine, "checkout", lambda *_args: database.ok())


class _RateLimiterNews(logging.Handler):
    """Flask-Limiter's own word that its Redis went away (it then counts in memory) or came back.

    It says so only to its logger, which has nothing but a NullHandler: without this, the
    rate limiter's part of a Redis outage went unsaid.
    """

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Rate limit storage unreachable"):
            redis.failed(
                RuntimeError("the rate limiter's storage is unreachable"), "rate limiter fall-backs to memory"
            )
        elif message.startswith("Rate limit storage recovered"):
            redis.ok()


def watch_rate_limiter() -> None:
    """Count the rate limiter's fall-back to memory as part of Redis's outage (once per process)."""
    logger = logging.getLogger("flask-limiter")
    if not any(isinstance(h, _RateLimiterNews) for h in logger.handlers):
        logger.addHandler(_RateLimiterNews())
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))  # "recovered" is an INFO
