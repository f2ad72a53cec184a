"""Casting a ballot: checked against its round and the room, written by the group commit.

A ballot is sent whole with the version it replaces; the database settles races between
two tabs or two processes (unique voter per round, and an update that only applies to the
version the ballot was built on).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import outages, realtime
from app.auth.actor import Actor
from app.core import phases
from app.core.changes import is_id, replay
from app.errors import Conflict, DomainError, Invalid, NotFound, NotNow
from app.extensions import db
from app.models.voting import Method, RoundStatus
from app.voting import ballots, group_commit, tally
from app.voting.ballots import over_limit, voter_key
from app.voting.tally_pump import tally_pump
from app.voting.visibility import ballot_messages


def cast_ballot(actor: Actor, op_id: str, round_id: object, base_version: object, ballot: object) -> dict:
    """A participant's whole ballot, written by the group commit; the ack follows it.

    It is checked without a read against the room as this process last saw it; the
    writer confirms that the room has not moved on since. When it has (or the ballot is
    refused on that view), the workshop is read afresh: an op id applied before gets its
    stored ack, and anything else is checked and written again.
    """
    args = (actor, op_id, round_id, base_version, ballot)
    job = None
    if known := ballots.known_state(actor.workshop_id):
        with suppress(DomainError):  # refused on what this process knew: decided afresh below
            job = group_commit.writer().write(_ballot_job(known, *args))
    for attempt in range(4):
        if job is not None and job.outcome != "recheck":
            break
        if attempt == 3:  # the room changed under every attempt
            raise Conflict(
                _("The round changed while you voted. Please check your ballot and send it again.")
            )
        with db.engine.connect() as connection:
            job = _ballot_job(ballots.workshop_state(connection, actor.workshop_id), *args, connection)
        if isinstance(job, dict):  # an op id applied before: its ack
            return job
        group_commit.writer().write(job)
    if job.outcome == "replay" and (stored := replay(job.filed_as, op_id)):
        return stored
    if job.outcome == "stale":
        raise Conflict(
            _("Your ballot changed elsewhere (another tab?). It has been reloaded: please check it.")
        )
    if job.outcome != "ok":
        raise outages.NotWritten(f"ballot not written: {job.outcome or 'timeout'}")
    realtime.broadcast(ballot_messages(actor.participant_id, job.ack), skip_sender=True)
    tally_pump.touch(job.workshop_id, job.round_id)
    return job.ack


def _ballot_job(
    workshop: ballots.WorkshopState | None,
    actor: Actor,
    op_id: str,
    round_id,
    base_version,
    ballot,
    connection: sa.Connection | None = None,
) -> group_commit.Write | dict:
    """Check a ballot against its round and the room; what the writer should write.

    With a connection (the workshop was just read), a retry of an applied command first
    gets its stored ack, even if the round has closed since.
    """
    if workshop is None:
        raise NotNow(_("This workshop has ended."))
    spec = (
        ballots.round_spec(round_id, actor.workshop_id, workshop.version, connection)
        if is_id(round_id)
        else None
    )
    if spec is None:
        raise NotFound(_("This round does not exist."), field="round_id")
    filed_as = _filed_as(actor, spec)
    if connection is not None and (stored := replay(filed_as, op_id, connection)):
        return stored
    phases.require(workshop, "vote")  # an archived workshop included
    if spec.status != RoundStatus.OPEN:
        raise NotNow(_("This round is closed."))
    if type(base_version) is not int or not 0 <= base_version < 2**31:
        raise Invalid(_("The request was not understood."), field="base_version")
    data, total = _checked(spec, actor, ballot)
    return group_commit.Write(
        workshop_id=workshop.id,
        version=workshop.version,
        round_id=spec.id,
        voter=voter_key(spec, actor.participant_id),
        participant_id=None if spec.anonymous else actor.participant_id,
        base=base_version,
        data=data,
        total=total,
        over_limit=over_limit(spec, data),
        filed_as=filed_as,
        segment_of=actor.participant_id,
        op_id=op_id,
    )


@dataclass(frozen=True)
class _AnonymousVoter:
    """Stands in for the actor in the operations log (replay and finish read only these two)."""

    workshop_id: int
    key: str


def _filed_as(actor: Actor, round_: ballots.RoundSpec) -> Actor | _AnonymousVoter:
    """Whom a ballot command is remembered under for retries.

    The log keeps each ack, and the ack holds the ballot: filed under "p<id>" it would
    name the voter of an anonymous ballot (UNLINK). There it is filed under the voter key.
    """
    if not round_.anonymous:
        return actor
    return _AnonymousVoter(actor.workshop_id, "a" + voter_key(round_, actor.participant_id)[:23])


def _checked(spec: ballots.RoundSpec, actor: Actor, ballot: object):
    option_ids = set(spec.option_ids)
    try:
        if spec.method == Method.DOTS:
            data = tally.validate_dots(
                ballot,
                item_ids=option_ids,
                budget=spec.budget,
                cap=spec.cap,
                own_item_ids=spec.own_options(actor.participant_id),
                allow_own=spec.allow_own,
            )
            return {str(k): v for k, v in data.items()}, sum(data.values())
        if spec.method == Method.RANKING:
            return tally.validate_ranking(ballot, item_ids=option_ids, top_n=spec.top_n), 0
        data = tally.validate_scores(ballot, item_ids=option_ids, criteria=list(spec.criteria))
        return {str(k): {str(c): s for c, s in v.items()} for k, v in data.items()}, 0
    except tally.BallotError as e:
        if e.item_id in spec.removed:  # built before the choice left the round: the phone reloads
            raise Conflict(
                _("A choice was taken out of this round. Your ballot has been reloaded: please check it.")
            ) from None
        raise Invalid(_ballot_message(e), field=e.field) from None


def _ballot_message(error: tally.BallotError) -> str:
    # tally.py speaks plain English; the voter reads it in the workshop's language.
    return _("This ballot cannot be saved: %(reason)s", reason=error.message)
