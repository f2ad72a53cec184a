"""Reading an archive back: every field checked first, then the whole workshop written in one transaction.

Nothing is written until the whole archive has been read and found valid, and the write is one
transaction, so a bad archive leaves the database exactly as it was. The restored workshop is a
record, not a live room: it is archived and gets a fresh join code.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.core.countries import is_country
from app.errors import Invalid
from app.exports.archive import FORMAT, SCHEMA_VERSION, ref_number
from app.exports.records import Record, fail
from app.exports.restore_rounds import rounds
from app.exports.restore_write import write
from app.extensions import db
from app.models import Cluster, ItemKind, ItemState, Phase, Sector, User, Workshop

COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(data: object) -> None:
    """Refuse, anywhere in the archive (keys included) and before anything else, what no database
    stores: a NUL character (PostgreSQL refuses it) and a lone surrogate ("\\ud800" in JSON
    is no character: UTF-8 cannot encode it). A loop, not recursion: the archive may be nested as
    deeply as the JSON parser allows."""
    stack: list[tuple[object, str]] = [(data, "archive")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            _check_string(value, where)
        elif isinstance(value, dict):
            for key in value:
                _check_string(key, where)
            stack.extend((value[key], f"{where}.{key}") for key in reversed(value))
        elif isinstance(value, list):
            stack.extend((value[n], f"{where}[{n}]") for n in reversed(range(len(value))))


def is_text(value: str) -> bool:
    """True when the string can be stored: no NUL, no lone surrogate."""
    return "\x00" not in value and not _SURROGATE.search(value)


def _check_string(value: str, where: str) -> None:
    if "\x00" in value:
        raise fail(where, _("contains a NUL character."))
    if _SURROGATE.search(value):
        raise fail(where, _("contains a lone surrogate (such as \\ud800), which is not a character."))


def check_header(data: object) -> Record:
    root = Record(data, "archive")
    if data.get("format") != FORMAT:
        raise Invalid(_("This file is not a Bridge Co-Design workshop archive."))
    version = data.get("schema_version")
    if type(version) is not int or version < 1:
        raise fail("archive.schema_version", _("should be a whole number from 1."))
    if version > SCHEMA_VERSION:
        raise Invalid(
            _(
                "This archive was written by a newer version of Bridge Co-Design (schema %(v)s; "
                "this server reads up to %(max)s). Update the server first.",
                v=version,
                max=SCHEMA_VERSION,
            )
        )
    return root


def validate(data: object) -> dict:
    """The archive, checked field by field and reference by reference; raises Invalid."""
    root = check_header(data)
    check_text(data)
    clusters = {c.slug: c.id for c in db.session.scalars(sa.select(Cluster))}
    plan = {"workshop": _workshop(Record(root.data.get("workshop"), "archive.workshop"), clusters)}
    plan["participants"] = _participants(root, clusters)
    plan["themes"] = _themes(root)
    plan["items"] = _items(root, plan)
    plan["comments"] = _comments(root, plan)
    plan["reactions"] = _reactions(root, plan)
    plan["rounds"] = rounds(root, plan, clusters)
    return plan


def _workshop(w: Record, clusters: dict) -> dict:
    phases = w._raw("phases", False)
    if not isinstance(phases, list) or not phases or len(set(map(str, phases))) != len(phases):
        raise fail("archive.workshop.phases", _("should be a list of distinct phases."))
    for n in range(len(phases)):
        Record({"phase": phases[n]}, f"archive.workshop.phases[{n}]").choice("phase", list(Phase))
    return {
        "title": w.text("title", 200, blank=False),
        "question": w.text("question", 500),
        "cluster_id": clusters[w.choice("cluster", list(clusters))],
        "language": w.choice("language", list(current_app.config["LANGUAGES"])),
        "anonymous": w.flag("anonymous"),
        "phase": w.choice("phase", list(Phase)),
        "phases": list(phases),
        "submissions_open": w.flag("submissions_open"),
        "private_ideation": w.flag("private_ideation"),
        "participants_cluster": w.flag("participants_cluster"),
        "created_at": w.when("created_at"),
        "_status": w.choice("status", ["open", "archived"]),
    }


def _participants(root: Record, clusters: dict) -> dict:
    out: dict = {}
    for p in root.records("participants"):
        ref = p.own_ref("P", out)
        cluster = p.choice("cluster", list(clusters), nullable=True)
        out[ref] = {
            "display_name": p.text("display_name", 60),
            "organisation": p.text("organisation", 120),
            "cluster_id": clusters[cluster] if cluster else None,
            "sector": p.choice("sector", list(Sector), nullable=True),
            "created_at": p.when("created_at"),
        }
    return out


def _themes(root: Record) -> dict:
    out: dict = {}
    for t in root.records("themes"):
        ref = t.own_ref("T", out)
        color = t.text("color", 7)
        if not COLOR.fullmatch(color):
            raise fail(f"{t.where}.color", _("should be a colour like #1d4ed8."))
        out[ref] = {"name": t.text("name", 80, blank=False), "color": color, "position": t.whole("position")}
    return out


def _items(root: Record, plan: dict) -> dict:
    out: dict = {}
    records = root.records("items")
    for i in records:
        ref = i.own_ref("I", out)
        country = i.text("country", 2, nullable=True)
        if country is not None and not is_country(country):
            raise fail(f"{i.where}.country", _("should be a two-letter country code such as IN."))
        out[ref] = {
            "kind": i.choice("kind", list(ItemKind)),
            # A withdrawn item may be empty: its author left and took their text (docs/privacy.md).
            "text": i.text("text", 500, blank=i.data.get("state") == ItemState.WITHDRAWN),
            "country": country,
            "state": i.choice("state", list(ItemState)),
            "theme": i.ref("theme", plan["themes"]),
            "position": i.whole("position"),
            "author": i.ref("author", plan["participants"]),
            "created_at": i.when("created_at"),
            "updated_at": i.when("updated_at"),
        }
    for i in records:  # merges point at any item, later ones included
        ref = i.data["ref"]
        out[ref]["merged_into"] = i.ref("merged_into", out)
    _no_merge_cycles(out)
    return out


def _no_merge_cycles(items: dict) -> None:
    for start in items:
        seen, ref = {start}, items[start]["merged_into"]
        while ref is not None:
            if ref in seen:
                raise fail(f"archive.items ({start}).merged_into", _("forms a loop of merged items."))
            seen.add(ref)
            ref = items[ref]["merged_into"]


def _comments(root: Record, plan: dict) -> dict:
    out: dict = {}
    records = root.records("comments")
    for c in records:
        ref = c.own_ref("K", out)
        out[ref] = {
            "item": c.ref("item", plan["items"], nullable=False),
            "author": c.ref("author", plan["participants"]),
            "by_facilitator": c.flag("by_facilitator"),
            "text": c.text("text", 500, blank=False),
            "hidden": c.flag("hidden"),
            "created_at": c.when("created_at"),
        }
        if out[ref]["author"] and out[ref]["by_facilitator"]:
            raise fail(c.where, _("is by a participant or by the facilitator, not both."))
    for c in records:  # replies are one level deep, on the same item
        ref = c.data["ref"]
        parent = out[ref]["parent"] = c.ref("parent", out)
        if parent and (parent == ref or out[parent]["item"] != out[ref]["item"]):
            raise fail(f"{c.where}.parent", _("should be a comment on the same item."))
    for ref, comment in out.items():
        if comment["parent"] and out[comment["parent"]]["parent"]:
            raise fail(f"archive.comments ({ref}).parent", _("should be a comment on the item, not a reply."))
    return out


def _reactions(root: Record, plan: dict) -> list[tuple[str, str | None]]:
    """Pairs of item and participant; a participant of None (anonymous workshop) becomes a stand-in."""
    pairs: list[tuple[str, str | None]] = []
    for r in root.records("reactions"):
        pair = (r.ref("item", plan["items"], nullable=False), r.ref("participant", plan["participants"]))
        if pair[1] is not None and pair in pairs:
            raise fail(r.where, _("is given twice."))
        pairs.append(pair)
    return _stand_ins(pairs, sorted(plan["participants"], key=ref_number))


def _stand_ins(pairs: list, people: list[str]) -> list[tuple[str, str]]:
    """An anonymous workshop's archive keeps how many +1s an item had, not who gave them.

    The database needs a participant per +1: they are given, in order, to participants who had
    not given that item one. Only counts are ever shown, and exports of the restored (still
    anonymous) workshop leave them out again.
    """
    taken = {pair for pair in pairs if pair[1] is not None}
    out = sorted(taken, key=lambda p: (ref_number(p[0]), ref_number(p[1])))
    for item, person in pairs:
        if person is not None:
            continue
        free = next((p for p in people if (item, p) not in taken), None)
        if free is None:
            raise fail(f"archive.reactions ({item})", _("has more +1s than there are participants."))
        taken.add((item, free))
        out.append((item, free))
    return out


def restore(data: object, facilitator: User) -> Workshop:
    """Check the archive whole, then write it in one transaction as an archived workshop."""
    plan = validate(data)
    try:
        workshop = write(plan, facilitator)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return workshop
