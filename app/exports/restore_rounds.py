"""Reading an archive's voting rounds: settings, choices, criteria and ballots, all checked.

Ballots are checked with the same functions that check a ballot cast in the room (app.voting.tally),
with the limits at their widest, because a dot vote's budget may have been lowered after a ballot was
cast (such a ballot is kept and marked, so it may exceed the round's final limits).
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.countries import is_country
from app.exports.records import Record, fail
from app.models import Sector
from app.models.voting import Method, RoundStatus, Target
from app.voting import tally
from app.voting.services.opening import MAX_POINTS


def rounds(root: Record, plan: dict, clusters: dict) -> dict:
    out: dict = {}
    seen: dict = {"O": {}, "C": {}, "numbers": set()}
    records = root.records("rounds")
    for r in records:
        ref = r.own_ref("R", out)
        out[ref] = _settings(r, seen["numbers"])
        out[ref]["options"] = _options(r, plan, seen["O"])
        out[ref]["criteria"] = _criteria(r, out[ref]["method"], seen["C"])
        out[ref]["ballots"] = _ballots(r, out[ref], plan, clusters)
    for r in records:
        ref = r.data["ref"]
        out[ref]["rerun_of"] = r.ref("rerun_of", {k: v for k, v in out.items() if k != ref})
    if sum(1 for r in out.values() if r["status"] == RoundStatus.OPEN) > 1:
        raise fail("archive.rounds", _("has more than one open round."))
    return out


def _settings(r: Record, numbers: set) -> dict:
    number = r.whole("number", 1)
    if number in numbers:
        raise fail(f"{r.where}.number", _("is used by another round."))
    numbers.add(number)
    settings = {
        "number": number,
        "title": r.text("title", 200, blank=False),
        "method": r.choice("method", list(Method)),
        "target": r.choice("target", list(Target)),
        "status": r.choice("status", list(RoundStatus)),
        "budget": r.whole("budget", 1, MAX_POINTS),
        "cap": r.whole("cap", 1, MAX_POINTS),
        "top_n": r.whole("top_n", 1, nullable=True),
        "opened_at": r.when("opened_at"),
        "closed_at": r.when("closed_at", nullable=True),
    }
    for name in ("allow_own", "anonymous", "results_hidden", "shuffle"):
        settings[name] = r.flag(name)
    # Archives from before it was kept: opened hidden, as the database's own older rounds are taken.
    has_it = "hidden_until_revealed" in r.data
    settings["hidden_until_revealed"] = r.flag("hidden_until_revealed") if has_it else True
    return settings


def _options(r: Record, plan: dict, seen: dict) -> dict:
    out: dict = {}
    records = r.records("options")
    if len(records) < 2:
        raise fail(f"{r.where}.options", _("should hold at least two choices."))
    for o in records:
        ref = o.own_ref("O", seen)
        country = o.text("country", 2, nullable=True)
        if country is not None and not is_country(country):
            raise fail(f"{o.where}.country", _("should be a two-letter country code such as IN."))
        out[ref] = {
            "item": o.ref("item", plan["items"]),
            "theme": o.ref("theme", plan["themes"]),
            "label": o.text("label", 500),
            "country": country,
            "position": o.whole("position"),
        }
    return out


def _criteria(r: Record, method: str, seen: dict) -> dict:
    out: dict = {}
    records = r.records("criteria")
    if method != Method.SCORES and records:
        raise fail(f"{r.where}.criteria", _("should be empty: only a scoring round has criteria."))
    if method == Method.SCORES and not 1 <= len(records) <= 8:
        raise fail(f"{r.where}.criteria", _("should hold from one to eight criteria."))
    for c in records:
        ref = c.own_ref("C", seen)
        out[ref] = {
            "name": c.text("name", 80, blank=False),
            "weight": c.number("weight", 0, 100),
            "position": c.whole("position"),
        }
    if records and not any(c["weight"] > 0 for c in out.values()):
        raise fail(f"{r.where}.criteria", _("need at least one weight above zero."))
    return out


def _ballots(r: Record, round_: dict, plan: dict, clusters: dict) -> list[dict]:
    out, voters = [], set()
    for b in r.records("ballots"):
        voter = b.ref("voter", plan["participants"])
        if round_["anonymous"] and voter is not None:
            raise fail(f"{b.where}.voter", _("should be null: the round is anonymous."))
        # In a named round a ballot may name nobody: its voter left, and it still counts (docs/privacy.md).
        if voter is not None and voter in voters:
            raise fail(f"{b.where}.voter", _("should name a participant with no other ballot in this round."))
        voters.add(voter)
        cluster = b.choice("segment_cluster", list(clusters), nullable=True)
        out.append(
            {
                "voter": voter,
                "segment_cluster_id": clusters[cluster] if cluster else None,
                "segment_sector": b.choice("segment_sector", list(Sector), nullable=True),
                "data": _data(b, round_),
                "total": b.whole("total", 0),
                "version": b.whole("version", 1),
                # An anonymous ballot keeps no time of its own (UNLINK): it gets the round's.
                "updated_at": round_["opened_at"] if round_["anonymous"] else b.when("updated_at"),
            }
        )
    return out


def _data(b: Record, round_: dict):
    """The ballot, checked as the room checks ballots; returned with the archive's refs."""
    raw = b._raw("data", False)
    options = {ref: n for n, ref in enumerate(round_["options"], start=1)}
    criteria = {ref: n for n, ref in enumerate(round_["criteria"], start=1)}
    back_o = {n: ref for ref, n in options.items()}
    back_c = {n: ref for ref, n in criteria.items()}

    def index(table: dict, ref: object) -> int:
        if not isinstance(ref, str) or ref not in table:
            raise fail(f"{b.where}.data", _("refers to %(ref)s, which is not in this round.", ref=repr(ref)))
        return table[ref]

    ids = set(options.values())
    try:
        if round_["method"] == Method.RANKING:
            if not isinstance(raw, list):
                raise tally.BallotError("Send your ranking as an ordered list of items.", "order")
            if not raw:  # every choice it ranked was taken out of the round by moderation
                return []
            order = [index(options, o) for o in raw]
            order = tally.validate_ranking(order, item_ids=ids, top_n=round_["top_n"])
            return [back_o[o] for o in order]
        if not isinstance(raw, dict):
            raise tally.BallotError("Your ballot could not be read.", "data")
        if round_["method"] == Method.SCORES:
            mapped = {
                index(options, o): {index(criteria, c): s for c, s in row.items()}
                if isinstance(row, dict)
                else row
                for o, row in raw.items()
            }
            scores = tally.validate_scores(mapped, item_ids=ids, criteria=list(criteria.values()))
            return {back_o[o]: {back_c[c]: s for c, s in row.items()} for o, row in scores.items()}
        mapped = {index(options, o): p for o, p in raw.items()}
        dots = tally.validate_dots(mapped, item_ids=ids, budget=MAX_POINTS, cap=MAX_POINTS)
        return {back_o[o]: p for o, p in dots.items()}
    except tally.BallotError as e:
        raise fail(f"{b.where}.data", _("is not a valid ballot: %(reason)s", reason=e.message)) from None
