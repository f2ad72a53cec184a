"""Voting rounds: what is voted on, with which method and limits, and the ballots.

Integrity lives in the database as much as in Python: one ballot per voter and round
(a unique constraint), a ballot replaced only from the version it was built on (a
conditional update), and point totals that cannot be negative (a check constraint).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.workshop import Item, ItemState, stamp, utcnow


class Method(enum.StrEnum):
    DOTS = "dots"
    RANKING = "ranking"
    SCORES = "scores"


class RoundStatus(enum.StrEnum):
    """A round takes ballots while open; closed, it is a record. The values are the database's."""

    OPEN = "open"
    CLOSED = "closed"


class Target(enum.StrEnum):
    ITEMS = "items"  # chosen items
    THEME = "theme"  # the items of one theme
    THEMES = "themes"  # the themes themselves
    MARKETS = "markets"  # the target markets proposed
    CHOICES = "choices"  # only the choices the facilitator wrote (a quick poll); any target may add some


# The criteria the joint strategy is built on, each scored 1-5.
DEFAULT_CRITERIA = (
    (_l("Market potential"), 1.0),
    (_l("Capital opportunities"), 1.0),
    (_l("Knowledge and expertise in AI and blockchain"), 1.0),
)


def default_criteria(language: str) -> list[dict]:
    """The joint strategy's three criteria, named in this language: a round's in its workshop's, as
    the room reads them on the projector and the phones, whoever's browser opened the round."""
    with force_locale(language):
        return [{"name": str(name), "weight": weight} for name, weight in DEFAULT_CRITERIA]


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "number"),
        sa.CheckConstraint("budget >= 1 AND cap >= 1", name="ck_rounds_limits"),
        {"sqlite_autoincrement": True},  # tallies are cached by round id: never another round's
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    number: so.Mapped[int] = so.mapped_column()
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    method: so.Mapped[str] = so.mapped_column(sa.String(10))
    target: so.Mapped[str] = so.mapped_column(sa.String(10))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=RoundStatus.OPEN)
    budget: so.Mapped[int] = so.mapped_column(default=5)
    cap: so.Mapped[int] = so.mapped_column(default=3)
    allow_own: so.Mapped[bool] = so.mapped_column(default=True)
    top_n: so.Mapped[int | None] = so.mapped_column()
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    results_hidden: so.Mapped[bool] = so.mapped_column(default=True)
    # The choice made when the round was opened, which revealing the results does not change:
    # a rerun starts from it, so a rerun of a revealed round hides its tally again (KEPT).
    hidden_until_revealed: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    shuffle: so.Mapped[bool] = so.mapped_column(default=False)
    rerun_of_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("rounds.id"))
    opened_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    closed_at: so.Mapped[datetime | None] = so.mapped_column()

    options: so.Mapped[list[RoundOption]] = so.relationship(
        order_by="RoundOption.position", lazy="selectin", cascade="all, delete-orphan"
    )
    criteria: so.Mapped[list[Criterion]] = so.relationship(
        order_by="Criterion.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def shown_options(self) -> list[RoundOption]:
        """The choices still on the ballot: an item hidden or withdrawn since has left the round."""
        return [o for o in self.options if not o.removed]

    @property
    def sealed(self) -> bool:
        """An anonymous round still open: nobody sees its results, the facilitator included, on any
        screen, in the API or in a file (UNLINK: the bars moving as one person votes would tell what
        they chose). The one home of this rule (docs/anonymity.md)."""
        return self.anonymous and self.status == RoundStatus.OPEN

    def to_dict(self, *, staff: bool = False) -> dict:
        """The round as every reader gets it (screens, the API, the archive); only staff get the
        choices moderation took out, marked `removed`."""
        options = self.options if staff else self.shown_options
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "method": self.method,
            "target": self.target,
            "status": self.status,
            "budget": self.budget,
            "cap": self.cap,
            "allow_own": self.allow_own,
            "top_n": self.top_n,
            "anonymous": self.anonymous,
            "results_hidden": self.results_hidden,
            "hidden_until_revealed": self.hidden_until_revealed,
            "shuffle": self.shuffle,
            "rerun_of": self.rerun_of_id,
            "opened_at": stamp(self.opened_at),
            "closed_at": stamp(self.closed_at),
            "options": [o.to_dict() for o in options],
            "criteria": [c.to_dict() for c in self.criteria],
        }


class RoundOption(db.Model):
    """One choice on the ballot: an item, a theme, or a choice the facilitator wrote (neither), with its
    label as it was when the round opened."""

    __tablename__ = "round_options"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("items.id"))
    theme_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    label: so.Mapped[str] = so.mapped_column(sa.String(500))
    country: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    position: so.Mapped[int] = so.mapped_column(default=0)

    item: so.Mapped[Item | None] = so.relationship(lazy="joined")

    @property
    def removed(self) -> bool:
        """Moderation reaches rounds (KEPT): the choice of an item hidden or withdrawn is out of the
        round, for the ballot, the results and every export, for as long as the item stays so."""
        return self.item is not None and self.item.state in (ItemState.HIDDEN, ItemState.WITHDRAWN)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "theme_id": self.theme_id,
            "label": self.label,
            "country": self.country,
            "position": self.position,
            "removed": self.removed,
        }


class Criterion(db.Model):
    """A criterion target markets are scored on (1-5), with its weight."""

    __tablename__ = "criteria"
    __table_args__ = (sa.CheckConstraint("weight >= 0", name="ck_criteria_weight"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    weight: so.Mapped[float] = so.mapped_column(default=1.0)
    position: so.Mapped[int] = so.mapped_column(default=0)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "weight": self.weight, "position": self.position}


class Ballot(db.Model):
    """A voter's whole ballot for a round, replaced whole on every change.

    `voter` is "p<participant id>" in a named round. In an anonymous round it is a
    keyed hash of the round and the participant, and participant_id stays empty, so
    nothing stored beside the ballot names its owner (see docs/anonymity.md).
    """

    __tablename__ = "ballots"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "voter"),
        sa.CheckConstraint("total >= 0", name="ck_ballots_total"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    voter: so.Mapped[str] = so.mapped_column(sa.String(64))
    participant_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("participants.id"))
    segment_cluster_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clusters.id"))
    segment_sector: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    data: so.Mapped[dict | list] = so.mapped_column(sa.JSON)
    total: so.Mapped[int] = so.mapped_column(default=0)
    version: so.Mapped[int] = so.mapped_column(default=1)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
