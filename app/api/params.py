"""Query parameters of the API, checked strictly: a typo or a bad value is a 400 that names it.

Every endpoint declares the names it takes; anything else is refused rather than ignored, so a
misspelt filter cannot silently return everything. Values are size-limited before they are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.errors import Invalid

MAX_QUERY = 2048  # bytes of query string
MAX_VALUE = 64  # characters of one value
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
MAX_ID = 2**31 - 1
MAX_STRATEGY_WORKSHOPS = 100  # as many as the strategy page combines
STATUSES = ("open", "archived")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class WorkshopFilters:
    cluster: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def check(
    args: MultiDict, query_string: bytes, allowed: tuple[str, ...], repeatable: tuple[str, ...] = ()
) -> None:
    """Refuse an oversized query, unknown names, repeated single values and oversized values."""
    if len(query_string) > MAX_QUERY:
        raise Invalid(_("The query string is too long (at most %(n)s bytes).", n=MAX_QUERY))
    for name in args:
        if name not in allowed:
            raise Invalid(_("Unknown parameter “%(name)s”.", name=name[:MAX_VALUE]), field=name[:MAX_VALUE])
        values = args.getlist(name)
        if len(values) > 1 and name not in repeatable:
            raise Invalid(_("Give “%(name)s” at most once.", name=name), field=name)
        if any(len(v) > MAX_VALUE for v in values):
            raise Invalid(_("“%(name)s” is too long.", name=name), field=name)


def workshop_filters(args: MultiDict, query_string: bytes, clusters: set[str]) -> WorkshopFilters:
    """The filters and page of /workshops."""
    check(args, query_string, ("cluster", "status", "from", "to", "limit", "offset"))
    cluster = args.get("cluster")
    if cluster is not None and cluster not in clusters:
        raise Invalid(_("Unknown cluster “%(slug)s”: see /api/v1/clusters.", slug=cluster), field="cluster")
    status = args.get("status")
    if status is not None and status not in STATUSES:
        raise Invalid(_("“status” must be “open” or “archived”."), field="status")
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise Invalid(_("“from” must not be after “to”."), field="from")
    limit = integer(args, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
    offset = integer(args, "offset", 0, MAX_OFFSET, 0)
    return WorkshopFilters(cluster, status, date_from, date_to, limit, offset)


def strategy_ids(args: MultiDict, query_string: bytes) -> list[int]:
    """The workshops a joint strategy combines: ?workshop=1&workshop=2, each once."""
    check(args, query_string, ("workshop",), repeatable=("workshop",))
    values = args.getlist("workshop")
    if not values:
        raise Invalid(_("Name at least one workshop: ?workshop=1&workshop=2."), field="workshop")
    if len(values) > MAX_STRATEGY_WORKSHOPS:
        raise Invalid(_("At most %(n)s workshops at once.", n=MAX_STRATEGY_WORKSHOPS), field="workshop")
    ids = [_parse_int(v, "workshop", 1, MAX_ID) for v in values]
    if len(set(ids)) != len(ids):
        raise Invalid(_("Each workshop may be named once."), field="workshop")
    return ids


def integer(args: MultiDict, name: str, low: int, high: int, default: int) -> int:
    raw = args.get(name)
    return default if raw is None else _parse_int(raw, name, low, high)


def _parse_int(raw: str, name: str, low: int, high: int) -> int:
    # isdigit() alone lets "²" and other Unicode digits through; int() would take " 7" and "+7".
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise Invalid(
            _("“%(name)s” must be a whole number from %(low)s to %(high)s.", name=name, low=low, high=high),
            field=name,
        )
    return int(raw)


def _date(args: MultiDict, name: str) -> date | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        if not DATE.fullmatch(raw):  # fromisoformat also reads week dates and "20260331"
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(_("“%(name)s” must be a date like 2026-03-31.", name=name), field=name) from None
