"""Removing a participant's contributions, on their own request or by the facilitator or an
administrator on their behalf: one service, one transaction, then the broadcast (CONVERGE).

What goes: their items and comments (from every screen at once), their +1s, their ballots in
open rounds (the tallies follow), their places in teams with the email they left there, the
introductions coordinators made of them, their name, organisation, cluster and sector. In closed rounds
the decided results stay: their ballots are filed under the keyed hash anonymous rounds use
(docs/anonymity.md) and no longer name them. An item that others' duplicates were merged into
keeps the merge, carried by the first of those texts. The participant's row stays, emptied and
marked removed: its id is never given to a newcomer, whom the old cookie would then let in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import audit, realtime
from app.core import teams
from app.core.changes import bump
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Comment,
    Item,
    ItemState,
    Participant,
    Reaction,
    Round,
    RoundOption,
    RoundStatus,
    Workshop,
    utcnow,
)
from app.privacy import traces
from app.privacy.held import Removal, heirs, own_ballots, own_items
from app.realtime import connections
from app.sqlite import forget_old_pages
from app.strategy import introductions
from app.voting import moderation
from app.voting.ballots import keyed_voter
from app.voting.tally_pump import tally_pump
from app.workshops import views
from app.workshops.services import undo
from app.workshops.services.items import leave_spotlight
from app.workshops.services.participants import participant_of

BY = ("participant", "facilitator", "administrator")  # who asked: kept in the audit log


def remove_participant(workshop_id: int, participant_id: object, *, by: str) -> Removal:
    """Take a participant's contributions out of the workshop and off every screen; erase who they were."""
    if by not in BY:
        raise ValueError(f"who asked: one of {BY}")
    person = participant_of(workshop_id, participant_id)
    if person is None:
        raise NotFound(_("This participant does not exist (any more)."))
    workshop = person.workshop
    bump(workshop)  # first: the workshop's row lock, which the ballots' group commit waits for
    removal = Removal()
    messages, reach, rounds = _take_out(workshop, person, removal)
    _erase(person)
    db.session.execute(introductions.forgotten([person.id]))  # the coordinators' record of them
    undo.forget(workshop.id)  # the board's undo could bring back what just left, and names who gave +1s
    audit.record(
        "participant.removed", f"participant:{person.id}", actor=_actor(by), workshop_id=workshop.id, by=by
    )
    db.session.commit()
    realtime.broadcast(messages + reach.messages)
    reach.touch()
    for round_id in rounds:
        tally_pump.touch(workshop.id, round_id)
    connections.let_go(person.id)
    forget_old_pages(db.engine, current_app.config["ASYNC_MODE"])
    return removal


def _take_out(
    workshop: Workshop, person: Participant, removal: Removal
) -> tuple[list[realtime.Message], moderation.Reach, list[int]]:
    """Everything of theirs, in the transaction: returns what to broadcast after the commit, the
    rounds their items left, and the rounds whose ballot of theirs was withdrawn."""
    rounds = _ballots(person, removal)  # before the items: their own ballot is not "given back"
    gone, changed = _items(person, removal)
    reach = _rounds(workshop, gone)
    comment_ids, messages = _comments(workshop, person, gone, removal)
    messages += _reactions(workshop, person, {i.id for i in gone}, removal)
    messages += _teams(workshop, person, removal)
    spotlit = any([leave_spotlight(workshop, item) for item in gone])
    db.session.flush()
    for item in changed:
        db.session.expire(item, ["merged_from"])  # their duplicates left its history
    traces.forget(
        person,
        _all_rounds(workshop),
        {i.id: views.item_view(workshop, i) for i in [*gone, *changed]},
        comment_ids,
    )
    shown = [m for item in [*gone, *changed] for m in views.item_messages(workshop, item)]
    spotlight = views.workshop_messages(workshop) if spotlit else []
    return shown + spotlight + messages, reach, rounds


def _actor(by: str) -> str | None:
    """Who the audit log names: the logged-in account, or "participant" for their own request."""
    return "participant" if by == "participant" else None


def _ballots(person: Participant, removal: Removal) -> list[int]:
    """Withdraw their ballots from open rounds; in closed ones, file them under the keyed hash.
    Returns the rounds whose tallies changed."""
    touched = []
    for round_, ballot in own_ballots(person):
        if round_.status == RoundStatus.OPEN:
            db.session.delete(ballot)
            removal.ballots_withdrawn += 1
            touched.append(round_.id)
        else:
            ballot.voter, ballot.participant_id = keyed_voter(round_.id, person.id), None
            removal.ballots_unlinked += 1
    return touched


def _items(person: Participant, removal: Removal) -> tuple[list[Item], list[Item]]:
    """Empty their items and take them off the board. Returns those gone, and those still on the
    board that changed: kept for others' merged duplicates, or merge targets that lose their history."""
    gone, changed = [], {}
    # Decided before anything changes: an item of theirs merged into another of theirs is no heir.
    plan = [(item, heirs(item, person)) for item in own_items(person)]
    for item, kept in plan:
        if kept:
            heir = kept[0]
            item.kind, item.text, item.country, item.participant_id = heir.kind, heir.text, heir.country, None
            _relabel(item)
            changed[item.id] = item
            removal.kept_merged += 1
            continue
        if item.merged_into_id is not None:
            target = db.session.get(Item, item.merged_into_id)
            changed[target.id] = target
        item.text, item.country, item.participant_id, item.merged_into_id = "", None, None, None
        item.state = ItemState.WITHDRAWN
        _relabel(item)
        gone.append(item)
        removal.items += 1
    gone_ids = {i.id for i in gone}
    return gone, [i for i in changed.values() if i.id not in gone_ids]


def _relabel(item: Item) -> None:
    """A round copies its choices' text when it opens: that copy follows the item's new text."""
    for option in db.session.scalars(sa.select(RoundOption).where(RoundOption.item_id == item.id)):
        option.label, option.country = item.text, item.country


def _rounds(workshop: Workshop, gone: list[Item]) -> moderation.Reach:
    """Their items leave every round, as a withdrawn item does: others' points on them are given back."""
    reach = moderation.Reach()
    for item in gone:
        each = moderation.follow(workshop, item)
        reach.messages += each.messages
        reach.rounds += [r for r in each.rounds if r not in reach.rounds]
    return reach


def _comments(
    workshop: Workshop, person: Participant, gone: list[Item], removal: Removal
) -> tuple[set[int], list[realtime.Message]]:
    """Delete their comments; replies others wrote to them stay, as comments of their own."""
    mine = set(db.session.scalars(sa.select(Comment.id).where(Comment.participant_id == person.id)))
    replies = set(db.session.scalars(sa.select(Comment.id).where(Comment.parent_id.in_(mine)))) - mine
    db.session.execute(sa.update(Comment).where(Comment.parent_id.in_(mine)).values(parent_id=None))
    db.session.execute(sa.delete(Comment).where(Comment.id.in_(mine)))
    removal.comments = len(mine)
    # Others' comments on their items leave the screens with the items (and stay stored, as after
    # a withdrawal).
    gone_ids = [i.id for i in gone]
    orphaned = set(db.session.scalars(sa.select(Comment.id).where(Comment.item_id.in_(gone_ids))))
    messages = views.comments_gone_messages(workshop, sorted(mine | orphaned))
    for reply in db.session.scalars(sa.select(Comment).where(Comment.id.in_(replies - orphaned))):
        messages += views.comment_messages(workshop, reply)
    return mine, messages


def _reactions(
    workshop: Workshop, person: Participant, gone: set[int], removal: Removal
) -> list[realtime.Message]:
    """Delete their +1s; each item they supported is counted again on every screen."""
    items = set(db.session.scalars(sa.select(Reaction.item_id).where(Reaction.participant_id == person.id)))
    db.session.execute(sa.delete(Reaction).where(Reaction.participant_id == person.id))
    removal.reactions = len(items)
    messages = []
    for item_id in sorted(items - gone):
        count = db.session.scalar(sa.select(sa.func.count(Reaction.id)).where(Reaction.item_id == item_id))
        messages += views.reaction_messages(workshop, item_id, count, None)
    return messages


def _teams(workshop: Workshop, person: Participant, removal: Removal) -> list[realtime.Message]:
    """Take them out of every team, their email with them: each team is counted again on every
    screen, and its members who had their address get their contacts without it."""
    left = teams.memberships(workshop, person.id)
    removal.teams = len(left)
    their = [member.team for member in left]
    for team, member in zip(their, left, strict=True):
        team.members.remove(member)
        db.session.delete(member)
    db.session.flush()
    shown = [m for team in their for m in teams.team_messages(workshop, team)]
    if teams.contacts_open(workshop):
        shown += teams.contact_messages(workshop, their)
    return shown


def _all_rounds(workshop: Workshop) -> list[Round]:
    return list(db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop.id)))


def _erase(person: Participant) -> None:
    person.display_name, person.organisation, person.cluster_id, person.sector = "", "", None, None
    person.removed_at = utcnow()
