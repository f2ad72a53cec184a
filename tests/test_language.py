"""Each person reads the interface in their own language (OWN, app/language.py): the one chosen
with the switch on every page, else the browser's, else, on a workshop's participant pages, the
workshop's. What participants write stays as written."""

from __future__ import annotations

import json
import re

import pytest

from app import forms
from app.core import countries
from app.extensions import socketio as server
from app.language import COOKIE
from app.server import warm
from app.workshops import live_words
from tests.conftest import NS, join, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

GREEK = {"Accept-Language": "el-GR,el;q=0.9"}


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_a_greek_phone_in_a_german_workshop_reads_greek(client):
    workshop = make_workshop(language="de")
    page = client.get(f"/j/{workshop.join_code}", headers=GREEK).text
    assert _lang(page) == "el"
    # The notice consented to is in the language the form is read in.
    assert 'href="/privacy?lang=el"' in page
    assert _lang(client.get("/privacy?lang=el").text) == "el"
    http = join(client.application, workshop, "Ada")
    assert _lang(http.get(f"/j/{workshop.join_code}", headers=GREEK).text) == "el"
    # A browser asking for none of ours reads the workshop's language there, ours elsewhere.
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    assert _lang(client.get(f"/j/{workshop.join_code}", headers=french).text) == "de"
    assert _lang(client.get("/", headers=french).text) == "en"


def _boot(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S).group(1)
    )


def test_two_phones_in_one_room_get_its_scripts_words_each_in_their_own_language(client):
    """The live scripts' words are made once per language (app/workshops/live_words.py): a Greek
    phone after a German one still reads Greek, and the other way round."""
    workshop = make_workshop(language="de")
    greek, german = join(client.application, workshop, "Ada"), join(client.application, workshop, "Bo")
    for _ in range(2):
        words = _boot(greek.get(f"/j/{workshop.join_code}", headers=GREEK).text)
        assert (words["t"]["save"], words["phases"]["vote"]) == ("Αποθήκευση", "Ψηφοφορία")
        words = _boot(german.get(f"/j/{workshop.join_code}").text)
        assert (words["t"]["save"], words["phases"]["vote"]) == ("Speichern", "Abstimmung")


def test_a_server_warmed_before_its_first_phone_gives_each_language_its_own_words(client):
    """wsgi.py makes every language's words and country list before the first phone comes
    (app/server.py warm): each in its own language, not the first one's five times."""
    for made in (live_words._words, live_words._phase_labels, countries._search_list):
        made.cache_clear()
    warm(client.application)
    assert live_words._words.cache_info().currsize == len(client.application.config["LANGUAGES"])
    workshop = make_workshop(language="de")
    greek, german = join(client.application, workshop, "Ada"), join(client.application, workshop, "Bo")
    page = _boot(greek.get(f"/j/{workshop.join_code}", headers=GREEK).text)
    assert (page["t"]["save"], page["phases"]["vote"]) == ("Αποθήκευση", "Ψηφοφορία")
    page = _boot(german.get(f"/j/{workshop.join_code}").text)
    assert (page["t"]["save"], page["phases"]["vote"]) == ("Speichern", "Abstimmung")
    japan = {row["code"]: row["name"] for row in json.loads(str(countries.search_list("el")))}["JP"]
    assert japan == "Ιαπωνία"
    assert live_words._words.cache_info().misses == len(client.application.config["LANGUAGES"])


def test_the_forms_own_messages_are_in_each_readers_language_read_once_per_language(client, monkeypatch):
    """WTForms' messages ("Field cannot be longer than 60 characters.") come from its catalogue,
    read once per language (app/forms.py), not from disk for every page and command."""
    forms._wtforms_messages.cache_clear()
    read = []
    load = forms.Translations.load

    def counted(dirname, locales, domain):
        read.extend([str(locale) for locale in locales] if domain == "wtforms" else [])
        return load(dirname, locales, domain)

    monkeypatch.setattr(forms.Translations, "load", counted)
    workshop = make_workshop(language="de")
    too_long = {"display_name": "A" * 61, "consent": "y", "cluster_id": "0"}
    said = {
        "el": "Το πεδίο δεν μπορεί να έχει πάνω από 60 χαρακτήρες.",
        "de": "Feld kann nicht länger als 60 Zeichen sein.",
    }
    for language in ("el", "de", "el", "de"):
        headers = {"Accept-Language": language}
        page = client.post(f"/j/{workshop.join_code}", data=too_long, headers=headers).text
        assert said[language] in page
    assert read == ["el", "de"]


def test_the_switch_is_on_every_page_and_remembered(client):
    workshop = make_workshop(language="de")
    page = client.get(f"/j/{workshop.join_code}", headers=GREEK).text
    for code in ("en", "de", "it", "el", "bg"):
        assert f'name="language" value="{code}" lang="{code}"' in page
    assert f'name="next" value="/j/{workshop.join_code}"' in page

    response = client.post("/language", data={"language": "bg", "next": f"/j/{workshop.join_code}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/j/{workshop.join_code}"
    cookie = client.get_cookie(COOKIE)
    assert cookie.value == "bg" and cookie.http_only and cookie.max_age == 365 * 24 * 3600
    # Chosen beats the browser's, on the participant's pages and everyone else's.
    assert _lang(client.get(f"/j/{workshop.join_code}", headers=GREEK).text) == "bg"
    assert _lang(client.get("/login", headers=GREEK).text) == "bg"
    # A language we do not have changes nothing.
    client.post("/language", data={"language": "fr", "next": "/login"})
    assert client.get_cookie(COOKIE).value == "bg"


def test_the_switch_on_the_notice_comes_back_to_it_in_the_language_chosen(client):
    make_user()
    page = client.get("/privacy?lang=de").text
    assert 'name="next" value="/privacy"' in page
    client.post("/language", data={"language": "it", "next": "/privacy"})
    assert _lang(client.get("/privacy").text) == "it"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "", None])
def test_the_switch_goes_back_to_this_site_only(client, target):
    make_user()  # past the first run's setup page
    data = {"language": "it"} | ({"next": target} if target is not None else {})
    assert client.post("/language", data=data).headers["Location"] == "/"


def test_the_phones_commands_answer_in_its_language(app, monkeypatch):
    from flask_babel import get_locale

    # Which language an answer is made in is what counts (the catalogues are compiled by make).
    monkeypatch.setattr("app.realtime.commands._", lambda text: str(get_locale()))
    workshop = make_workshop(language="de")
    http = join(app, workshop, "Ada")
    sock = server.test_client(
        app,
        namespace=NS,
        flask_test_client=http,
        headers=GREEK,
        auth={"workshop": workshop.id, "view": "participant"},
    )
    ack = sock.emit("no_such_command", {}, namespace=NS, callback=True)
    assert ack["error"] == "el"
    sock.disconnect(namespace=NS)
