"""Deleting a workshop for good: by hand (an administrator, or its facilitator once it is
archived) or when the retention period has passed since it ended (`flask purge`).

Every row of the workshop goes in one transaction: participants, items, comments, +1s, themes,
rounds and ballots, the operation log, and what coordinators built on its themes. The audit log
keeps one line saying so, with the counts and the title, never content. Screens still open on it
are told it ended and disconnected.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit, realtime
from app.core.changes import lock
from app.errors import NotFound, NotNow
from app.extensions import db, socketio
from app.models import (
    Ballot,
    BoardChange,
    Comment,
    Criterion,
    Item,
    Operation,
    Participant,
    Reaction,
    Role,
    Round,
    RoundOption,
    StrategyTheme,
    StrategyThemeDismissal,
    StrategyThemeMember,
    Team,
    TeamMember,
    Theme,
    User,
    Workshop,
    utcnow,
)
from app.strategy import introductions
from app.voting import results as voting_results
from app.workshops import views
from app.workshops.services.workshops import can_run


def deletable(user: User, workshop_id: int) -> Workshop:
    """The workshop if this user may delete it: an administrator any, its facilitator once archived."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not can_run(user, workshop):
        raise NotFound(_("This workshop does not exist."))
    if workshop.is_open and user.role != Role.ADMIN:
        raise NotNow(_("Archive the workshop first: its facilitator can delete it once it is archived."))
    return workshop


def contents(workshop_id: int) -> dict[str, int]:
    """What a deletion takes away, counted, for the confirmation page and the audit log."""
    rounds = sa.select(Round.id).where(Round.workshop_id == workshop_id)
    count = sa.func.count
    counted = {
        "participants": sa.select(count(Participant.id)).where(Participant.workshop_id == workshop_id),
        "items": sa.select(count(Item.id)).where(Item.workshop_id == workshop_id),
        "comments": sa.select(count(Comment.id)).where(Comment.workshop_id == workshop_id),
        "ballots": sa.select(count(Ballot.id)).where(Ballot.round_id.in_(rounds)),
        "rounds": sa.select(count(Round.id)).where(Round.workshop_id == workshop_id),
    }
    return {name: db.session.scalar(query) for name, query in counted.items()}


def delete_workshop(user: User, workshop_id: int) -> dict[str, int]:
    """Delete a workshop and everything in it, for good; the counts of what went."""
    workshop = lock(deletable(user, workshop_id), "settings")
    return _delete(workshop, "workshop.deleted")


def expired(days: int, now: datetime | None = None) -> list[Workshop]:
    """Workshops that ended (closed or archived) more than `days` ago, oldest first."""
    before = (now or utcnow()) - timedelta(days=days)
    query = sa.select(Workshop).where(Workshop.ended_at.is_not(None), Workshop.ended_at < before)
    return list(db.session.scalars(query.order_by(Workshop.ended_at, Workshop.id)))


def purge(days: int, workshop_id: int) -> dict[str, int]:
    """Delete one workshop whose retention period is over (`flask purge`), in its own transaction."""
    workshop = lock(db.session.get(Workshop, workshop_id), "settings")
    return _delete(workshop, "workshop.purged", actor="cli", retention_days=days)


def _delete(workshop: Workshop, action: str, **detail: object) -> dict[str, int]:
    """Delete every row of the workshop, record it and commit, then end its screens."""
    wid = workshop.id
    counts = contents(wid)
    ended = workshop.ended_at.isoformat(timespec="seconds") if workshop.ended_at else None
    audit.record(action, f"workshop:{wid}", title=workshop.title, ended_at=ended, counts=counts, **detail)
    # Screens are told what archiving tells them, at the next version: every page knows it.
    ended_view = (workshop.version + 1, workshop.to_dict() | {"status": "archived"})
    rounds = sa.select(Round.id).where(Round.workshop_id == wid)
    items = sa.select(Item.id).where(Item.workshop_id == wid)
    # Ballots and +1s point at rounds and items, not at the workshop: their rows are locked
    # first (PostgreSQL), so none is written between their deletion and their parent's.
    round_ids = list(db.session.scalars(rounds.with_for_update()))
    db.session.execute(items.with_for_update())
    theme_ids = set(db.session.scalars(sa.select(Theme.id).where(Theme.workshop_id == wid)))
    for statement in _deletes(wid, rounds, items):
        db.session.execute(statement, execution_options={"synchronize_session": False})
    _tidy_strategy(theme_ids)
    db.session.commit()
    _end_screens(wid, *ended_view, round_ids)
    return counts


def _deletes(wid: int, rounds: sa.Select, items: sa.Select) -> tuple[sa.Delete, ...]:
    """Every row of the workshop, children before their parents."""
    themes = sa.select(Theme.id).where(Theme.workshop_id == wid)
    teams = sa.select(Team.id).where(Team.workshop_id == wid)
    return (
        sa.delete(Ballot).where(Ballot.round_id.in_(rounds)),
        sa.delete(Criterion).where(Criterion.round_id.in_(rounds)),
        sa.delete(RoundOption).where(RoundOption.round_id.in_(rounds)),
        sa.delete(Round).where(Round.workshop_id == wid),
        sa.delete(Reaction).where(Reaction.item_id.in_(items)),
        # Teams point at items and participants: they go (their members' emails with them) first.
        sa.delete(TeamMember).where(TeamMember.team_id.in_(teams)),
        sa.delete(Team).where(Team.workshop_id == wid),
        sa.delete(Comment).where(Comment.workshop_id == wid),
        sa.delete(StrategyThemeMember).where(StrategyThemeMember.theme_id.in_(themes)),
        sa.delete(Item).where(Item.workshop_id == wid),
        sa.delete(Theme).where(Theme.workshop_id == wid),
        sa.delete(BoardChange).where(BoardChange.workshop_id == wid),
        sa.delete(Operation).where(Operation.workshop_id == wid),
        introductions.forgotten(sa.select(Participant.id).where(Participant.workshop_id == wid)),
        sa.delete(Participant).where(Participant.workshop_id == wid),
        sa.delete(Workshop).where(Workshop.id == wid),
    )


def _tidy_strategy(theme_ids: set[int]) -> None:
    """Coordinators' recurring themes left without a member go, and set-aside suggestions that
    named a deleted theme (a later theme could otherwise take its id on SQLite)."""
    member = StrategyThemeMember.strategy_theme_id == StrategyTheme.id
    db.session.execute(
        sa.delete(StrategyTheme).where(~sa.select(StrategyThemeMember.id).where(member).exists())
    )
    if not theme_ids:
        return
    for dismissal in db.session.scalars(sa.select(StrategyThemeDismissal)):
        if {int(part) for part in dismissal.key.split("-") if part.isdigit()} & theme_ids:
            db.session.delete(dismissal)


def _end_screens(wid: int, version: int, workshop: dict, round_ids: list[int]) -> None:
    """Screens still open on the workshop (an administrator may delete an open one) hear that it
    ended, as when it is archived, and are disconnected; this process drops its cached views."""
    rooms = (realtime.room_staff(wid), realtime.room_public(wid))
    realtime.broadcast([(room, "workshop_changed", {"v": version, "workshop": workshop}) for room in rooms])
    for room in rooms:
        socketio.server.manager.disconnect_room(room, realtime.NS)
    views.forget(wid)
    voting_results.forget(round_ids)
