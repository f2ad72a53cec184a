"""Teams: after the results, who goes together to a chosen market (or after a top idea)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.workshop import Item, Participant, utcnow

TEXT_MAX = 280  # what a member brings, what they look for
EMAIL_MAX = 254


class Team(db.Model):
    """A team that forms around one of the workshop's items: a target market, or a strategy idea."""

    __tablename__ = "teams"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "item_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("items.id"))
    position: so.Mapped[int] = so.mapped_column(default=0)

    item: so.Mapped[Item] = so.relationship(lazy="joined")
    members: so.Mapped[list[TeamMember]] = so.relationship(
        order_by="TeamMember.id", lazy="selectin", cascade="all, delete-orphan", back_populates="team"
    )


class TeamMember(db.Model):
    """A participant who counts themselves in: what they bring, what they look for, and their consents.

    `contact_email` is their consent to be contacted by the other members of the team who left
    theirs too, and by the clusters' coordinators for an introduction: removed, it is withdrawn
    everywhere at once. `show_name` lets the projector and the coordinators name them (in a named
    workshop only)."""

    __tablename__ = "team_members"
    __table_args__ = (sa.UniqueConstraint("team_id", "participant_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    participant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("participants.id"), index=True)
    brings: so.Mapped[str] = so.mapped_column(sa.String(TEXT_MAX), default="")
    looks_for: so.Mapped[str] = so.mapped_column(sa.String(TEXT_MAX), default="")
    brings_tags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    looks_tags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(EMAIL_MAX))
    show_name: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    team: so.Mapped[Team] = so.relationship(back_populates="members")
    participant: so.Mapped[Participant] = so.relationship(lazy="joined")

    def own_dict(self) -> dict:
        """The membership as its own member reads and edits it (their phone, My data)."""
        return {
            "team_id": self.team_id,
            "brings": self.brings,
            "looks_for": self.looks_for,
            "brings_tags": list(self.brings_tags or []),
            "looks_tags": list(self.looks_tags or []),
            "contact_email": self.contact_email,
            "show_name": self.show_name,
        }
