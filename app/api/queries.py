"""What the API reads: workshops, their summary and results, the joint strategy, as plain dicts.

Scope (TENANT): administrators and coordinators read every workshop; a facilitator reads only
the workshops they run, and another facilitator's workshop behaves exactly like an unknown id.
Ids are the database's own, so a client can link a result to its round, option and item.
Results are the ones staff see (app/voting/visibility.py): a sealed round's are not (UNLINK).
Items and rounds are their models' own dicts, cut to what the OpenAPI document describes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.api.params import MAX_ID, WorkshopFilters
from app.api.schema_parts import conform
from app.api.schemas import ITEM, ROUND, ROUND_HEAD
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Cluster,
    Comment,
    Item,
    ItemState,
    Participant,
    Role,
    Round,
    Theme,
    User,
    Workshop,
    stamp,
)
from app.strategy import services as strategy
from app.voting.visibility import Viewer, outcome
from app.workshops.services.workshops import readable_by

BASE = "/api/v1"


def workshop_for(user: User, workshop_id: int) -> Workshop:
    if not 1 <= workshop_id <= MAX_ID:  # a 20-digit id overflows the database's integer
        raise NotFound(_("This workshop does not exist."))
    workshop = db.session.scalar(sa.select(Workshop).where(Workshop.id == workshop_id, readable_by(user)))
    if workshop is None:
        raise NotFound(_("This workshop does not exist."))
    return workshop


def clusters() -> list[dict]:
    """The host clusters, for the cluster filter."""
    rows = db.session.scalars(sa.select(Cluster).order_by(Cluster.id))
    return [{"slug": c.slug, "name": c.name} for c in rows]


def cluster_slugs() -> set[str]:
    return set(db.session.scalars(sa.select(Cluster.slug)))


def list_workshops(user: User, filters: WorkshopFilters) -> dict:
    """One page of the workshops this user may read, newest first, with the total that matched."""
    query = sa.select(Workshop).where(readable_by(user))
    if filters.cluster:
        query = query.join(Cluster, Cluster.id == Workshop.cluster_id).where(Cluster.slug == filters.cluster)
    if filters.status:
        query = query.where(Workshop.status == filters.status)
    if filters.date_from:
        query = query.where(Workshop.created_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:  # the whole of that day
        query = query.where(
            Workshop.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min)
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = db.session.scalars(
        query.order_by(Workshop.created_at.desc(), Workshop.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return {
        "workshops": [workshop_dict(w) for w in page],
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
    }


def workshop_dict(workshop: Workshop) -> dict:
    """A workshop as lists show it. No join code: a token reads outcomes, it does not join rooms."""
    return {
        "id": workshop.id,
        "title": workshop.title,
        "question": workshop.question,
        "cluster": {"slug": workshop.cluster.slug, "name": workshop.cluster.name},
        "language": workshop.language,
        "status": workshop.status,
        "phase": workshop.phase,
        "anonymous": workshop.anonymous,
        "facilitator": workshop.facilitator.name,
        "created_at": stamp(workshop.created_at),
        "links": {
            "self": f"{BASE}/workshops/{workshop.id}",
            "results": f"{BASE}/workshops/{workshop.id}/results",
        },
    }


def workshop_summary(user: User, workshop_id: int) -> dict:
    """The workshop with its settings, counts, themes, items on the board and rounds."""
    workshop = workshop_for(user, workshop_id)
    items = _board_items(workshop.id)
    themes = list(
        db.session.scalars(
            sa.select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position, Theme.id)
        )
    )
    rounds = _rounds(workshop.id)
    details = {
        "phases": list(workshop.phases),
        "submissions_open": workshop.submissions_open,
        "private_ideation": workshop.private_ideation,
        "participants_cluster": workshop.participants_cluster,
    }
    return {
        "workshop": workshop_dict(workshop) | details,
        "counts": _counts(workshop.id, items, themes, rounds),
        "themes": [t.to_dict() | {"items": [i.id for i in items if i.theme_id == t.id]} for t in themes],
        "items": [conform(i.to_dict(named=False), ITEM) for i in items],
        "rounds": [conform(r.to_dict(), ROUND_HEAD) for r in rounds],
    }


def workshop_results(user: User, workshop_id: int) -> dict:
    """Every round of the workshop, in order, with its options, criteria and results."""
    workshop = workshop_for(user, workshop_id)
    rounds = [
        # Moderation reaches the API too: the round's own dict holds only the choices still in it.
        conform(r.to_dict() | {"results": _results(outcome(r, Viewer.STAFF))}, ROUND)
        for r in _rounds(workshop.id)
    ]
    return {"workshop_id": workshop.id, "rounds": rounds}


def joint_strategy(user: User, workshop_ids: list[int]) -> dict:
    """The joint strategy across these workshops; each must be one the user may read. The emails
    team members left are their consent to the clusters' coordinators: a facilitator reads none."""
    for workshop_id in workshop_ids:
        workshop_for(user, workshop_id)
    return strategy.joint_strategy(workshop_ids, contacts=user.role in (Role.COORDINATOR, Role.ADMIN))


def _board_items(workshop_id: int) -> list[Item]:
    """The items on the board: hidden, withdrawn and merged-away items are not outcomes."""
    query = sa.select(Item).where(Item.workshop_id == workshop_id, Item.state == ItemState.LIVE)
    return list(
        db.session.scalars(query.order_by(Item.theme_id.is_not(None), Item.theme_id, Item.position, Item.id))
    )


def _rounds(workshop_id: int) -> list[Round]:
    return list(
        db.session.scalars(sa.select(Round).where(Round.workshop_id == workshop_id).order_by(Round.number))
    )


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def _counts(workshop_id: int, items: list[Item], themes: list[Theme], rounds: list[Round]) -> dict:
    return {
        "participants": _count(Participant, Participant.workshop_id == workshop_id),
        "ideas": sum(1 for i in items if i.kind == "idea"),
        "markets": sum(1 for i in items if i.kind == "market"),
        "comments": _count(Comment, Comment.workshop_id == workshop_id, Comment.hidden.is_(False)),
        "themes": len(themes),
        "rounds": len(rounds),
    }


def _results(staff_view: dict) -> dict:
    """The tally as staff see it, with each result naming its option as `option_id`.

    The tally calls a round's choices "items"; in the API they are options (options[].id), and
    an option's own item_id is the board item behind it.
    """
    out = {k: staff_view[k] for k in ("voted", "eligible", "method")} | {
        "sealed": bool(staff_view.get("sealed"))
    }
    if out["sealed"]:
        return out
    out["standings"] = _options(staff_view["results"])
    if "schulze" in staff_view:
        out["schulze"] = staff_view["schulze"]
    for key in ("by_cluster", "by_sector"):
        part = staff_view[key]
        out[key] = {
            "segments": [s | {"results": _options(s["results"])} for s in part["segments"]],
            "hidden_segments": part["hidden_segments"],
        }
    return out


def _options(rows: list[dict]) -> list[dict]:
    return [{"option_id": row["item_id"]} | {k: v for k, v in row.items() if k != "item_id"} for row in rows]
