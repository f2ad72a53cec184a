"""Target markets are countries from ISO 3166-1 (pycountry)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def countries() -> list[dict]:
    """Every country as {code, name}, sorted by name, for the searchable picker."""
    rows = [{"code": c.alpha_2, "name": getattr(c, "common_name", c.name)} for c in pycountry.countries]
    return sorted(rows, key=lambda r: r["name"])


@cache
def _names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in countries()}


def country_name(code: str) -> str | None:
    return _names().get(code)


def is_country(code: object) -> bool:
    return isinstance(code, str) and code in _names()
