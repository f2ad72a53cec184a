"""API tokens: created, listed and revoked by their owner; checked on every API request.

A token is "bcd_" and 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored:
a leaked database gives no usable token, and a token is looked up by its hash (a unique
index), so no comparison of secrets runs in Python. The owner sees it once, on creation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import ApiToken, Role, User, utcnow

PREFIX = "bcd_"
SHOWN = 12  # characters kept in clear to tell tokens apart in a list: "bcd_" and 8 more
MAX_ACTIVE = 20  # per user: enough for every script, few enough to review
MAX_LENGTH = 100  # a presented token longer than this is not ours; no hashing of megabytes
# last_used_at is written at most this often per token: a busy script must not make every GET a write.
TOUCH_EVERY = timedelta(minutes=1)
ROLES = (Role.ADMIN, Role.COORDINATOR, Role.FACILITATOR)  # facilitators read their own workshops only


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new named token for this user; the clear token is returned here and never again."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid(_("Give the token a name of 1 to 80 characters."), field="name")
    if user.role not in ROLES or not user.active:
        raise Invalid(_("This account cannot have API tokens."))
    if len(list_tokens(user)) >= MAX_ACTIVE:
        raise Invalid(
            _("You have %(n)s active tokens. Revoke one you no longer use first.", n=MAX_ACTIVE), field="name"
        )
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(clear), prefix=clear[:SHOWN])
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", f"user:{user.id}", token_id=token.id, name=name, prefix=token.prefix)
    db.session.commit()
    return token, clear


def list_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of(user: User, token_id: int) -> ApiToken:
    """One of the user's active tokens; another user's token behaves as one that does not exist."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_("This token does not exist or was revoked."))
    return token


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens: it stops working at once, for good."""
    token = token_of(user, token_id)
    token.revoked_at = utcnow()
    audit.record("token.revoked", f"user:{user.id}", token_id=token.id, name=token.name, prefix=token.prefix)
    db.session.commit()
    return token


def authenticate(presented: str) -> User | None:
    """The active user behind a presented token, or None (unknown, revoked, disabled, wrong role)."""
    if not presented.startswith(PREFIX) or len(presented) > MAX_LENGTH or not presented.isascii():
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(presented)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if not user.active or user.role not in ROLES:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return user
