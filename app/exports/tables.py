"""The archive as flat tables, for the CSV zip and the Excel workbook (docs/exports.md).

Tables are built from the archive dict only, so a restored workshop gives the same tables.
People appear by ref ("P3"), never by name: the tables are for counting and comparing; the
names stay in the JSON archive. Anonymous rounds have no ballots table rows at all (UNLINK).
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from app.core.countries import market_label
from app.exports.archive import sealed
from app.exports.xlsx import FORMULA_TRIGGERS, Sheet, write_workbook
from app.voting.tally import MIN_SEGMENT_SIZE


def inert(value: object) -> str:
    """A cell's text that no spreadsheet will run: user text starting like a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def tables(archive: dict) -> list[Sheet]:
    """Every table of the workshop, in the order files and sheets are listed."""
    out = [
        items(archive),
        comments(archive),
        themes(archive),
        merges(archive),
        rounds(archive),
        results(archive),
        criteria_scores(archive),
        ballots(archive),
        participation(archive),
        teams(archive),
    ]
    return [t for t in out if t is not None]


def _by_ref(records: list[dict]) -> dict[str, dict]:
    return {r["ref"]: r for r in records}


def items(archive: dict) -> Sheet:
    theme_names = {t["ref"]: t["name"] for t in archive["themes"]}
    comment_count = Counter(c["item"] for c in archive["comments"] if not c["hidden"])
    reaction_count = Counter(r["item"] for r in archive["reactions"])
    headers = ["ref", "kind", "text", "country", "country_name", "state", "theme", "theme_name", "position"]
    headers += ["author", "merged_into", "comments", "reactions", "created_at", "updated_at"]
    rows = [
        [
            i["ref"],
            i["kind"],
            i["text"],
            i["country"],
            i["country_name"],
            i["state"],
            i["theme"],
            theme_names.get(i["theme"]),
            i["position"],
            i["author"],
            i["merged_into"],
            comment_count[i["ref"]],
            reaction_count[i["ref"]],
            i["created_at"],
            i["updated_at"],
        ]  # fmt: skip
        for i in archive["items"]
    ]
    return Sheet("items", headers, rows)


def comments(archive: dict) -> Sheet:
    texts = {i["ref"]: i["text"] for i in archive["items"]}
    headers = [
        "ref",
        "item",
        "item_text",
        "parent",
        "author",
        "by_facilitator",
        "hidden",
        "text",
        "created_at",
    ]
    rows = [
        [
            c["ref"],
            c["item"],
            texts.get(c["item"]),
            c["parent"],
            c["author"],
            c["by_facilitator"],
            c["hidden"],
            c["text"],
            c["created_at"],
        ]  # fmt: skip
        for c in archive["comments"]
    ]
    return Sheet("comments", headers, rows)


def themes(archive: dict) -> Sheet:
    count = Counter(i["theme"] for i in archive["items"] if i["state"] in ("live", "hidden"))
    rows = [[t["ref"], t["name"], t["color"], t["position"], count[t["ref"]]] for t in archive["themes"]]
    return Sheet("themes", ["ref", "name", "color", "position", "items"], rows)


def merges(archive: dict) -> Sheet:
    """Duplicates folded into another item: which, into what, and when."""
    texts = {i["ref"]: i["text"] for i in archive["items"]}
    rows = [
        [i["ref"], i["text"], i["merged_into"], texts.get(i["merged_into"]), i["updated_at"]]
        for i in archive["items"]
        if i["merged_into"]
    ]
    return Sheet("merges", ["item", "item_text", "merged_into", "merged_into_text", "merged_at"], rows)


def rounds(archive: dict) -> Sheet:
    headers = ["ref", "number", "title", "method", "target", "status", "budget", "cap", "allow_own", "top_n"]
    headers += ["anonymous", "results_hidden", "shuffle", "rerun_of", "opened_at", "closed_at", "options"]
    headers += ["criteria", "voted", "eligible", "sealed"]
    rows = []
    for r in archive["rounds"]:
        settings = [r[h] for h in headers[:16]]
        criteria = "; ".join(f"{c['name']} ({c['weight']:g})" for c in r["criteria"])
        res = r["results"]
        options = len(shown_options(r))
        rows.append(settings + [options, criteria, res.get("voted"), res["eligible"], sealed(r)])
    return Sheet("rounds", headers, rows)


def shown_options(round_: dict) -> list[dict]:
    """The round's choices but those moderation took out (their item hidden or withdrawn)."""
    return [o for o in round_["options"] if not o.get("removed")]


def _segments(res: dict):
    """("all", voters, results), then each cluster and sector large enough to be shown."""
    yield "all", res["voted"], res["results"]
    for key, label in (("by_cluster", "cluster"), ("by_sector", "sector")):
        for seg in res.get(key, {}).get("segments", []):
            yield f"{label}: {seg['segment']}", seg["voters"], seg["results"]


def results(archive: dict) -> Sheet:
    headers = ["round", "round_title", "method", "segment", "segment_voters", "rank", "option", "label"]
    headers += ["country", "item", "theme", "points", "voters", "mean", "spread", "weighted_score"]
    headers += ["schulze_rank", "contested"]
    rows = []
    for r in archive["rounds"]:
        if sealed(r):
            continue
        options, res = _by_ref(r["options"]), r["results"]
        tiers = {o: n for n, tier in enumerate(res.get("schulze", {}).get("ranking", []), 1) for o in tier}
        for segment, voters, entries in _segments(res):
            for e in entries:
                o = options[e["item_id"]]
                rows.append(
                    [
                        r["ref"],
                        r["title"],
                        r["method"],
                        segment,
                        voters,
                        e["rank"],
                        o["ref"],
                        o["label"],
                        o["country"],
                        o["item"],
                        o["theme"],
                        e.get("points"),
                        e["voters"],
                        e.get("mean"),
                        e["spread"],
                        e.get("weighted_score"),
                        tiers.get(o["ref"]) if segment == "all" else None,
                        e["contested"],
                    ]  # fmt: skip
                )
    return Sheet("results", headers, rows)


def criteria_scores(archive: dict) -> Sheet | None:
    """Scoring rounds: the mean and spread per market and criterion (the 2x2 is drawn from these)."""
    scored = [r for r in archive["rounds"] if r["method"] == "scores"]
    if not scored:
        return None
    headers = ["round", "segment", "option", "label", "country", "criterion", "criterion_name", "weight"]
    headers += ["mean", "spread"]
    rows = []
    for r in scored:
        if sealed(r):
            continue
        options, criteria = _by_ref(r["options"]), _by_ref(r["criteria"])
        for segment, _voters, entries in _segments(r["results"]):
            for e in entries:
                o = options[e["item_id"]]
                for c in e["criteria"]:
                    crit = criteria[c["criterion"]]
                    row = [r["ref"], segment, o["ref"], o["label"], o["country"], crit["ref"], crit["name"]]
                    rows.append(row + [crit["weight"], c["mean"], c["spread"]])
    return Sheet("criteria_scores", headers, rows)


def ballots(archive: dict) -> Sheet:
    """Named rounds' ballots, one row per choice (and criterion); anonymous rounds are left out whole."""
    headers = ["round", "voter", "segment_cluster", "segment_sector", "version", "updated_at", "total"]
    headers += ["option", "label", "criterion", "value"]
    rows = []
    for r in archive["rounds"]:
        if r["anonymous"]:
            continue
        labels = {o["ref"]: o["label"] for o in shown_options(r)}
        for b in r["ballots"]:
            head = [r["ref"], b["voter"], b["segment_cluster"], b["segment_sector"], b["version"]]
            head += [b.get("updated_at"), b["total"]]
            # A choice moderation took out is not shown, nor counted in a ranking's places.
            data = [o for o in b["data"] if o in labels] if r["method"] == "ranking" else b["data"]
            for option, criterion, value in _entries(r["method"], data):
                if option in labels:
                    rows.append(head + [option, labels[option], criterion, value])
    return Sheet("ballots", headers, rows)


def _entries(method: str, data):
    """(option, criterion, value): points for dots, the place for a ranking, each score for scores."""
    if method == "ranking":
        for place, option in enumerate(data, start=1):
            yield option, None, place
    elif method == "scores":
        for option, row in data.items():
            for criterion, score in row.items():
                yield option, criterion, score
    else:
        for option, points in data.items():
            yield option, None, points


def teams(archive: dict) -> Sheet | None:
    """One row per team member (a team no one joined has one row without a member): the name only
    where they agreed to it, never an email, only whether they agreed to be contacted."""
    if not archive.get("teams"):
        return None
    headers = ["team", "item", "kind", "label", "country", "members", "member", "name", "organisation"]
    headers += ["cluster", "sector", "brings", "brings_tags", "looks_for", "looks_tags", "contactable"]
    rows = []
    for team in archive["teams"]:
        head = [team["ref"], team["item"], team["kind"], team["label"], team["country"], team["count"]]
        for n, m in enumerate(team["members"], start=1):
            tags = ("; ".join(m["brings_tags"]), "; ".join(m["looks_tags"]))
            rows.append(
                [*head, n, m["name"], m["organisation"], m["cluster"], m["sector"], m["brings"], tags[0]]
                + [m["looks_for"], tags[1], m["contactable"]]
            )
        if not team["members"]:
            rows.append([*head] + [None] * 11)
    return Sheet("teams", headers, rows)


def participation(archive: dict) -> Sheet:
    """How many joined, by cluster and by sector; groups under the minimum size are counted together."""
    people = archive["participants"]
    rows: list[list] = [["all", "all", len(people)]]
    for dimension in ("cluster", "sector"):
        count = Counter(p[dimension] or "(not given)" for p in people)
        small = 0
        for group in sorted(count, key=str):
            if count[group] >= MIN_SEGMENT_SIZE:
                rows.append([dimension, group, count[group]])
            else:
                small += count[group]
        if small:
            rows.append([dimension, f"(groups under {MIN_SEGMENT_SIZE} people)", small])
    return Sheet("participation", ["dimension", "group", "participants"], rows)


__all__ = ["FORMULA_TRIGGERS", "inert", "summary", "tables", "workbook"]


def workbook(archive: dict) -> bytes:
    """The workshop's Excel file: a summary sheet, then one sheet per table."""
    return write_workbook([summary(archive), *tables(archive)])


def summary(archive: dict) -> Sheet:
    """The first sheet of the workbook: what the workshop was and what each round decided."""
    w, live = archive["workshop"], [i for i in archive["items"] if i["state"] == "live"]
    rows = [
        [_("Workshop"), w["title"]],
        [_("Guiding question"), w["question"]],
        [_("Host cluster"), w["cluster_name"]],
        [_("Date"), (w["created_at"] or "")[:10]],
        [_("Facilitator"), w["facilitator"]],
        [_("Participants"), len(archive["participants"])],
        [_("Ideas"), sum(1 for i in live if i["kind"] == "idea")],
        [_("Target markets"), sum(1 for i in live if i["kind"] == "market")],
        [_("Themes"), len(archive["themes"])],
        [_("Comments"), len(archive["comments"])],
        [_("Voting rounds"), len(archive["rounds"])],
    ]
    for r in archive["rounds"]:
        outcome = _round_outcome(r, w["language"])
        rows.append([_("Round %(n)s: %(title)s", n=r["number"], title=r["title"]), outcome])
    rows.append([_("Exported at"), archive["exported_at"]])
    return Sheet(_("Summary"), [_("What"), _("Value")], rows, widths=[36, 90])


def _round_outcome(r: dict, language: str) -> str:
    res = r["results"]
    anonymous = _("anonymous") if r["anonymous"] else _("named")
    if sealed(r):
        return _(
            "%(method)s, %(anonymous)s: sealed until the round closes",
            method=r["method"],
            anonymous=anonymous,
        )
    labels = {o["ref"]: market_label(o["label"], o["country"], language) for o in r["options"]}
    top = [labels[e["item_id"]] for e in res["results"] if e["rank"] == 1]
    return _(
        "%(method)s, %(anonymous)s, %(voted)s of %(eligible)s voted; first: %(top)s",
        method=r["method"],
        anonymous=anonymous,
        voted=res["voted"],
        eligible=res["eligible"],
        top=" / ".join(top) or "-",
    )
