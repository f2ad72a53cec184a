"""Target markets are countries: the codes of ISO 3166-1 (pycountry), named in a language by CLDR (Babel).

pycountry says which codes are countries; Babel's territories would also admit regions and
reserved codes (001, EU, UN, QO, XK, ...) that no start-up can enter as a market. Babel names
them, in every language of the app and English alike, as the browsers' Intl.DisplayNames do on
the screens. Files name countries in their workshop's language; pages and the API in the
reader's (None below).
"""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale
from flask_babel import get_locale

CODES = frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {code: territories.get(code, code) for code in CODES}


def _language(language: str | None) -> str:
    """The given language, else the reader's (the page's, the request's), else English."""
    return language or str(get_locale() or "en")


@cache
def _sorted(language: str) -> list[dict]:
    names = _names(language)
    return sorted(({"code": c, "name": n} for c, n in names.items()), key=lambda r: r["name"].casefold())


def countries(language: str | None = None) -> list[dict]:
    """Every country as {code, name}, sorted by name, for the searchable picker."""
    return _sorted(_language(language))


def country_name(code: str, language: str | None = None) -> str | None:
    return _names(_language(language)).get(code)


def market_label(text: str, country: str | None, language: str | None = None, *, short: bool = False) -> str:
    """How a choice or an item is named: a target market by its country first ("Japan — why",
    or "Japan" when short), anything else by its text. The screens' optionLabel does the same."""
    name = country_name(country, language) if country else None
    if not name:
        return text
    return name if short else f"{name} — {text}"


def is_country(code: object) -> bool:
    return isinstance(code, str) and code in CODES
