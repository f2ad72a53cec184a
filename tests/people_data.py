"""Builders for the people's-data tests: a workshop holding a row in every table a workshop fills."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.auth.actor import PARTICIPANT, Actor
from app.extensions import db
from app.models import (
    Participant,
    StrategyTheme,
    StrategyThemeDismissal,
    StrategyThemeMember,
    Team,
    TeamMember,
    Theme,
    User,
)
from app.workshops.services import discussion, themes
from tests.conftest import make_item, op, set_phase
from tests.test_strategy_services import Scored, scored_workshop


@dataclass
class Full:
    room: Scored
    person: Participant  # named, with an organisation, author of SECRET

    @property
    def workshop(self):
        return self.room.workshop


def full_workshop(title: str, name: str = "Zebulon Quux", secret: str = "unique-idea-9f3c") -> Full:
    """A workshop with participants, ideas and markets (one merged into another), a theme, comments
    and a reply, +1s, a scoring round and its rerun with ballots, the operation log, and a
    coordinators' recurring theme and dismissed suggestion on its theme."""
    room = scored_workshop(title, "bwcon", ["IN", "BR"], 2, ["Funding"])
    workshop = room.workshop
    person = Participant(workshop_id=workshop.id, display_name=name, organisation=f"{name} GmbH")
    db.session.add(person)
    db.session.commit()
    theme = db.session.scalar(sa.select(Theme).where(Theme.workshop_id == workshop.id))
    idea = make_item(workshop, person.id, f"{secret} idea", theme_id=theme.id)
    duplicate = make_item(workshop, room.pids[0], "the same idea", theme_id=theme.id)
    assert themes.merge_items(room.staff, op(), idea.id, [duplicate.id])["ok"]
    set_phase(workshop.id, "discuss")
    me = Actor(workshop.id, PARTICIPANT, participant_id=person.id)
    comment = discussion.add_comment(me, op(), idea.id, f"{secret} comment")["comment"]
    other = Actor(workshop.id, PARTICIPANT, participant_id=room.pids[1])
    assert discussion.add_comment(other, op(), idea.id, "a reply", comment["id"])["ok"]
    assert discussion.toggle_reaction(other, op(), idea.id)["ok"]
    set_phase(workshop.id, "vote")
    room.pids.append(person.id)
    room.score([{"IN": (5, 5, 5)}, {"BR": (4, 4, 4)}, {"IN": (1, 2, 3)}])
    room.score([{"IN": (4, 4, 4)}, {"BR": (3, 3, 3)}, {"BR": (5, 5, 5)}], rerun=True)
    # A team for the idea, with the person in it and their email (deleted with the rest).
    team = Team(workshop_id=workshop.id, item_id=idea.id)
    team.members = [
        TeamMember(participant_id=person.id, brings=f"{secret} brings", contact_email="z@q.example")
    ]
    db.session.add(team)
    coordinator = db.session.get(User, workshop.facilitator_id)
    recurring = StrategyTheme(name=f"{title} recurring", created_by_id=coordinator.id)
    recurring.members = [StrategyThemeMember(theme_id=theme.id)]
    db.session.add(recurring)
    db.session.add(StrategyThemeDismissal(key=f"{theme.id}-999999", dismissed_by_id=coordinator.id))
    db.session.commit()
    return Full(room, person)


def all_rows() -> dict[str, list[tuple]]:
    """Every row of every table, as stored."""
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)
    return rows
