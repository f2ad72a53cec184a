"""The workshop archive: one JSON-ready dict holding a whole workshop (docs/exports.md).

CSV, XLSX and the PDF report are rendered from this dict only, so a workshop restored from
an archive exports exactly as the original did. Database ids never appear: every record has
a stable ref ("P1", "I1", ...) numbered in id order within the workshop.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import teams as seen
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Ballot,
    Cluster,
    Comment,
    Item,
    Participant,
    Reaction,
    Round,
    Theme,
    User,
    Workshop,
    stamp,
    utcnow,
)
from app.models.voting import Method
from app.voting.results import eligible
from app.voting.visibility import Viewer, outcome

FORMAT = "bridge-codesign/workshop"
SCHEMA_VERSION = 1


def build(workshop_id: int) -> dict:
    """The whole workshop as an archive dict (see docs/exports.md for every field)."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("This workshop does not exist."))
    refs = _Refs()
    clusters = list(db.session.scalars(sa.select(Cluster).order_by(Cluster.id)))
    slugs = {c.id: c.slug for c in clusters}
    archive = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": stamp(utcnow()),
        "workshop": _workshop(workshop, slugs),
        # Names as they are now (they may be edited): what the report prints. Not imported.
        "clusters": [{"slug": c.slug, "name": c.name} for c in clusters],
        "participants": _participants(workshop, refs, slugs),
        "themes": _themes(workshop, refs),
    }
    archive["items"] = _items(workshop, refs)
    archive["comments"] = _comments(workshop, refs)
    archive["reactions"] = _reactions(workshop, refs)
    archive["rounds"] = _rounds(workshop, refs, slugs)
    archive["team_tags"] = list(workshop.team_tags or [])
    archive["teams"] = _teams(workshop, refs)
    return archive


def _teams(workshop: Workshop, refs: _Refs) -> list[dict]:
    """The teams as coordinators may read them (app/core/teams.py): a member's name, organisation and
    participant only where they agreed, never an email; what they bring and look for, their cluster
    and sector always. Not restored by `flask workshops import` (a member's person may be unnamed)."""
    teams = seen.live_teams(workshop)
    refs.number("G", [t.id for t in teams])
    clusters = {c.id: c.name for c in db.session.scalars(sa.select(Cluster))}
    out = []
    for team in teams:
        view = seen.team_view(workshop, team, Viewer.COORDINATOR, clusters)
        members = [
            {"participant": refs("P", m.participant_id) if shown["name"] else None} | shown
            for m, shown in zip(team.members, view["members"], strict=True)
        ]
        out.append(
            {"ref": refs("G", team.id), "item": refs("I", team.item_id)}
            | {k: view[k] for k in ("kind", "label", "country", "country_name", "position", "count")}
            | {"members": [{k: v for k, v in m.items() if k != "id"} for m in members]}
        )
    return out


class _Refs:
    """Database ids to refs, per kind ("P", "T", "I", "K", "R", "O", "C"; "G" teams), in id order."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[int, str]] = {}

    def number(self, prefix: str, ids: list[int]) -> None:
        self._maps[prefix] = {id_: f"{prefix}{n}" for n, id_ in enumerate(sorted(ids), start=1)}

    def __call__(self, prefix: str, id_: int | None) -> str | None:
        return None if id_ is None else self._maps[prefix].get(id_)

    def record(self, record: dict, keys: dict[str, tuple[str, str]]) -> dict:
        """A model's dict with its ids turned into refs under the archive's names: `keys` maps
        "theme_id" to ("theme", "T"), say. The other fields stay as the model gives them."""
        out = {}
        for key, value in record.items():
            name, prefix = keys.get(key, (key, ""))
            out[name] = self(prefix, value) if prefix else value
        return out


def _rows(model, workshop_id: int) -> list:
    query = sa.select(model).where(model.workshop_id == workshop_id).order_by(model.id)
    return list(db.session.scalars(query))


def _workshop(workshop: Workshop, slugs: dict[int, str]) -> dict:
    facilitator = db.session.get(User, workshop.facilitator_id)
    return {
        "title": workshop.title,
        "question": workshop.question,
        "cluster": slugs[workshop.cluster_id],
        "cluster_name": workshop.cluster.name,
        "language": workshop.language,
        "anonymous": workshop.anonymous,
        "status": workshop.status,
        "phase": workshop.phase,
        "phases": list(workshop.phases),
        "submissions_open": workshop.submissions_open,
        "private_ideation": workshop.private_ideation,
        "participants_cluster": workshop.participants_cluster,
        "created_at": stamp(workshop.created_at),
        "facilitator": facilitator.name if facilitator else None,
    }


def _participants(workshop: Workshop, refs: _Refs, slugs: dict[int, str]) -> list[dict]:
    rows = _rows(Participant, workshop.id)
    refs.number("P", [p.id for p in rows])
    return [
        {
            "ref": refs("P", p.id),
            "display_name": p.display_name,
            "organisation": p.organisation,
            "cluster": slugs.get(p.cluster_id) if p.cluster_id else None,
            "sector": p.sector,
            "created_at": stamp(p.created_at),
        }
        for p in rows
    ]


def _themes(workshop: Workshop, refs: _Refs) -> list[dict]:
    rows = _rows(Theme, workshop.id)
    refs.number("T", [t.id for t in rows])
    return [refs.record(t.to_dict(), {"id": ("ref", "T")}) for t in rows]


def _items(workshop: Workshop, refs: _Refs) -> list[dict]:
    rows = _rows(Item, workshop.id)
    refs.number("I", [i.id for i in rows])
    # "Anonymous contributions" hides authors from every screen, the cockpit included: the archive too.
    named = not workshop.anonymous
    return [
        refs.record(i.to_dict(named=False, language=workshop.language), ITEM_REFS)
        | {
            "author": refs("P", i.participant_id) if named else None,
            "merged_into": refs("I", i.merged_into_id),
        }
        for i in rows
    ]


ITEM_REFS = {"id": ("ref", "I"), "theme_id": ("theme", "T")}
ROUND_REFS = {"id": ("ref", "R"), "rerun_of": ("rerun_of", "R")}
OPTION_REFS = {"id": ("ref", "O"), "item_id": ("item", "I"), "theme_id": ("theme", "T")}
CRITERION_REFS = {"id": ("ref", "C")}


def _comments(workshop: Workshop, refs: _Refs) -> list[dict]:
    rows = _rows(Comment, workshop.id)
    refs.number("K", [c.id for c in rows])
    named = not workshop.anonymous
    return [
        {
            "ref": refs("K", c.id),
            "item": refs("I", c.item_id),
            "parent": refs("K", c.parent_id),
            "author": refs("P", c.participant_id) if named else None,
            "by_facilitator": c.user_id is not None,
            "text": c.text,
            "hidden": c.hidden,
            "created_at": stamp(c.created_at),
        }
        for c in rows
    ]


def _reactions(workshop: Workshop, refs: _Refs) -> list[dict]:
    """Each +1; in an anonymous-contributions workshop without who gave it (screens show counts only)."""
    rows = db.session.execute(
        sa.select(Reaction.item_id, Reaction.participant_id)
        .join(Item, Item.id == Reaction.item_id)
        .where(Item.workshop_id == workshop.id)
    ).all()
    named = not workshop.anonymous
    out = [{"item": refs("I", i), "participant": refs("P", p) if named else None} for i, p in rows]
    return sorted(out, key=lambda r: (ref_number(r["item"]), ref_number(r["participant"])))


def ref_number(ref: str | None) -> int:
    return int(ref[1:]) if ref else 0


def _rounds(workshop: Workshop, refs: _Refs, slugs: dict[int, str]) -> list[dict]:
    rows = _rows(Round, workshop.id)
    refs.number("R", [r.id for r in rows])
    refs.number("O", [o.id for r in rows for o in r.options])
    refs.number("C", [c.id for r in rows for c in r.criteria])
    people = eligible(workshop.id)
    return [_round(r, refs, slugs, people) for r in rows]


def _round(round_: Round, refs: _Refs, slugs: dict[int, str], people: int) -> dict:
    """The round as the cockpit knows it, every choice included: one moderation took out is kept in
    the record, marked `removed`, and left out of every result and table."""
    record = round_.to_dict(staff=True)
    return refs.record(record, ROUND_REFS) | {
        "options": [refs.record(o, OPTION_REFS) for o in sorted(record["options"], key=_id)],
        "criteria": [refs.record(c, CRITERION_REFS) for c in sorted(record["criteria"], key=_id)],
        "ballots": _ballots(round_, refs, slugs),
        "results": _results(round_, refs, people),
    }


def _id(record: dict) -> int:
    return record["id"]


def sealed(round_: dict) -> bool:
    """Whether the archive sealed this round's results (the rule is the round's: Round.sealed)."""
    return bool((round_.get("results") or {}).get("sealed"))


def _ballots(round_: Round, refs: _Refs, slugs: dict[int, str]) -> list[dict]:
    """Ballots with refs; in an anonymous round without voter or time, in canonical order (UNLINK)."""
    if round_.sealed:
        return []
    rows = db.session.scalars(sa.select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.id))
    option, criterion = (lambda o: refs("O", int(o))), (lambda c: refs("C", int(c)))
    out = []
    for b in rows:
        ballot = {
            "voter": None if round_.anonymous else refs("P", b.participant_id),
            "segment_cluster": slugs.get(b.segment_cluster_id) if b.segment_cluster_id else None,
            "segment_sector": b.segment_sector,
            "data": ballot_data(round_.method, b.data, option, criterion),
            "total": b.total,
            "version": b.version,
        }
        if not round_.anonymous:
            ballot["updated_at"] = stamp(b.updated_at)
        out.append(ballot)
    if round_.anonymous:
        out.sort(key=canonical)
    return out


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def ballot_data(method: str, data, option, criterion):
    """A ballot with its option (and criterion) keys passed through the given mappings."""
    if method == Method.RANKING:
        return [option(o) for o in data]
    if method == Method.SCORES:
        return {option(o): {criterion(c): s for c, s in row.items()} for o, row in data.items()}
    return {option(o): points for o, points in data.items()}


def _results(round_: Round, refs: _Refs, people: int) -> dict:
    """The results as the cockpit shows them, with refs for ids; a sealed round's only say so."""
    head = {"round": refs("R", round_.id), "method": round_.method, "eligible": people}
    seen = outcome(round_, Viewer.STAFF)
    if seen.get("sealed"):
        return head | {"sealed": True}
    full = {k: v for k, v in seen.items() if k not in ("round_id", "seq", "eligible")}
    return head | _with_refs(full, lambda o: refs("O", o), lambda c: refs("C", c))


def _with_refs(results: dict, option, criterion) -> dict:
    """Option and criterion ids in a results dict (and its segments) rewritten to refs."""

    def rows(entries: list[dict]) -> list[dict]:
        out = []
        for entry in entries:
            entry = dict(entry, item_id=option(entry["item_id"]))
            if "criteria" in entry:
                entry["criteria"] = [dict(c, criterion=criterion(c["criterion"])) for c in entry["criteria"]]
            out.append(entry)
        return out

    out = dict(results, results=rows(results["results"]))
    if "schulze" in results:
        s = results["schulze"]
        out["schulze"] = dict(
            s,
            items=[option(o) for o in s["items"]],
            ranking=[[option(o) for o in tier] for tier in s["ranking"]],
            schulze_winners=[option(o) for o in s["schulze_winners"]],
            condorcet_winner=option(s["condorcet_winner"]) if s["condorcet_winner"] is not None else None,
        )
    for key in ("by_cluster", "by_segment", "by_sector"):
        if key in results:
            segs = results[key]
            out[key] = dict(
                segs, segments=[dict(seg, results=rows(seg["results"])) for seg in segs["segments"]]
            )
    return out
