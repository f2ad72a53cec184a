"""What coordinators keep beyond workshops: API tokens, recurring themes they confirmed, and the
companies of different clusters they introduced to each other."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.workshop import Participant, User, utcnow


class ApiToken(db.Model):
    """A read-only key to /api/v1. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))  # shown in lists to tell tokens apart
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column()
    revoked_at: so.Mapped[datetime | None] = so.mapped_column()

    user: so.Mapped[User] = so.relationship()


class StrategyTheme(db.Model):
    """A theme that recurs across workshops, as a coordinator confirmed it."""

    __tablename__ = "strategy_themes"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    members: so.Mapped[list[StrategyThemeMember]] = so.relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StrategyThemeMember.theme_id"
    )


class StrategyThemeMember(db.Model):
    """A workshop theme in a confirmed recurring theme; a theme belongs to at most one."""

    __tablename__ = "strategy_theme_members"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    strategy_theme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("strategy_themes.id", ondelete="CASCADE"), index=True
    )
    theme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), unique=True)


class StrategyThemeDismissal(db.Model):
    """A suggested recurring theme a coordinator set aside: not suggested again, to anyone."""

    __tablename__ = "strategy_theme_dismissals"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(2000), unique=True)  # the sorted theme ids, "3-8-12"
    dismissed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Introduction(db.Model):
    """Two team members of different clusters whom a coordinator introduced by mail, for one market.

    The pair is stored once, the smaller participant id first; `tags` are the matching tags the
    mails named. A participant's removal takes their introductions with it (app/privacy)."""

    __tablename__ = "introductions"
    __table_args__ = (sa.UniqueConstraint("country", "first_id", "second_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    country: so.Mapped[str] = so.mapped_column(sa.String(2))
    first_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("participants.id"), index=True)
    second_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("participants.id"), index=True)
    tags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    introduced_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    first: so.Mapped[Participant] = so.relationship(foreign_keys=[first_id])
    second: so.Mapped[Participant] = so.relationship(foreign_keys=[second_id])
    introduced_by: so.Mapped[User] = so.relationship(lazy="joined")
