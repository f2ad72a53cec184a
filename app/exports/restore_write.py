"""Writing a checked archive plan (app.exports.restore.validate) to the database; the caller commits.

Records are inserted in the order of their refs, so the restored ids keep the archive's order and
the restored workshop's own archive numbers them the same way.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.exports.archive import ref_number
from app.extensions import db
from app.models import (
    Ballot,
    Comment,
    Criterion,
    Item,
    Participant,
    Reaction,
    Round,
    RoundOption,
    Theme,
    User,
    Workshop,
)
from app.models.voting import Method
from app.workshops.services.workshops import new_code


def _in_order(records: dict) -> list[tuple[str, dict]]:
    return sorted(records.items(), key=lambda pair: ref_number(pair[0]))


def _add_all(rows: dict) -> dict[str, int]:
    """Insert the rows (ref -> model) in ref order; their new ids by ref."""
    for _ref, row in sorted(rows.items(), key=lambda pair: ref_number(pair[0])):
        db.session.add(row)
    db.session.flush()
    return {ref: row.id for ref, row in rows.items()}


def write(plan: dict, facilitator: User) -> Workshop:
    settings = {k: v for k, v in plan["workshop"].items() if not k.startswith("_")}
    # A record, not a live room: archived, so its fresh code never lets anyone join.
    workshop = Workshop(facilitator_id=facilitator.id, join_code=new_code(), status="archived", **settings)
    workshop.note_end()  # retention counts from the restore
    db.session.add(workshop)
    db.session.flush()
    ids: dict[str, dict[str, int]] = {}
    ids["P"] = _add_all(
        {
            ref: Participant(workshop_id=workshop.id, consented_at=p["created_at"], **p)
            for ref, p in plan["participants"].items()
        }
    )
    ids["T"] = _add_all({ref: Theme(workshop_id=workshop.id, **t) for ref, t in plan["themes"].items()})
    ids["I"] = _items(workshop.id, plan["items"], ids)
    ids["K"] = _comments(workshop.id, plan["comments"], ids, facilitator)
    for item, person in plan["reactions"]:
        db.session.add(Reaction(item_id=ids["I"][item], participant_id=ids["P"][person]))
    _rounds(workshop.id, plan["rounds"], ids)
    db.session.flush()
    return workshop


def _items(workshop_id: int, items: dict, ids: dict) -> dict[str, int]:
    rows = {
        ref: Item(
            workshop_id=workshop_id,
            participant_id=ids["P"][i["author"]] if i["author"] else None,
            theme_id=ids["T"][i["theme"]] if i["theme"] else None,
            **{k: i[k] for k in ("kind", "text", "country", "state", "position", "created_at", "updated_at")},
        )
        for ref, i in items.items()
    }
    new = _add_all(rows)
    for ref, i in items.items():
        if i["merged_into"]:
            # A core UPDATE that sets updated_at itself: the ORM would stamp it with "now".
            db.session.execute(
                sa.update(Item)
                .where(Item.id == new[ref])
                .values(merged_into_id=new[i["merged_into"]], updated_at=i["updated_at"])
                .execution_options(synchronize_session=False)
            )
    return new


def _comments(workshop_id: int, comments: dict, ids: dict, facilitator: User) -> dict[str, int]:
    rows = {
        ref: Comment(
            workshop_id=workshop_id,
            item_id=ids["I"][c["item"]],
            participant_id=ids["P"][c["author"]] if c["author"] else None,
            user_id=facilitator.id if c["by_facilitator"] else None,
            text=c["text"],
            hidden=c["hidden"],
            created_at=c["created_at"],
        )
        for ref, c in comments.items()
    }
    new = _add_all(rows)
    for ref, c in comments.items():  # a reply may come before its comment in the archive
        if c["parent"]:
            rows[ref].parent_id = new[c["parent"]]
    return new


def _rounds(workshop_id: int, rounds: dict, ids: dict) -> None:
    made: dict[str, Round] = {}
    for ref, r in _in_order(rounds):
        settings = {k: v for k, v in r.items() if k not in ("options", "criteria", "ballots", "rerun_of")}
        round_ = Round(workshop_id=workshop_id, **settings)
        round_.options = [
            RoundOption(
                item_id=ids["I"][o["item"]] if o["item"] else None,
                theme_id=ids["T"][o["theme"]] if o["theme"] else None,
                label=o["label"],
                country=o["country"],
                position=o["position"],
            )
            for _ref, o in _in_order(r["options"])
        ]
        round_.criteria = [Criterion(**c) for _ref, c in _in_order(r["criteria"])]
        db.session.add(round_)
        db.session.flush()
        made[ref] = round_
    for ref, r in rounds.items():
        if r["rerun_of"]:
            made[ref].rerun_of_id = made[r["rerun_of"]].id
    for ref, r in _in_order(rounds):
        _ballots(made[ref], r, ids)


def _ballots(round_: Round, plan: dict, ids: dict) -> None:
    options = _new_ids(plan["options"], round_.options)
    criteria = _new_ids(plan["criteria"], round_.criteria)
    for n, b in enumerate(plan["ballots"], start=1):
        participant = ids["P"][b["voter"]] if b["voter"] else None
        db.session.add(
            Ballot(
                round_id=round_.id,
                # The room's voter key (keyed by the secret) is not in the archive: a placeholder.
                voter=f"p{participant}" if participant else f"restored-{n}",
                participant_id=participant,
                segment_cluster_id=b["segment_cluster_id"],
                segment_sector=b["segment_sector"],
                data=_stored(round_.method, b["data"], options, criteria),
                total=b["total"],
                version=b["version"],
                updated_at=b["updated_at"],
            )
        )


def _new_ids(records: dict, rows: list) -> dict[str, int]:
    """Refs to the ids of the rows inserted for them (both in ref order)."""
    in_id_order = sorted(rows, key=lambda row: row.id)
    return {ref: row.id for (ref, _r), row in zip(_in_order(records), in_id_order, strict=True)}


def _stored(method: str, data, options: dict, criteria: dict):
    """A ballot as the room stores it: option and criterion ids, as strings where they are JSON keys."""
    if method == Method.RANKING:
        return [options[o] for o in data]
    if method == Method.SCORES:
        return {str(options[o]): {str(criteria[c]): s for c, s in row.items()} for o, row in data.items()}
    return {str(options[o]): p for o, p in data.items()}
