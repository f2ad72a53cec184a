"""Each person's interface language (OWN): the one they chose with the switch on every page,
else their browser's, else the workshop's on its participants' pages.

A page may force a language (`g.language`): the projector and the files speak the workshop's,
and a socket command the language its connection was opened in. The choice is kept in a cookie
of its own, not in the session, so that it outlives a logout and a participant's three days.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, g, has_request_context, redirect, request
from flask.typing import ResponseReturnValue

from app.extensions import csrf

bp = Blueprint("language", __name__)
COOKIE = "bridge_language"
KEPT = timedelta(days=365)


def select_locale() -> str | None:
    """The language of this request's words (Flask-Babel's locale selector); the CLI and
    background tasks get the default language."""
    if language := g.get("language"):
        return language
    if not has_request_context():
        return None
    languages = list(current_app.config["LANGUAGES"])
    if (chosen := request.cookies.get(COOKIE)) in languages:
        return chosen
    return request.accept_languages.best_match(languages) or g.get("fallback_language")


@bp.app_context_processor
def _switch() -> dict:
    return {"language_next": _this_page}


def _this_page() -> str:
    """Where the switch comes back to: this page, less a language it was asked in (the notice's
    ?lang=), which would otherwise win over the one just chosen."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + ("?" + urlencode(args) if args else "")


def fall_back_to(language: str) -> None:
    """On a workshop's participant pages: its language for a browser that asks for none of ours."""
    g.fallback_language = language


@bp.route("/language", methods=["POST"])
@csrf.exempt  # a phone's page stays open for hours past a CSRF token's life; a forged choice of
# language harms nobody, and the switch on every page sets it back
def choose() -> ResponseReturnValue:
    """The language switch: remember the choice on this device, and show the same page again in it."""
    response = redirect(_same_site(request.form.get("next")))
    language = request.form.get("language")
    if language in current_app.config["LANGUAGES"]:
        secure = current_app.config["SESSION_COOKIE_SECURE"]
        response.set_cookie(COOKIE, language, max_age=KEPT, secure=secure, httponly=True, samesite="Lax")
    return response


def _same_site(target: str | None) -> str:
    """A path of this site to go back to; anything else (another site, nothing) is the start page."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
