"""The audit log: who changed who may do or see what, and what data was deleted or taken out.

It holds no participant content: a participant removed is recorded by their id in its
workshop, never by name, organisation or text.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.workshop import utcnow


class AuditEvent(db.Model):
    """One line of the log. `actor` keeps its label so the line reads the same after a deletion."""

    __tablename__ = "audit_events"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))  # an account's email, "cli" or "system"
    action: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    target: so.Mapped[str] = so.mapped_column(sa.String(254), default="")  # "user:3", "workshop:12"
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # ids and settings, never content
