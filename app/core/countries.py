"""Target markets are countries: the codes of ISO 3166-1 (pycountry), named in a language by CLDR (Babel).

pycountry says which codes are countries; Babel's territories would also admit regions and
reserved codes (001, EU, UN, QO, XK, ...) that no start-up can enter as a market. Babel names
them, in every language of the app and English alike, as the browsers' Intl.DisplayNames do on
the screens. Files name countries in their workshop's language; pages and the API in the
reader's (None below).

A country is found by its name in any of the app's languages, its English names (CLDR's and
ISO's: "South Korea", "Korea, Republic of") or its code (JP, JPN), whatever the case and accents:
an Italian in an English workshop types "Giappone", a Bulgarian "Япония" (find_country, and the
phone's picker from search_list).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry
from babel import Locale
from flask import current_app
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

CODES = frozenset(c.alpha_2 for c in pycountry.countries)
_NOT_A_LETTER = re.compile(r"[\W_]+")


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


def fold(text: str) -> str:
    """A name as searched: lower case, no accents, punctuation as spaces ("Côte d'Ivoire" -> "cote d ivoire").

    The phone's picker folds the same way (foldName in country_picker.js).
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NOT_A_LETTER.sub(" ", plain.casefold()).split())


def _iso_names(code: str) -> list[str]:
    """ISO's English names and codes of a country, besides CLDR's names."""
    entry = pycountry.countries.get(alpha_2=code)
    names = [getattr(entry, key, None) for key in ("name", "common_name", "official_name")]
    return [name for name in names if name] + [code, entry.alpha_3]


@cache
def _aliases(languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every name a country is known by in these languages (and ISO's English ones), first seen first."""
    out = {}
    for code in CODES:
        names = [_names(language)[code] for language in languages] + _iso_names(code)
        out[code] = tuple(dict.fromkeys(names))
    return out


@cache
def _index(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for code, names in _aliases(languages).items():
        for name in names:
            found.setdefault(fold(name), set()).add(code)
    return {key: frozenset(codes) for key, codes in found.items()}


def _searched() -> tuple[str, ...]:
    """The app's languages, English first."""
    return tuple(dict.fromkeys(["en", *current_app.config["LANGUAGES"]]))


def find_country(text: object, language: str | None = None) -> str | None:
    """The code of the country this text names, in any language of the app, or by its code; None if none.

    A name two countries share in different languages goes to the one it names in the reader's.
    """
    if not isinstance(text, str):
        return None
    codes = _index(_searched()).get(fold(text), frozenset())
    if len(codes) > 1:
        codes = frozenset(c for c in codes if fold(_names(_language(language))[c]) == fold(text))
    return next(iter(codes)) if len(codes) == 1 else None


def search_list(language: str | None = None) -> Markup:
    """Every country as {code, name, also}, sorted by name, as the phone's picker reads it (JSON for
    an HTML page): its name in the reader's language and the others it is found by (other
    languages, ISO's English names, codes). Made once per language: it is part of every join."""
    return _search_list(_language(language), _searched())


@cache
def _search_list(language: str, searched: tuple[str, ...]) -> Markup:
    aliases = _aliases(searched)
    rows = [
        {
            "code": row["code"],
            "name": row["name"],
            "also": [n for n in aliases[row["code"]] if n != row["name"]],
        }
        for row in _sorted(language)
    ]
    return Markup(htmlsafe_json_dumps(rows))
