"""Links that let a person set their own password: an invitation to a new account, or a reset.

The administrator copies the link from the page and sends it (with MAIL_SERVER set it is
mailed too: app/auth/mail.py). A link works once, for 72 hours; a newer link for the same
account, or the account disabled, ends it. Only the token's SHA-256 is stored, looked up
through a unique index: a leaked database opens no account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import PasswordLink, User, utcnow

LIFETIME = timedelta(hours=72)
MAX_TOKEN = 100  # a presented token longer than this is not ours


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(user: User, purpose: str, acting: User | None = None) -> str:
    """A new link for this account, ending its earlier unused ones; its token, to be shown once.
    The caller records and commits."""
    now = utcnow()
    withdraw(user)
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=digest(token),
        created_by_id=acting.id if acting else None,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    db.session.add(link)
    return token


def withdraw(user: User) -> None:
    """End this account's unused links (a newer one replaces them, or the account is disabled)."""
    unused = sa.update(PasswordLink).where(PasswordLink.user_id == user.id, *_unused())
    db.session.execute(unused.values(withdrawn_at=utcnow()))


def usable(token: str) -> PasswordLink:
    """The link behind a token, if it can still set a password; else a clear refusal."""
    link = None
    if 0 < len(token) <= MAX_TOKEN and token.isascii():
        link = db.session.scalar(sa.select(PasswordLink).where(PasswordLink.token_hash == digest(token)))
    if link is None:
        raise NotFound(_("This link is not valid. Check that it was copied whole, or ask for a new one."))
    _check(link)
    return link


def _check(link: PasswordLink) -> None:
    """Say why a link can no longer set a password, if it cannot."""
    if link.used_at is not None:
        raise Conflict(
            _("This link was already used to set a password: it works once. Log in, or ask for a new link.")
        )
    if link.withdrawn_at is not None or not link.user.active:
        raise Conflict(_("This link no longer works: a newer link replaced it, or the account was disabled."))
    if link.expires_at <= utcnow():
        when = format_datetime(link.expires_at, "short")
        raise Conflict(
            _("This link expired on %(when)s UTC: links work for 72 hours. Ask for a new one.", when=when)
        )


def take(link: PasswordLink) -> None:
    """Use a link up, once even when two tabs send the form at the same moment: only one
    update finds it unused; the other is told why it no longer works."""
    taken = db.session.execute(
        sa.update(PasswordLink).where(PasswordLink.id == link.id, *_unused()).values(used_at=utcnow())
    )
    if taken.rowcount != 1:
        db.session.rollback()
        db.session.refresh(link)
        _check(link)
        raise Conflict()


def _unused() -> tuple[sa.ColumnElement[bool], ...]:
    return PasswordLink.used_at.is_(None), PasswordLink.withdrawn_at.is_(None)
