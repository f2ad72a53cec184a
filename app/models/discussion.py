"""The clustering board and the discussion: themes, comments and +1s."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.workshop import Participant, utcnow


class Theme(db.Model):
    """A group of items on the clustering board."""

    __tablename__ = "themes"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    color: so.Mapped[str] = so.mapped_column(sa.String(7), default="#1d4ed8")
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "color": self.color, "position": self.position}


class BoardChange(db.Model):
    """A change of the clustering board that the facilitator can undo: what it changed, as it was.

    `before` holds ids, places, theme names and colours, never a participant's text. The undo of
    a merge also names who had given both items a +1 (their +1 on the duplicate was dropped): a
    participant's removal therefore clears the workshop's board changes (app/privacy/removal.py).
    """

    __tablename__ = "board_changes"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    # What the undo button says it undoes: {"item_id": …} or {"theme_id": …, "name": …}, {"count": …}
    about: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    before: so.Mapped[dict] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, **self.about}


class Comment(db.Model):
    """A comment on an item, or a reply to one (one level deep)."""

    __tablename__ = "comments"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("items.id"), index=True)
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("comments.id"))
    participant_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("participants.id"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    text: so.Mapped[str] = so.mapped_column(sa.String(500))
    hidden: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[Participant | None] = so.relationship()

    def to_dict(self, *, named: bool) -> dict:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "parent_id": self.parent_id,
            "text": self.text,
            "author": (self.author.display_name or None) if named and self.author else None,
            "by_facilitator": self.user_id is not None,
            "hidden": self.hidden,
            "created_at": self.created_at.isoformat() + "Z",
        }


class Reaction(db.Model):
    """A participant's +1 on an item: one per participant and item."""

    __tablename__ = "reactions"
    __table_args__ = (sa.UniqueConstraint("item_id", "participant_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("items.id"), index=True)
    # A phone's +1s are looked up by who gave them, at every connect (views._personal).
    participant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("participants.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
