"""Wrong join codes, limited per address without locking a venue out.

A whole room shares one address, so a right code must keep joining there while someone
guesses codes on the same Wi-Fi. Yet if only wrong codes were refused, the refusal itself
would tell a guesser which codes are right. So, once an address has used up RATELIMIT_JOIN
wrong codes, every code from it is refused (429, the same answer whatever the code) for the
rest of the window, except the codes that someone joined from that address in the last day:
the venue's phones keep joining their workshop, the guesser learns nothing.

Counted in the rate limiter's storage (Redis with several processes). While that storage is
away nothing is counted or refused (the outage is logged once, app/outages.py): a room that
cannot join is worse than guesses counted a little less.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit

from app import outages
from app.extensions import limiter
from app.workshops.services.participants import normalise_code
from app.workshops.services.workshops import CODE_LENGTH

SCOPE = "join-code"
JOINED_FOR = 24 * 3600  # seconds a code joined from an address still opens past the limit

T = TypeVar("T")


def check(code: str) -> None:
    """Before a code is looked up: 429 if this address is past its wrong codes, unless it joined this code."""
    if not limiter.enabled:
        return
    address = get_remote_address()
    if _counted(lambda: _within(address) or _joined(address, code), default=True):
        return
    abort(429)


def wrong() -> None:
    """Count a wrong code against the caller's address (429 if that was one too many)."""
    if not limiter.enabled:
        return
    if not _counted(lambda: limiter.limiter.hit(_limit(), SCOPE, get_remote_address()), default=True):
        abort(429)


def joined(code: str) -> None:
    """Remember that someone joined with this code (the workshop's own) from the caller's address."""
    if limiter.enabled:
        key = _joined_key(get_remote_address(), code)
        # Written once per address and code, not once per phone: the memory storage starts a
        # timer thread on every write, which a join storm would keep per phone (docs/performance.md).
        storage = limiter.limiter.storage
        _counted(lambda: storage.get(key) or storage.incr(key, JOINED_FOR), default=0)


def _within(address: str) -> bool:
    return limiter.limiter.test(_limit(), SCOPE, address)


def _joined(address: str, code: str) -> bool:
    code = normalise_code(code)
    return len(code) == CODE_LENGTH and limiter.limiter.storage.get(_joined_key(address, code)) > 0


def _joined_key(address: str, code: str) -> str:
    """The key of a code joined from an address (the code as the workshop holds it)."""
    return f"{SCOPE}/joined/{address}/{code}"


def _limit():
    return parse_limit(current_app.config["RATELIMIT_JOIN"])


def _counted(count: Callable[[], T], *, default: T) -> T:
    """What the storage answers; `default` while it is away (the outage is logged once)."""
    try:
        return count()
    except Exception as exc:
        if not outages.failed(exc, "join-code limits"):
            raise
        return default
