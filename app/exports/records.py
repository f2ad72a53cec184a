"""One JSON object of an archive being imported, read field by field (app/exports/restore.py and
restore_rounds.py): each refusal says where in the archive it happened."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _

from app.errors import Invalid

INT_MAX = 2**31 - 1
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


def fail(where: str, problem: str) -> Invalid:
    return Invalid(_("The archive cannot be imported: %(where)s %(problem)s", where=where, problem=problem))


class Record:
    """One JSON object of the archive, read field by field; each refusal names where it happened."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise fail(where, _("should be an object."))
        self.data, self.where = value, where

    def _raw(self, key: str, nullable: bool):
        if key not in self.data:
            raise fail(f"{self.where}.{key}", _("is missing."))
        value = self.data[key]
        if value is None and not nullable:
            raise fail(f"{self.where}.{key}", _("may not be empty (null)."))
        return value

    def text(self, key: str, max_len: int, *, blank: bool = True, nullable: bool = False) -> str | None:
        value = self._raw(key, nullable)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_len or (not blank and not value.strip()):
            if blank:
                raise fail(f"{self.where}.{key}", _("should be text of at most %(n)s characters.", n=max_len))
            raise fail(f"{self.where}.{key}", _("should be text of 1 to %(n)s characters.", n=max_len))
        return value

    def flag(self, key: str) -> bool:
        value = self._raw(key, False)
        if type(value) is not bool:
            raise fail(f"{self.where}.{key}", _("should be true or false."))
        return value

    def whole(self, key: str, low: int = 0, high: int = INT_MAX, *, nullable: bool = False) -> int | None:
        value = self._raw(key, nullable)
        if value is not None and (type(value) is not int or not low <= value <= high):
            problem = _("should be a whole number from %(a)s to %(b)s.", a=low, b=high)
            raise fail(f"{self.where}.{key}", problem)
        return value

    def number(self, key: str, low: float, high: float) -> float:
        value = self._raw(key, False)
        # Bounds alone: they refuse NaN and the infinities, and compare an int of any size
        # exactly (math.isfinite(10**400) raises OverflowError).
        if type(value) not in (int, float) or not low <= value <= high:
            raise fail(f"{self.where}.{key}", _("should be a number from %(a)s to %(b)s.", a=low, b=high))
        return float(value)

    def choice(self, key: str, choices, *, nullable: bool = False) -> str | None:
        value = self._raw(key, nullable)
        if value is not None and (not isinstance(value, str) or value not in {str(c) for c in choices}):
            problem = _("should be one of: %(list)s.", list=", ".join(map(str, choices)))
            raise fail(f"{self.where}.{key}", problem)
        return value

    def when(self, key: str, *, nullable: bool = False) -> datetime | None:
        value = self._raw(key, nullable)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or not _STAMP.fullmatch(value):
                raise ValueError
            return datetime.fromisoformat(value[:-1])
        except ValueError:
            raise fail(f"{self.where}.{key}", _("should be a UTC time like 2026-05-04T09:30:00Z.")) from None

    def ref(self, key: str, known, *, nullable: bool = True) -> str | None:
        value = self._raw(key, nullable)
        if value is not None and (not isinstance(value, str) or value not in known):
            problem = _("refers to %(ref)s, which is not in the archive.", ref=repr(value))
            raise fail(f"{self.where}.{key}", problem)
        return value

    def records(self, key: str) -> list[Record]:
        value = self._raw(key, False)
        if not isinstance(value, list):
            raise fail(f"{self.where}.{key}", _("should be a list."))
        return [Record(v, f"{self.where}.{key}[{n}]") for n, v in enumerate(value)]

    def own_ref(self, prefix: str, seen: dict) -> str:
        value = self._raw("ref", False)
        if not isinstance(value, str) or not re.fullmatch(prefix + r"[1-9]\d{0,8}", value) or value in seen:
            raise fail(f"{self.where}.ref", _("should be a new reference like %(ex)s.", ex=f"{prefix}1"))
        seen[value] = None
        self.where = f"{self.where} ({value})"
        return value
