"""Voting round use cases: open, run again, close, reveal, change limits.

One round is open at a time: opening one locks the workshop row.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth.actor import Actor
from app.core.changes import bump, fetch, finish, open_workshop, replay, unchanged
from app.errors import Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Round, Workshop, utcnow
from app.models.voting import Method, RoundStatus, default_criteria
from app.voting.services.opening import MAX_POINTS, round_criteria, round_options, round_settings
from app.voting.tally_pump import tally_pump
from app.voting.visibility import round_messages


def open_round(actor: Actor, op_id: str, settings: dict) -> dict:
    """Open a new round on the chosen items, a theme's items, the themes or the markets."""
    # How a rerun copies its round is not the client's to say: copied option ids were
    # never checked against the workshop (TENANT).
    return _open(actor, op_id, {k: v for k, v in settings.items() if k not in ("option_ids", "rerun_of_id")})


def _open(actor: Actor, op_id: str, settings: dict) -> dict:
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    bump(workshop)  # locks the workshop row: one open round at a time, numbers in order
    if _open_round(workshop.id):
        raise NotNow(_("Close the open round first."))
    number = (
        db.session.scalar(sa.select(sa.func.max(Round.number)).where(Round.workshop_id == workshop.id)) or 0
    ) + 1
    round_ = Round(workshop_id=workshop.id, number=number, **round_settings(workshop, settings))
    round_.options = round_options(workshop, settings)
    if round_.method == Method.SCORES:
        chosen = settings.get("criteria")
        round_.criteria = round_criteria(default_criteria(workshop.language) if chosen is None else chosen)
    db.session.add(round_)
    db.session.flush()
    result = finish(
        actor,
        op_id,
        {"ok": True, "v": workshop.version, "round": round_.to_dict(staff=True)},
        round_messages(workshop, round_),
    )
    # The screens learn at once how many may vote ("0 of 23 have voted"), not at the first ballot.
    tally_pump.touch(workshop.id, round_.id)
    return result


def rerun_round(actor: Actor, op_id: str, round_id: object) -> dict:
    """Run a round again as a new round with the same settings and choices, to compare them.

    The settings are those the round was opened with: a round whose results were revealed
    reruns with its results hidden until revealed again, as people were told. Choices that
    moderation took out stay out.
    """
    if stored := replay(actor, op_id):
        return stored
    source = _round(actor, round_id)
    settings = {
        k: getattr(source, k)
        for k in ("method", "target", "budget", "cap", "allow_own", "top_n", "anonymous", "shuffle")
    }
    settings["results_hidden"] = source.hidden_until_revealed
    # A workshop made anonymous since promised its newcomers anonymous votes: the rerun is too.
    settings["anonymous"] = source.anonymous or db.session.get(Workshop, actor.workshop_id).anonymous
    settings["title"] = _("%(title)s (again)", title=source.title)[:200]
    settings["option_ids"] = [o.id for o in source.shown_options]
    settings["criteria"] = [{"name": c.name, "weight": c.weight} for c in source.criteria]
    settings["rerun_of_id"] = source.id
    return _open(actor, op_id, settings)


def close_round(actor: Actor, op_id: str, round_id: object) -> dict:
    """Close the open round: no more ballots, and its results stay viewable (a closed one stays so)."""
    return _change(actor, op_id, round_id, lambda r: _close(r))


def reveal_results(actor: Actor, op_id: str, round_id: object, revealed: object) -> dict:
    """Show (or hide again) a round's results on the projector and every phone."""
    if type(revealed) is not bool:
        raise Invalid(_("The request was not understood."), field="revealed")
    return _change(actor, op_id, round_id, lambda r: setattr(r, "results_hidden", not revealed))


def set_limits(actor: Actor, op_id: str, round_id: object, budget: object, cap: object) -> dict:
    """Change a dot vote's budget or cap mid-round; ballots over the new limits are kept and marked."""
    for name, value in (("budget", budget), ("cap", cap)):
        if type(value) is not int or not 1 <= value <= MAX_POINTS:
            raise Invalid(_("Choose a whole number from 1 to 100."), field=name)

    def change(round_: Round) -> None:
        if round_.method != Method.DOTS or round_.status != RoundStatus.OPEN:
            raise NotNow(_("Only an open dot vote has a budget and a cap."))
        round_.budget, round_.cap = budget, cap

    return _change(actor, op_id, round_id, change)


def _round(actor: Actor, round_id: object) -> Round:
    round_ = fetch(Round, round_id, actor.workshop_id)
    if round_ is None:
        raise NotFound(_("This round does not exist."), field="round_id")
    return round_


def _open_round(workshop_id: int) -> Round | None:
    return db.session.scalar(
        sa.select(Round).where(Round.workshop_id == workshop_id, Round.status == RoundStatus.OPEN)
    )


def _close(round_: Round) -> None:
    if round_.status == RoundStatus.OPEN:  # closed already: closing it again changes nothing
        round_.status, round_.closed_at = RoundStatus.CLOSED, utcnow()


def _change(actor: Actor, op_id: str, round_id: object, change) -> dict:
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    round_ = _round(actor, round_id)
    with db.session.no_autoflush:
        change(round_)
    if not db.session.is_modified(round_):  # closed twice, revealed twice, the same limits
        ack = {"ok": True, "v": workshop.version, "round": round_.to_dict(staff=True)}
        return unchanged(actor, op_id, ack)
    bump(workshop)
    result = finish(
        actor,
        op_id,
        {"ok": True, "v": workshop.version, "round": round_.to_dict(staff=True)},
        round_messages(workshop, round_),
    )
    tally_pump.touch(workshop.id, round_.id)
    return result
