"""Accounts, workshops, participants and their items."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.countries import country_name
from app.extensions import db

# The host clusters, seeded by the first migration. Slugs are stable; names may be edited.
CLUSTERS = (
    ("bwcon", "Baden-Württemberg: Connected"),
    ("torino-wireless", "Fondazione Torino Wireless"),
    ("elinclus", "ELINCLUS (APTE)"),
    ("cluster-ict", "Cluster ICT"),
    ("other", "Other"),
)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stamp(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as every reader gets it: ISO 8601 with "Z"."""
    return None if moment is None else moment.isoformat() + "Z"


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"


class Sector(enum.StrEnum):
    AI = "ai"
    BLOCKCHAIN = "blockchain"
    BOTH = "both"
    OTHER = "other"


class ItemKind(enum.StrEnum):
    IDEA = "idea"
    MARKET = "market"


class ItemState(enum.StrEnum):
    LIVE = "live"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"  # folded into another item; kept as that item's history


class Phase(enum.StrEnum):
    LOBBY = "lobby"
    PROPOSE = "propose"
    DISCUSS = "discuss"
    CLUSTER = "cluster"
    VOTE = "vote"
    RESULTS = "results"
    TEAMS = "teams"  # who goes together to a chosen market (app/workshops/services/teams.py)
    CLOSED = "closed"


PHASE_ORDER = tuple(Phase)
# What a new workshop runs unless its facilitator or template says otherwise: Teams is chosen.
DEFAULT_PHASES = tuple(p for p in Phase if p != Phase.TEAMS)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # None until the person sets a password through their invitation link (app/auth/links.py).
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=Role.FACILITATOR)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Part of every session's user id ("id:version"): bumped when the account's sessions end
    # (logout, disabled, new role or password), which makes every copy of its cookie stale.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.active

    def get_id(self) -> str:
        """What a session stores (Flask-Login's alternative token): read back by `load_user`."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def invited(self) -> bool:
        """Created by an administrator, waiting for the person to set a password."""
        return self.password_hash is None


class Cluster(db.Model):
    __tablename__ = "clusters"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))


class Workshop(db.Model):
    __tablename__ = "workshops"
    __table_args__ = (
        # A join code is unique among open workshops only; archived ones keep theirs.
        sa.Index(
            "uq_open_join_code",
            "join_code",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        # SQLite would give a deleted workshop's id to the next one: screens' caches, phones'
        # cookies and the audit log name workshops by id (ids are never reused; 0008).
        {"sqlite_autoincrement": True},
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    question: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    cluster_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clusters.id"))
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    facilitator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    join_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="open")
    submissions_open: so.Mapped[bool] = so.mapped_column(default=True)
    private_ideation: so.Mapped[bool] = so.mapped_column(default=False)
    phase: so.Mapped[str] = so.mapped_column(sa.String(10), default=Phase.LOBBY)
    # The phases this workshop runs through, in order (a template's choice, editable).
    phases: so.Mapped[list] = so.mapped_column(sa.JSON, default=lambda: list(DEFAULT_PHASES))
    participants_cluster: so.Mapped[bool] = so.mapped_column(default=False)
    spotlight_item_id: so.Mapped[int | None] = so.mapped_column()
    # The countdown: running while ends_at is set; paused with remaining_s; server clock only.
    timer_duration_s: so.Mapped[int] = so.mapped_column(default=0)
    timer_ends_at: so.Mapped[datetime | None] = so.mapped_column()
    timer_remaining_s: so.Mapped[float] = so.mapped_column(default=0)
    timer_lock_at_zero: so.Mapped[bool] = so.mapped_column(default=False)
    # The last duration set in each phase ({"propose": 300}): a phase's countdown starts from it again.
    timer_durations: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
    # What members of a team may say they bring and look for (Teams phase), in the facilitator's words.
    team_tags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    # Bumped in the transaction of every change that screens must follow.
    version: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # When the room closed (its last phase) or the workshop was archived, whichever came first;
    # RETENTION_DAYS counts from here (`flask purge`).
    ended_at: so.Mapped[datetime | None] = so.mapped_column(index=True)

    cluster: so.Mapped[Cluster] = so.relationship()
    facilitator: so.Mapped[User] = so.relationship()

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def note_end(self) -> None:
        """Keep when the workshop ended, closed or archived, whichever came first; a room that was
        closed and opens again (the phase bar moved back) has not ended."""
        if self.is_open and self.phase != Phase.CLOSED:
            self.ended_at = None
        elif self.ended_at is None:
            self.ended_at = utcnow()

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "cluster": self.cluster.name,
            "language": self.language,
            "anonymous": self.anonymous,
            "join_code": self.join_code,
            "status": self.status,
            "submissions_open": self.submissions_open,
            "private_ideation": self.private_ideation,
            "phase": self.phase,
            "phases": list(self.phases),
            "participants_cluster": self.participants_cluster,
            "spotlight_item_id": self.spotlight_item_id,
            "timer": self.timer_dict(),
            "timer_durations": dict(self.timer_durations or {}),
        }

    def timer_left(self, now: datetime | None = None) -> float:
        """Seconds left on the countdown, by the server's clock."""
        if self.timer_ends_at is None:
            return self.timer_remaining_s
        return max(0.0, (self.timer_ends_at - (now or utcnow())).total_seconds())

    def timer_expired(self, now: datetime | None = None) -> bool:
        return self.timer_ends_at is not None and self.timer_left(now) <= 0

    def timer_dict(self) -> dict:
        """Time left as a duration, never a clock time: phones' clocks are often wrong."""
        left = self.timer_left()
        if self.timer_ends_at is not None:
            state = "expired" if left <= 0 else "running"
        else:
            state = "paused" if 0 < left < self.timer_duration_s else ("set" if left > 0 else "idle")
        return {
            "state": state,
            "remaining_ms": int(left * 1000),
            "duration_s": self.timer_duration_s,
            "lock_at_zero": self.timer_lock_at_zero,
        }


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = ({"sqlite_autoincrement": True},)  # a phone's cookie names its participant by id
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    organisation: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    cluster_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clusters.id"))
    sector: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    consented_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Set when their contributions were removed (app/privacy): the row stays, emptied, so that
    # its id is never given to a newcomer whom the old cookie would then let in.
    removed_at: so.Mapped[datetime | None] = so.mapped_column()

    workshop: so.Mapped[Workshop] = so.relationship()

    def to_dict(self) -> dict:
        return {"id": self.id, "display_name": self.display_name, "organisation": self.organisation}


class Item(db.Model):
    """A contribution: a strategy idea, or a target market (a country) with its rationale."""

    __tablename__ = "items"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"), index=True)
    participant_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("participants.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    text: so.Mapped[str] = so.mapped_column(sa.String(500))
    country: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default=ItemState.LIVE)
    theme_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    position: so.Mapped[int] = so.mapped_column(default=0)
    merged_into_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("items.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    author: so.Mapped[Participant | None] = so.relationship()
    # The duplicates merged into this item, kept as its history.
    merged_from: so.Mapped[list[Item]] = so.relationship(
        foreign_keys=[merged_into_id], lazy="selectin", order_by="Item.id"
    )

    def to_dict(self, *, named: bool, language: str | None = None) -> dict:
        """The item as every reader gets it (screens, the API, the archive): its author's name only
        where contributions are named, its country named in `language` (None: the reader's)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "country": self.country,
            "country_name": country_name(self.country, language) if self.country else None,
            "author": (self.author.display_name or None) if named and self.author else None,
            "state": self.state,
            "theme_id": self.theme_id,
            "position": self.position,
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
        }


class Operation(db.Model):
    """A client command already applied: a retry with the same op id gets the same ack."""

    __tablename__ = "operations"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "actor", "op_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshops.id"))
    actor: so.Mapped[str] = so.mapped_column(sa.String(24))
    op_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    ack: so.Mapped[dict] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
