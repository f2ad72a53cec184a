"""Links that let a person set their own password: an invitation to a new account, or a reset."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.workshop import User, utcnow


class LinkPurpose(enum.StrEnum):
    INVITE = "invite"  # a new account: the person chooses its first password
    RESET = "reset"  # an existing account: the person chooses a new one


class PasswordLink(db.Model):
    """A one-use link to set a password. Only the SHA-256 of its token is stored: the
    administrator sees the link once, and a leaked database opens no account."""

    __tablename__ = "password_links"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(10))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column()
    used_at: so.Mapped[datetime | None] = so.mapped_column()
    # A newer link for the same account, or the account disabled, ends a link unused.
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column()

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
