"""Who sees what of the voting: rounds, one's own ballot, and a round's outcome for each viewer.

`outcome` is the one answer to "what may this viewer see of this round's results", for the
screens' snapshots and tallies, the coordinators' pages, the joint strategy, the API and the
archive (and so CSV, Excel and the PDF, which are made from it). Nothing here puts a voter next
to a ballot, for any audience (UNLINK, docs/anonymity.md).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from app import realtime
from app.extensions import db
from app.models import Ballot, Round, Workshop
from app.models.voting import RoundStatus
from app.voting import results
from app.voting.ballots import over_limit, voter_key

COUNTS = ("round_id", "voted", "eligible", "method", "seq")  # what every viewer may see


class Viewer(enum.StrEnum):
    """Who looks at a round's outcome."""

    STAFF = "staff"  # the facilitator's cockpit; the API and the archive (every file) read as staff
    ROOM = "room"  # the projector and the phones: results once the facilitator reveals them
    COORDINATOR = "coordinator"  # the coordinators' pages: what a round decided, once it closed


def shows_results(round_: Round, viewer: Viewer) -> bool:
    """Whether this viewer may see the round's results now (the counts they may always see)."""
    if round_.sealed:
        return False
    if viewer == Viewer.ROOM:
        return not round_.results_hidden
    if viewer == Viewer.COORDINATOR:
        return round_.status == RoundStatus.CLOSED
    return True


def outcome(round_: Round, viewer: Viewer) -> dict:
    """The round's tally as this viewer may see it: the counts, and the results when they may;
    a sealed round says so (`"sealed": true`). The dict is shared: read it, do not change it."""
    return outcomes(round_, viewer)[0]


def outcomes(round_: Round, *viewers: Viewer) -> list[dict]:
    """outcome() for each of these viewers, from one look at whether the round's tally changed."""
    whole = results.current(round_)
    return [_as_seen(round_, whole, viewer) for viewer in viewers]


def _as_seen(round_: Round, whole: dict, viewer: Viewer) -> dict:
    if shows_results(round_, viewer):
        return whole
    counts = {k: whole[k] for k in COUNTS}
    return counts | {"sealed": True} if round_.sealed else counts


def round_messages(workshop: Workshop, round_: Round) -> list[realtime.Message]:
    """Staff see the choices moderation took out (marked); the room never receives them."""
    v = workshop.version
    return [
        (realtime.room_staff(workshop.id), "round_changed", {"v": v, "round": round_.to_dict(staff=True)}),
        (realtime.room_public(workshop.id), "round_changed", {"v": v, "round": round_.to_dict()}),
    ]


def ballot_messages(participant_id: int, ack: dict) -> list[realtime.Message]:
    """The voter's other tabs and devices learn their ballot's new version."""
    payload = {k: ack[k] for k in ("round_id", "version", "ballot", "over_limit")}
    return [(realtime.room_participant(participant_id), "ballot_changed", payload)]


def snapshot_part(workshop: Workshop, participant_id: int | None, staff: bool) -> dict:
    """Rounds, their tallies as this viewer may see them, and the viewer's own ballots."""
    rounds = list(
        db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number))
    )
    viewer = Viewer.STAFF if staff else Viewer.ROOM
    part = {"rounds": [r.to_dict(staff=staff) for r in rounds]}
    part["tallies"] = [outcome(r, viewer) for r in rounds]
    if participant_id is not None:
        part["my_ballots"] = {str(r.id): _mine(r, voter_key(r, participant_id)) for r in rounds}
    return part


def _mine(round_: Round, voter: str) -> dict | None:
    ballot = db.session.scalar(sa.select(Ballot).where(Ballot.round_id == round_.id, Ballot.voter == voter))
    if ballot is None:
        return None
    return {"version": ballot.version, "ballot": ballot.data, "over_limit": over_limit(round_, ballot.data)}
