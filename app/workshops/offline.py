"""The phone's page after a reload on bad Wi-Fi: its worker's version and whose page it is.

A participant's page is cached on the phone by a service worker (app/static/js/offline_worker.js,
served at /j/sw.js so that its scope is /j/: participants' pages only, never staff pages, which
carry more than one person's data and need the network anyway). The worker's URL carries
`version()`, so that each deploy installs a new worker, which drops everything the last one
kept. What a phone keeps is one person's: every participant's page names its person
(`person()`, in the page's boot data and its Bridge-Person header), and the cookie
`bridge_people` names the people this browser holds now, one per workshop, where the page's
scripts and the worker can read it (the session cookie is HttpOnly). A cached page or a kept
snapshot whose person the cookie no longer names is not shown.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from pathlib import Path

from flask import Response, current_app, url_for

PEOPLE_COOKIE = "bridge_people"
PERSON_HEADER = "Bridge-Person"
# What a deploy changes that a phone could have kept: code, pages, scripts, styles, catalogues.
_SOURCES = {".py", ".html", ".js", ".css", ".svg", ".mo"}


def version() -> str:
    """This deploy's name for what phones keep: RELEASE and a digest of the app's files."""
    return _digest(Path(current_app.root_path), current_app.config["RELEASE"])


@cache
def _digest(root: Path, release: str) -> str:
    # Read once per process; every process of a deploy reads the same files and agrees.
    digest = hashlib.sha256(release.encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in _SOURCES and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def person(workshop_id: int, participant_id: int) -> str:
    """An opaque name for one participant: the workshop's id and a keyed digest, nothing to log in with."""
    key = current_app.config["SECRET_KEY"].encode()
    tag = hmac.new(key, f"person:{participant_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{workshop_id}-{tag}"


def boot(workshop_id: int, participant_id: int) -> dict:
    """What the participant's page needs to keep itself: its person, its version, its worker."""
    return {
        "person": person(workshop_id, participant_id),
        "release": version(),
        "worker": url_for("workshops.offline_worker", v=version()),
    }


def personal_page(response: Response, joined: dict[str, int], page_person: str) -> Response:
    """A participant's page: kept by this browser only, named for its person, and the people cookie set."""
    # private: no proxy keeps it; no-cache: online, the browser asks the server every time.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers[PERSON_HEADER] = page_person
    people = ".".join(person(int(w), p) for w, p in joined.items())
    response.set_cookie(
        PEOPLE_COOKIE,
        people,
        max_age=current_app.permanent_session_lifetime,  # as long as the session it mirrors
        path="/j/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=False,  # read by the page and its worker: it names no one and opens nothing
        samesite="Lax",
    )
    return response
