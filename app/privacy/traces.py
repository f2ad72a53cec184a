"""The log of applied commands (`Operation`) keeps each ack, so that a retry gets the same answer.

An ack can hold text: an item's, a comment's, a round's choices. When a participant leaves, the
log forgets their own commands, and in everyone else's acks their items, comments and choices are
replaced by what the workshop now holds: a retry is still answered, without their text or name.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Operation, Participant, Round
from app.voting.ballots import keyed_voter


def forget(person: Participant, rounds: list[Round], items: dict[int, dict], comments: set[int]) -> None:
    """Drop the person's commands from the log and take their text out of the others' acks.

    items: the view of each item that changed (id -> what screens now get); comments: the ids of
    the person's comments, now deleted.
    """
    # Their ballots in anonymous rounds are filed under the keyed hash (app/voting/services/casting.py).
    keys = {f"p{person.id}"} | {"a" + keyed_voter(r.id, person.id)[:23] for r in rounds if r.anonymous}
    db.session.execute(
        sa.delete(Operation).where(Operation.workshop_id == person.workshop_id, Operation.actor.in_(keys))
    )
    labels = {i: (view["text"], view["country"]) for i, view in items.items()}
    for operation in db.session.scalars(
        sa.select(Operation).where(Operation.workshop_id == person.workshop_id)
    ):
        ack = scrubbed(operation.ack, items, labels, comments)
        if ack is not None:
            operation.ack = ack  # a new dict: the JSON column sees the change


def scrubbed(ack: object, items: dict[int, dict], labels: dict, comments: set[int]) -> dict | None:
    """The ack with those items, comments and choices as they now are; None if it holds none of them."""
    if not isinstance(ack, dict):
        return None
    out = dict(ack)
    item = ack.get("item")
    if isinstance(item, dict) and item.get("id") in items:
        out["item"] = items[item["id"]] | {"mine": item.get("mine", False)}
    comment = ack.get("comment")
    if isinstance(comment, dict) and comment.get("id") in comments:
        out["comment"] = comment | {"text": "", "author": None}
    round_ = ack.get("round")
    if isinstance(round_, dict) and isinstance(round_.get("options"), list):
        out["round"] = round_ | {"options": [_option(o, labels) for o in round_["options"]]}
    return out if out != ack else None


def _option(option: object, labels: dict) -> object:
    if not isinstance(option, dict) or option.get("item_id") not in labels:
        return option
    label, country = labels[option["item_id"]]
    return option | {"label": label, "country": country}
