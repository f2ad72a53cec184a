"""Every workshop of every cluster with its headline results, and one workshop read-only, for coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.countries import market_label
from app.errors import NotFound
from app.extensions import db
from app.models import Cluster, Item, ItemState, Participant, Round, Theme, Workshop
from app.models.voting import Method, RoundStatus
from app.voting.visibility import Viewer, outcome

STATUSES = ("open", "archived")


@dataclass(frozen=True)
class Top:
    """The winner of a round: what it is, and its score in the round's own unit."""

    round_id: int
    round_title: str
    method: str
    label: str
    score: float | int
    tied: int  # how many more share the first rank


@dataclass(frozen=True)
class Headline:
    workshop: Workshop
    participants: int
    items: int
    rounds: int
    top: Top | None


def overview(
    cluster: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> list[Headline]:
    """The workshops matching the filters, newest first, each with its headline results."""
    query = sa.select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id.desc())
    if cluster:
        query = query.join(Cluster, Cluster.id == Workshop.cluster_id).where(Cluster.slug == cluster)
    if date_from:
        query = query.where(Workshop.created_at >= datetime.combine(date_from, time.min))
    if date_to:
        query = query.where(Workshop.created_at < datetime.combine(date_to + timedelta(days=1), time.min))
    if status in STATUSES:
        query = query.where(Workshop.status == status)
    workshops = list(db.session.scalars(query))
    ids = [w.id for w in workshops]
    people = _counts(Participant.workshop_id, Participant.id, ids)
    items = _counts(Item.workshop_id, Item.id, ids, Item.state == ItemState.LIVE)
    rounds = _counts(Round.workshop_id, Round.id, ids)
    return [
        Headline(w, people.get(w.id, 0), items.get(w.id, 0), rounds.get(w.id, 0), top_result(w.id))
        for w in workshops
    ]


def _counts(group, counted, ids: list[int], *where) -> dict[int, int]:
    """One grouped count for all listed workshops."""
    query = sa.select(group, sa.func.count(counted)).where(group.in_(ids), *where).group_by(group)
    return {workshop_id: n for workshop_id, n in db.session.execute(query)}


def top_result(workshop_id: int) -> Top | None:
    """The first result of the workshop's latest closed round, if anyone voted in it."""
    round_ = db.session.scalar(
        sa.select(Round)
        .where(Round.workshop_id == workshop_id, Round.status == RoundStatus.CLOSED)
        .order_by(Round.number.desc())
        .limit(1)
    )
    if round_ is None:
        return None
    results = outcome(round_, Viewer.COORDINATOR)
    rows = [r for r in results.get("results", []) if r["rank"] == 1]
    if not results["voted"] or not rows:
        return None
    score = rows[0]["weighted_score"] if round_.method == Method.SCORES else rows[0]["points"]
    label = option_label(round_, rows[0]["item_id"])
    return Top(round_.id, round_.title, round_.method, label, score, len(rows) - 1)


def option_label(round_: Round, option_id: int) -> str:
    """An option as people know it: a market by its country's name first, in the reader's language."""
    option = next((o for o in round_.options if o.id == option_id), None)
    return "?" if option is None else market_label(option.label, option.country)


def workshop_detail(workshop_id: int) -> dict:
    """One workshop as a coordinator reads it: themes with their items, markets, rounds with results."""
    workshop = db.session.get(Workshop, workshop_id) if 0 < workshop_id < 2**63 else None
    if workshop is None:
        raise NotFound(_("This workshop does not exist."))
    themes = list(
        db.session.scalars(sa.select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position))
    )
    items = list(
        db.session.scalars(
            sa.select(Item)
            .where(Item.workshop_id == workshop.id, Item.state == ItemState.LIVE)
            .order_by(Item.position, Item.id)
        )
    )
    rounds = list(
        db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number))
    )
    return {
        "workshop": workshop,
        "participants": _counts(Participant.workshop_id, Participant.id, [workshop.id]).get(workshop.id, 0),
        "themes": [(t, [i for i in items if i.theme_id == t.id]) for t in themes],
        "unsorted": [i for i in items if i.theme_id is None],
        "rounds": [(r, round_results(r)) for r in rounds],
    }


def round_results(round_: Round) -> dict:
    """Results rows with their labels once the round closed; rows None while it is open (only counts)."""
    results = outcome(round_, Viewer.COORDINATOR)
    if "results" not in results:
        return {"voted": results["voted"], "rows": None}
    rows = []
    for row in results["results"]:
        score = row["weighted_score"] if round_.method == Method.SCORES else row["points"]
        option = next((o for o in round_.options if o.id == row["item_id"]), None)
        rows.append(
            {
                "rank": row["rank"],
                "label": option_label(round_, row["item_id"]),
                "item_id": option.item_id if option else None,
                "score": score,
                "voters": row["voters"],
                "contested": row["contested"],
            }
        )
    return {"voted": results["voted"], "rows": rows}
