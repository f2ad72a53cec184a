"""The catalogues: complete, compilable, placeholders intact, and actually used by the pages."""

from __future__ import annotations

import json
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import join, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
LANGUAGES = ("de", "it", "el", "bg")
# %(name)s in Python and Jinja, {name} in strings the script fills in itself.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _catalogue(lang: str):
    return _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", locale=lang)


def _messages(catalogue) -> list:
    return [m for m in catalogue if m.id]


@pytest.fixture(scope="module")
def template_ids() -> set[str]:
    return {m.id for m in _messages(_read(TRANSLATIONS / "messages.pot"))}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_compiles(lang, template_ids):
    catalogue = _catalogue(lang)
    messages = _messages(catalogue)
    assert not catalogue.fuzzy, "the header is marked fuzzy"
    assert template_ids <= {m.id for m in messages}, "run `make messages` and translate the new strings"
    assert [m.id for m in messages if not m.string] == []
    assert [m.id for m in messages if m.fuzzy] == []
    assert [(m.id, errors) for m, errors in catalogue.check()] == []  # e.g. python-format mismatches
    mo = BytesIO()
    write_mo(mo, catalogue)
    assert len(mo.getvalue()) > 1000


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive(lang):
    for m in _messages(_catalogue(lang)):
        if isinstance(m.id, tuple):  # plural: a form may leave out the number ("one item")
            wanted = set(PLACEHOLDER.findall(m.id[0])) | set(PLACEHOLDER.findall(m.id[1]))
            for form in m.string:
                found = set(PLACEHOLDER.findall(form))
                assert found <= wanted and wanted - found <= {"%(num)s", "%(n)s"}, m.id
            forms = m.string
        else:
            assert sorted(PLACEHOLDER.findall(m.string)) == sorted(PLACEHOLDER.findall(m.id)), m.id
            forms = (m.string,)
        for form in forms:
            # Jinja formats every template string with %: a lone % would break the page
            # (Python strings write a literal one as %%, and so may their translations).
            rest = PLACEHOLDER.sub("", form)
            assert "%" not in (rest.replace("%%", "") if "%%" in str(m.id) else rest), m.id


def _compiled(lang: str) -> None:
    mo = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert mo.exists(), f"{mo} is missing: run `make translations`"


def _boot(html: str) -> dict:
    script = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    return json.loads(script.group(1))["t"]


def test_a_german_workshop_shows_the_join_page_and_the_room_in_german(app, client):
    _compiled("de")
    workshop = make_workshop(language="de", phase="lobby")

    page = client.get(f"/j/{workshop.join_code}").text
    assert '<html lang="de">' in page
    assert "Teilnehmen" in page and "Take part" not in page
    assert "Was wir speichern" in page

    room = join(app, workshop).get(f"/j/{workshop.join_code}").text
    t = _boot(room)  # the script's words, placeholders left for it to fill
    assert t["items_many"] == "{n} Beiträge"
    assert t["rename_theme"] == "Thema „{name}“ umbenennen"
    assert t["welcome"] == "Sie sind dabei!"


def test_an_italian_browser_gets_the_italian_login_page(app, client):
    _compiled("it")
    make_user()  # past the first-run page
    page = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"}).text
    assert '<html lang="it">' in page
    assert "Accedi" in page and "Log in" not in page

    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Log in" in english


def test_the_template_holds_every_string_of_the_code(template_ids, tmp_path):
    """A string added to the code without `make messages` would reach every screen in English."""
    import subprocess
    import sys

    root = TRANSLATIONS.parent.parent
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l"]
        + ["-o", str(fresh), "."],
        cwd=root,
        check=True,
        capture_output=True,
    )
    missing = {m.id for m in _messages(_read(fresh))} - template_ids
    assert missing == set(), "run `make messages` and translate the new strings"
