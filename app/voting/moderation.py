"""Moderation reaches the rounds (KEPT): an item hidden or withdrawn leaves every round it is a choice of.

Its choice is out of the ballot, the results and the exports for as long as the item stays so
(`RoundOption.removed`, read from the item's state: one rule for every screen and file). In an
open round the points people gave it are given back: each such ballot is rewritten without it in
the moderation's own transaction, its version bumped from the one it had, so a phone that still
casts on the old version gets a Conflict instead of putting the choice back. The group commit
cannot write in between: the moderation has taken the workshop's version (its row lock) first,
and a batch reads that row FOR SHARE. The owner's devices learn the new ballot, with a notice each
phone words in its reader's language. An item shown again while the round is open comes back with no points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app import realtime
from app.errors import Conflict
from app.extensions import db
from app.models import Ballot, Item, Participant, Round, RoundOption, Workshop
from app.models.voting import Method, RoundStatus
from app.voting.ballots import over_limit, voter_key
from app.voting.tally_pump import tally_pump
from app.voting.visibility import round_messages

_B = Ballot.__table__.c


@dataclass
class Reach:
    """What an item's moderation changed in the rounds: messages to send after the commit, and
    the rounds whose tallies the screens must get again."""

    messages: list[realtime.Message] = field(default_factory=list)
    rounds: list[tuple[int, int]] = field(default_factory=list)  # (workshop id, round id)

    def touch(self) -> None:
        """Send the changed rounds' tallies (after the commit)."""
        for workshop_id, round_id in self.rounds:
            tally_pump.touch(workshop_id, round_id)


def follow(workshop: Workshop, item: Item) -> Reach:
    """Bring the rounds offering this item in line with its state; in the caller's transaction,
    after the workshop's version was taken."""
    reach = Reach()
    offering = sa.select(RoundOption.round_id).where(RoundOption.item_id == item.id)
    rounds = db.session.scalars(sa.select(Round).where(Round.id.in_(offering)).order_by(Round.number))
    ballots: list[realtime.Message] = []
    for round_ in rounds:
        removed = {o.id for o in round_.options if o.item_id == item.id and o.removed}
        if removed and round_.status == RoundStatus.OPEN:
            ballots += _give_back(workshop, round_, removed)
        reach.messages += round_messages(workshop, round_)
        reach.rounds.append((workshop.id, round_.id))
    reach.messages += ballots  # after the rounds: a phone redraws the ballot without the choice
    return reach


def _give_back(workshop: Workshop, round_: Round, removed: set[int]) -> list[realtime.Message]:
    """Rewrite each ballot that has points on a removed choice; tell each owner's devices."""
    rows = db.session.execute(
        sa.select(_B.id, _B.voter, _B.participant_id, _B.version, _B.data)
        .where(_B.round_id == round_.id)
        .with_for_update()
    ).all()
    changed = [(row, _without(round_.method, row.data, removed)) for row in rows]
    changed = [(row, data) for row, data in changed if data != row.data]
    owners = _owners(workshop, round_) if changed else {}
    messages = []
    for row, data in changed:
        total = sum(data.values()) if round_.method == Method.DOTS else 0
        written = db.session.execute(
            sa.update(Ballot.__table__)
            .where(_B.id == row.id, _B.version == row.version)
            .values(data=data, total=total, version=row.version + 1)
        )
        if written.rowcount != 1:  # cannot happen under the locks; never write over a ballot unseen
            raise Conflict()
        if (owner := row.participant_id or owners.get(row.voter)) is not None:
            payload = {"round_id": round_.id, "version": row.version + 1, "ballot": data}
            # A word each phone says in its reader's language (OWN), not the server's words.
            payload |= {"over_limit": over_limit(round_, data), "notice": "choice_removed"}
            messages.append((realtime.room_participant(owner), "ballot_changed", payload))
    return messages


def _without(method: str, data: dict | list, removed: set[int]) -> dict | list:
    """The ballot with no trace of the removed choices."""
    if method == Method.RANKING:
        return [o for o in data if o not in removed]
    keys = {str(o) for o in removed}
    return {k: v for k, v in data.items() if k not in keys}


def _owners(workshop: Workshop, round_: Round) -> dict[str, int]:
    """Voter -> participant. An anonymous ballot names nobody: its owner is found as the owner's
    own phone finds it (the keyed hash), in memory only, to reach their devices and no one else."""
    people = db.session.scalars(sa.select(Participant.id).where(Participant.workshop_id == workshop.id))
    return {voter_key(round_, pid): pid for pid in people}
