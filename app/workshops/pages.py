"""The two pages every phone of a workshop asks for, made once per workshop version.

At the start of a workshop hundreds of phones ask within a minute for the join page and then
the room page, and rendering them (templates, a form, macros, the room's words) was about half
of the server's work per join (docs/performance.md). The pages differ from one phone to the
next only in a few strings: the CSRF token and, in the room, whose page it is. So the first
phone's page is kept, with those strings taken out, per page, workshop and language, for as
long as the workshop is at the version it was made from; each later phone gets a copy with
its own strings put in.

Only a page nothing else varies in is kept or served from what is kept: asked by someone who
is not logged in, with no message waiting in their session, and without query arguments.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.models import Workshop

# Where an own string was: no page contains this otherwise (a new one in every process).
_HOLE = "\x1a" + secrets.token_hex(8) + "-{}\x1a"
_KEPT_MAX = 256  # pages: a few per open workshop and language


def shared(page: str, workshop: Workshop, render: Callable[[], str], **own: str) -> str:
    """`render()`'s page for this request: made once per workshop version and language and
    kept, then given this request's CSRF token and `own` strings (each as the page shows it)."""
    own = {"csrf": generate_csrf()} | own  # the token the page's forms and scripts send back
    if not _shareable():
        return render()
    kept = current_app.extensions.setdefault("shared_pages", {})  # key -> (version, page)
    # The code too: SQLite may give a deleted workshop's id to the next one.
    key = (page, workshop.id, workshop.join_code, str(get_locale()))
    version = workshop.version
    hit = kept.get(key)
    if hit is not None and hit[0] == version:
        html = hit[1]
        for name, value in own.items():
            html = html.replace(_HOLE.format(name), value)
        return html
    html = render()
    template = html
    for name, value in own.items():
        if value:
            template = template.replace(value, _HOLE.format(name))
    if len(kept) >= _KEPT_MAX:
        kept.clear()
    if hit is None or hit[0] < version:  # a request that read the row earlier keeps no older page
        kept[key] = (version, template)
    return html


def _shareable() -> bool:
    return not request.args and "_flashes" not in session and not current_user.is_authenticated
