"""The workshop report: title block, results at a glance, participation, themes with their items,
every round (how it was decided, results, charts) and the contested results."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from app.exports.pdf import charts, layout
from app.exports.pdf.layout import FRAME_W, esc, facts, markup, table, text
from app.exports.pdf.rounds import contested_section, round_title, rounds_section
from app.exports.pdf.source import Source, day, sector_name, when
from app.voting.tally import MIN_SEGMENT_SIZE


def render_workshop(archive: dict) -> bytes:
    """The printable report of one workshop, drawn from its archive (app.exports.archive.build)."""
    source = Source(archive)
    flow = [
        *title_block(source),
        *at_a_glance(source),
        *participation(source),
        *themes_section(source),
        *rounds_section(source),
        *contested_section(source),
        *teams_section(archive),
    ]
    generated = when(archive.get("exported_at")) or day(datetime.now(UTC).replace(tzinfo=None))
    generated_note = _("Generated %(date)s", date=generated)
    footer = f"{source.title} · {generated_note}"
    return layout.render(flow, title=source.title, footer=footer, page_label=page_label)


def page_label(number: int, total: int) -> str:
    return _("Page %(page)s of %(pages)s", page=number, pages=total)


def title_block(source: Source) -> list[Flowable]:
    w = source.workshop
    return [
        text(_("Workshop report"), "kicker"),
        text(source.title, "title"),
        *(
            [text(_("Guiding question"), "small"), text(w.get("question"), "lead")]
            if w.get("question")
            else []
        ),
        facts(
            [
                (_("Date"), when(w.get("created_at"))),
                (_("Host cluster"), w.get("cluster_name") or source.cluster_name(w.get("cluster"))),
                (_("Facilitator"), w.get("facilitator")),
                (_("Contributions"), _("anonymous") if w.get("anonymous") else _("named")),
                (_("Report generated"), when(source.archive.get("exported_at"))),
            ]
        ),
        Spacer(1, 8),
    ]


def at_a_glance(source: Source) -> list[Flowable]:
    """The counts and each round's leading choice, for a reader who reads one page only."""
    live = [i for i in source.items if i.get("state") == "live"]
    kinds = Counter(i.get("kind") for i in live)
    counts = [
        (len(source.participants), _("participants")),
        (kinds.get("idea", 0), _("ideas")),
        (kinds.get("market", 0), _("target markets")),
        (len(source.themes), _("themes")),
        (len(source.rounds), _("voting rounds")),
    ]
    cells = [markup(f"<font size=16><b>{n}</b></font><br/>{esc(label)}", "cell") for n, label in counts]
    strip = Table([cells], colWidths=[FRAME_W / len(cells)] * len(cells), hAlign="LEFT")
    strip.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), layout.SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    flow: list[Flowable] = [text(_("At a glance"), "h1"), strip, Spacer(1, 6)]
    for round_ in source.rounds:
        view = source.view(round_)
        rows = view.results.get("results") or []
        if view.sealed or not view.results.get("voted") or not rows:
            continue
        leaders = [
            f"{view.option_label(r.get('item_id'), short=True)} ({_result_value(r)})"
            for r in rows
            if r.get("rank") == 1
        ]
        first = _("first: %(choices)s", choices=", ".join(leaders))
        line = f"<b>{esc(round_title(round_))}</b> — {esc(first)}"
        flow.append(markup(line, "item", bulletText="•"))
    return flow


def _result_value(row: dict) -> str:
    if "weighted_score" in row:
        return _("score %(score)s", score=charts.fixed(row.get("weighted_score")))
    points = row.get("points") or 0
    count = int(points) if float(points).is_integer() else 2  # 1.5 points is plural
    return ngettext("%(points)s point", "%(points)s points", count, points=charts.number(points))


def participation(source: Source) -> list[Flowable]:
    """How many joined, by cluster and by sector; groups under the minimum size are only counted."""
    people = source.participants
    flow: list[Flowable] = [
        text(_("Participation"), "h1"),
        text(
            ngettext(
                "%(num)s person joined the workshop.", "%(num)s people joined the workshop.", len(people)
            )
        ),
    ]
    by_cluster = Counter(source.cluster_name(p.get("cluster")) for p in people)
    by_sector = Counter(sector_name(p.get("sector")) for p in people)
    half = (FRAME_W - 8 * mm) / 2
    tables = [
        _group_table(pgettext("technology cluster", "Cluster"), by_cluster, half),
        _group_table(_("Sector"), by_sector, half),
    ]
    pair = Table([tables], colWidths=[half + 8 * mm, half], hAlign="LEFT")
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    flow.append(pair)
    flow.append(
        text(
            _(
                "To protect individuals, groups of fewer than %(n)s people are not named; they count in the "
                "total only.",
                n=MIN_SEGMENT_SIZE,
            ),
            "small",
        )
    )
    return flow


def _group_table(title: str, counts: Counter, width: float) -> list[Flowable]:
    shown = sorted(
        ((name, n) for name, n in counts.items() if n >= MIN_SEGMENT_SIZE), key=lambda p: (-p[1], p[0])
    )
    hidden = [n for n in counts.values() if n < MIN_SEGMENT_SIZE]
    rows = [[name, n] for name, n in shown]
    if hidden:
        label = ngettext("%(num)s smaller group", "%(num)s smaller groups", len(hidden))
        rows.append([label, sum(hidden)])
    out: list[Flowable] = [table([title, _("People")], rows, [width - 50, 50], numeric=(1,))]
    return out


def themes_section(source: Source) -> list[Flowable]:
    """Every theme with its items in board order, then the ideas and the markets not in a theme."""
    flow: list[Flowable] = [CondPageBreak(40 * mm), text(_("Themes and items"), "h1")]
    for theme in source.themes:
        items = source.live_items(theme.get("ref"))
        heading = Table(
            [[charts.swatch(theme.get("color")), text(theme.get("name"), "h2")]],
            colWidths=[12, FRAME_W - 12],
            hAlign="LEFT",
        )
        heading.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        count = text(ngettext("%(num)s item", "%(num)s items", len(items)), "small")
        flow += _group(source, [heading, count], items)
    unsorted = source.live_items(None)
    ideas = [i for i in unsorted if i.get("kind") != "market"]
    markets = [i for i in unsorted if i.get("kind") == "market"]
    for heading, items in ((_("Ideas not in a theme"), ideas), (_("Target markets not in a theme"), markets)):
        if items:
            flow += _group(source, [text(heading, "h2")], items)
    if not source.themes and not unsorted:
        flow.append(text(_("No item was proposed."), "body"))
    return flow


def _group(source: Source, heading: list[Flowable], items: list[dict]) -> list[Flowable]:
    """A heading kept on the same page as its first item; the other items flow on."""
    entries = [_item(source, item) for item in items]
    return [KeepTogether([*heading, *(entries[0] if entries else [])]), *[f for e in entries[1:] for f in e]]


def _item(source: Source, item: dict) -> list[Flowable]:
    """One item with its reactions, merged duplicates and visible comments (never their authors)."""
    ref = item.get("ref")
    extras = []
    if source.reactions.get(ref):
        extras.append(ngettext("%(num)s reaction", "%(num)s reactions", source.reactions[ref]))
    if source.merged.get(ref):
        extras.append(
            ngettext("%(num)s duplicate merged in", "%(num)s duplicates merged in", source.merged[ref])
        )
    line = esc(source.item_label(item))
    if item.get("country_name") or item.get("country"):
        country, _sep, rest = source.item_label(item).partition(" — ")
        line = f"<b>{esc(country)}</b> — {esc(rest)}"
    if extras:
        line += f' <font color="#6b7280" size=7.5>· {esc(" · ".join(extras))}</font>'
    flow: list[Flowable] = [markup(line, "item", bulletText="•")]
    for comment in source.visible_comments(ref):
        who = f"<b>{esc(_('Facilitator'))}:</b> " if comment.get("by_facilitator") else ""
        flow.append(markup(f"{who}“{esc(comment.get('text'))}”", "comment"))
    return flow


def teams_section(archive: dict) -> list[Flowable]:
    """Each team: its market or idea, how many, and each member as the archive holds them (a name
    only where they agreed, never an email; whether they may be contacted)."""
    teams = archive.get("teams") or []
    if not teams:
        return []
    flow: list[Flowable] = [CondPageBreak(40 * mm), text(_("Teams"), "h1")]
    for team in teams:
        title = team.get("country_name") or team.get("label")
        count = ngettext("%(num)s person is in", "%(num)s people are in", team.get("count", 0))
        heading = [text(title, "h2"), text(f"{team.get('label')} · {count}", "small")]
        rows = [
            [
                member.get("name") or "—",
                " · ".join(filter(None, [member.get("cluster"), sector_name(member.get("sector"))])),
                " · ".join([*member.get("brings_tags", []), member.get("brings") or ""]).strip(" ·"),
                " · ".join([*member.get("looks_tags", []), member.get("looks_for") or ""]).strip(" ·"),
                _("yes") if member.get("contactable") else _("no"),
            ]
            for member in team.get("members", [])
        ]
        if not rows:
            flow.append(KeepTogether(heading))
            continue
        headers = [_("Name"), _("Cluster and sector"), _("Brings"), _("Looks for"), _("May be contacted")]
        widths = [28 * mm, 34 * mm, (FRAME_W - 86 * mm) / 2, (FRAME_W - 86 * mm) / 2, 24 * mm]
        flow.append(KeepTogether([*heading, table(headers, rows, widths)]))
    return flow
