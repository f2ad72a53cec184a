"""What a workshop holds about one participant: shown on their "My data" page and downloaded as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core import teams
from app.core.countries import country_name, market_label
from app.extensions import db
from app.models import (
    Ballot,
    Cluster,
    Comment,
    Introduction,
    Item,
    ItemState,
    Participant,
    Reaction,
    Round,
    TeamMember,
)
from app.models.voting import Method, RoundStatus
from app.strategy import introductions
from app.voting.ballots import voter_key
from app.workshops import views


@dataclass
class Removal:
    """What removing a participant's contributions takes out (counts only: said to them afterwards)."""

    items: int = 0  # ideas and target markets, gone from every screen
    kept_merged: int = 0  # items others' duplicates were merged into: kept, with another's text
    comments: int = 0
    reactions: int = 0
    ballots_withdrawn: int = 0  # in open rounds
    ballots_unlinked: int = 0  # in closed rounds: still counted, no longer theirs
    teams: int = 0  # teams they had counted themselves in, their email with it

    def to_dict(self) -> dict:
        return asdict(self)


def own_items(person: Participant) -> list[Item]:
    return list(db.session.scalars(sa.select(Item).where(Item.participant_id == person.id).order_by(Item.id)))


def heirs(item: Item, person: Participant) -> list[Item]:
    """Others' duplicates merged into this item while it is on the board: for their sake the merge
    stays when its author leaves, carried by the first of their texts."""
    if item.state not in views.ON_BOARD:
        return []
    return [m for m in item.merged_from if m.participant_id != person.id]


def own_ballots(person: Participant) -> list[tuple[Round, Ballot]]:
    """Each round's ballot of this person, found as their phone finds it (by name or by keyed hash)."""
    rounds = db.session.scalars(
        sa.select(Round).where(Round.workshop_id == person.workshop_id).order_by(Round.number)
    )
    found = []
    for round_ in rounds:
        ballot = db.session.scalar(
            sa.select(Ballot).where(
                Ballot.round_id == round_.id, Ballot.voter == voter_key(round_, person.id)
            )
        )
        if ballot is not None:
            found.append((round_, ballot))
    return found


def preview(person: Participant) -> Removal:
    """What a removal would take out, for the page that asks to confirm it."""
    items = own_items(person)
    kept = sum(1 for item in items if heirs(item, person))
    ballots = own_ballots(person)
    return Removal(
        items=len(items) - kept,
        kept_merged=kept,
        comments=_count(Comment.id, Comment.participant_id == person.id),
        reactions=_count(Reaction.id, Reaction.participant_id == person.id),
        ballots_withdrawn=sum(1 for round_, _b in ballots if round_.status == RoundStatus.OPEN),
        ballots_unlinked=sum(1 for round_, _b in ballots if round_.status != RoundStatus.OPEN),
        teams=len(teams.memberships(person.workshop, person.id)),
    )


def _count(column, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count(column)).where(*where))


def held(person: Participant) -> dict:
    """Everything the workshop holds about this participant, as they may read and download it."""
    workshop = person.workshop
    cluster = db.session.get(Cluster, person.cluster_id) if person.cluster_id else None
    return {
        "workshop": {"id": workshop.id, "title": workshop.title},
        "you": {
            "display_name": person.display_name,
            "organisation": person.organisation,
            "cluster": cluster.name if cluster else None,
            "sector": person.sector,
            "joined_at": _stamp(person.created_at),
        },
        "items": [_item(item) for item in own_items(person)],
        "comments": [_comment(c, person) for c in _own(Comment, person)],
        "plus_ones": [_plus_one(r, person) for r in _own(Reaction, person)],
        "ballots": [_ballot(round_, ballot) for round_, ballot in own_ballots(person)],
        "teams": [_team(m) for m in teams.memberships(workshop, person.id)],
        "team_contacts": teams.contacts_for(workshop, person.id),
        "introductions": [_introduction(row, person) for row in introductions.of_participant(person.id)],
    }


def _introduction(row: Introduction, person: Participant) -> dict:
    """An introduction a coordinator made: the market, the other company (named where they agreed),
    the tags that matched; the other's address was in the mail."""
    other = row.second if row.first_id == person.id else row.first
    named = not other.workshop.anonymous and any(
        m.show_name
        for m in db.session.scalars(sa.select(TeamMember).where(TeamMember.participant_id == other.id))
    )
    cluster = db.session.get(Cluster, other.cluster_id or other.workshop.cluster_id)
    return {
        "market": country_name(row.country) or row.country,
        "country": row.country,
        "with": (other.display_name or None) if named else None,
        "with_cluster": cluster.name if cluster else None,
        "tags": list(row.tags or []),
        "at": _stamp(row.created_at),
    }


def _team(member: TeamMember) -> dict:
    """A membership as its member reads it: the team's market or idea, and what they said and agreed to."""
    item = member.team.item
    return {"team": market_label(item.text, item.country)} | member.own_dict()


def _own(model, person: Participant) -> list:
    return list(
        db.session.scalars(sa.select(model).where(model.participant_id == person.id).order_by(model.id))
    )


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds") + "Z"


def _item(item: Item) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "text": item.text,
        "country": item.country,
        "state": item.state,
        "created_at": _stamp(item.created_at),
    }


def _seen(item_id: int, person: Participant) -> str | None:
    """The text of an item someone commented on or gave +1, while they may still see it."""
    item = db.session.get(Item, item_id)
    if item is None:
        return None
    mine = item.participant_id == person.id
    visible = views.publicly_visible(person.workshop, item) or (mine and item.state == ItemState.LIVE)
    return item.text if visible else None


def _comment(comment: Comment, person: Participant) -> dict:
    return {
        "id": comment.id,
        "item_id": comment.item_id,
        "on": _seen(comment.item_id, person),
        "text": comment.text,
        "hidden": comment.hidden,
        "created_at": _stamp(comment.created_at),
    }


def _plus_one(reaction: Reaction, person: Participant) -> dict:
    return {
        "item_id": reaction.item_id,
        "on": _seen(reaction.item_id, person),
        "at": _stamp(reaction.created_at),
    }


def _ballot(round_: Round, ballot: Ballot) -> dict:
    """A ballot with its choices named (a choice taken out of the round is not)."""
    labels = {o.id: (None if o.removed else o.label) for o in round_.options}
    criteria = {c.id: c.name for c in round_.criteria}
    data = ballot.data
    if round_.method == Method.RANKING:
        choices = [{"choice": labels.get(int(o)), "rank": n} for n, o in enumerate(data, 1)]
    elif round_.method == Method.SCORES:
        choices = [
            {"choice": labels.get(int(o)), "scores": {criteria.get(int(c), c): s for c, s in scores.items()}}
            for o, scores in data.items()
        ]
    else:
        choices = [{"choice": labels.get(int(o)), "points": points} for o, points in data.items()]
    return {
        "round": round_.number,
        "title": round_.title,
        "method": round_.method,
        "status": round_.status,
        "anonymous": round_.anonymous,
        "choices": choices,
        "updated_at": _stamp(ballot.updated_at),
    }
