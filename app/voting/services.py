"""Voting round use cases: open, close, reveal, change limits, run again, and cast a ballot.

One round is open at a time. A ballot is sent whole with the version it replaces;
the database settles races between two tabs or two processes (unique voter per
round, and an update that only applies to the version the ballot was built on).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import outages, realtime
from app.auth.actor import Actor
from app.core import phases
from app.core.changes import bump, fetch, finish, is_id, open_workshop, replay, unchanged
from app.errors import Conflict, DomainError, Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Criterion, Item, ItemKind, ItemState, Round, RoundOption, Theme, Workshop, utcnow
from app.models.voting import Method, RoundStatus, Target, default_criteria
from app.voting import ballots, group_commit, tally
from app.voting.ballots import over_limit, voter_key
from app.voting.tally_pump import tally_pump
from app.voting.visibility import ballot_messages, round_messages

MAX_POINTS = 100
MAX_CHOICES = 30  # written choices a round may have
CHOICE_MAX = 200


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
    round_ = Round(workshop_id=workshop.id, number=number, **_round_settings(workshop, settings))
    round_.options = _options(workshop, settings)
    if round_.method == Method.SCORES:
        chosen = settings.get("criteria")
        round_.criteria = _criteria(default_criteria(workshop.language) if chosen is None else chosen)
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


# --- helpers --------------------------------------------------------------------------


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


def _round_settings(workshop: Workshop, settings: dict) -> dict:
    method, target = settings.get("method"), settings.get("target")
    if method not in tuple(Method):  # a tuple: a list or a dict in the payload is no error
        raise Invalid(_("Choose a voting method."), field="method")
    if target not in tuple(Target):
        raise Invalid(_("Choose what to vote on."), field="target")
    if workshop.private_ideation and target not in (Target.THEMES, Target.CHOICES):
        # Every phone and the projector would read every participant's private ideas.
        raise NotNow(
            _("Ideation is private: reveal the ideas first, then open a round on them."), field="target"
        )
    out = {"method": method, "target": target, "rerun_of_id": settings.get("rerun_of_id")}
    title = settings.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200 or "\x00" in title:
        raise Invalid(_("Give the round a title (up to 200 characters)."), field="title")
    out["title"] = title.strip()
    for name, default in (("budget", 5), ("cap", 3)):
        value = settings.get(name, default)
        if type(value) is not int or not 1 <= value <= MAX_POINTS:
            raise Invalid(_("Choose a whole number from 1 to 100."), field=name)
        out[name] = value
    top_n = settings.get("top_n")
    if top_n is not None and (type(top_n) is not int or top_n < 1):
        raise Invalid(_("Choose a whole number of at least 1."), field="top_n")
    out["top_n"] = top_n
    return out | _flags(workshop, settings)


def _flags(workshop: Workshop, settings: dict) -> dict:
    """The round's switches; in an anonymous workshop its rounds are anonymous (KEPT)."""
    out = {}
    for name, default in (
        ("allow_own", True),
        ("anonymous", workshop.anonymous),  # what the join page promised covers the rounds
        ("results_hidden", True),
        ("shuffle", False),
    ):
        value = settings.get(name, default)
        if type(value) is not bool:
            raise Invalid(_("The request was not understood."), field=name)
        out[name] = value
    if workshop.anonymous and not out["anonymous"]:
        raise Invalid(
            _(
                "Contributions in this workshop are anonymous, as people were told when they joined: "
                "so are its votes."
            ),
            field="anonymous",
        )
    out["hidden_until_revealed"] = out["results_hidden"]
    return out


def _options(workshop: Workshop, settings: dict) -> list[RoundOption]:
    """The choices on the ballot, by target; at least two."""
    workshop_id, target = workshop.id, settings["target"]
    if "option_ids" in settings:  # a rerun: the same choices as before
        sources = db.session.scalars(sa.select(RoundOption).where(RoundOption.id.in_(settings["option_ids"])))
        rows = [
            RoundOption(item_id=o.item_id, theme_id=o.theme_id, label=o.label, country=o.country)
            for o in sorted(sources, key=lambda o: o.position)
        ]
    elif target == Target.THEMES:
        themes = db.session.scalars(
            sa.select(Theme).where(Theme.workshop_id == workshop_id).order_by(Theme.position)
        )
        rows = [RoundOption(theme_id=t.id, label=t.name) for t in themes]
    elif target == Target.CHOICES:
        rows = []
    else:
        rows = [
            RoundOption(item_id=i.id, label=i.text, country=i.country) for i in _items(workshop_id, settings)
        ]
    if "option_ids" not in settings:
        rows += [RoundOption(label=label) for label in _written(settings.get("choices"))]
    if len(rows) < 2:
        field = "choices" if target == Target.CHOICES else "item_ids"
        raise Invalid(_("A round needs at least two choices."), field=field)
    for position, row in enumerate(rows):
        row.position = position
    return rows


def _written(raw: object) -> list[str]:
    """The choices the facilitator wrote for the round (a quick poll's options, or added to any round)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        raise Invalid(_("Write at most %(n)s choices.", n=MAX_CHOICES), field="choices")
    labels: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, str) or not entry.strip() or len(entry) > CHOICE_MAX or "\x00" in entry:
            raise Invalid(_("Write each choice in 1 to 200 characters."), field="choices")
        label = " ".join(entry.split())
        if label.casefold() in labels:
            twice = _("“%(label)s” is there twice: write each choice once.", label=label)
            raise Invalid(twice, field="choices")
        labels[label.casefold()] = label
    return list(labels.values())


def _items(workshop_id: int, settings: dict) -> list[Item]:
    query = sa.select(Item).where(Item.workshop_id == workshop_id, Item.state == ItemState.LIVE)
    target = settings["target"]
    if target == Target.MARKETS:
        query = query.where(Item.kind == ItemKind.MARKET)
    elif target == Target.THEME:
        theme = fetch(Theme, settings.get("theme_id"), workshop_id)
        if theme is None:
            raise NotFound(_("This theme does not exist (any more)."), field="theme_id")
        query = query.where(Item.theme_id == theme.id)
    else:
        ids = settings.get("item_ids")
        if not isinstance(ids, list) or not all(type(i) is int for i in ids):
            raise Invalid(_("Choose the items to vote on."), field="item_ids")
        query = query.where(Item.id.in_(ids))
    return list(db.session.scalars(query.order_by(Item.theme_id, Item.position, Item.id)))


def _criteria(raw: object) -> list[Criterion]:
    """The criteria markets are scored on: the joint strategy's three unless the facilitator changed them."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 8:
        raise Invalid(_("Use from one to eight criteria."), field="criteria")
    rows = []
    for position, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        weight = entry.get("weight", 1.0) if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 80 or "\x00" in name:
            raise Invalid(_("Give each criterion a name (up to 80 characters)."), field="criteria")
        if type(weight) not in (int, float) or not 0 <= weight <= 100 or weight != weight:
            raise Invalid(_("Weights are numbers from 0 to 100."), field="criteria")
        rows.append(Criterion(name=name.strip(), weight=float(weight), position=position))
    if not any(c.weight > 0 for c in rows):
        raise Invalid(_("At least one criterion needs a weight above zero."), field="criteria")
    return rows
