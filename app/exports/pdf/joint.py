"""The joint strategy report: the workshops combined, the target markets ranked across them with the
clusters side by side, how the scores were combined, the market teams, and the themes that recur.

Drawn from the dict app.strategy.services builds; extra keys are ignored, missing ones read as empty.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from app.core.countries import country_name
from app.exports.pdf import charts, layout
from app.exports.pdf.joint_teams import market_teams
from app.exports.pdf.layout import FRAME_W, esc, markup, table, text
from app.exports.pdf.source import day, when
from app.exports.pdf.workshop import page_label
from app.strategy.services import SCALE_HIGH, SCALE_LOW, agreement_label


def render_joint(joint: dict) -> bytes:
    """The printable joint strategy across the workshops a coordinator selected."""
    clusters = [c for c in joint.get("clusters") or [] if isinstance(c, dict)]
    markets = sorted(
        joint.get("markets") or [], key=lambda m: (m.get("rank") or 10**9, -(m.get("score") or 0))
    )
    title = _("Joint strategy")
    generated = when(joint.get("generated_at")) or day(datetime.now(UTC).replace(tzinfo=None))
    flow: list[Flowable] = [
        text(_("Joint strategy report"), "kicker"),
        text(title, "title"),
        text(_("Target markets and recurring themes across the selected workshops."), "lead"),
        layout.facts(
            [
                (_("Clusters"), ", ".join(layout.plain(c.get("name") or c.get("slug")) for c in clusters)),
                (_("Workshops"), len(joint.get("workshops") or [])),
                (_("Report generated"), when(joint.get("generated_at"))),
            ]
        ),
        *workshops_table(joint),
        *ranking(markets, clusters, joint.get("method")),
        *market_teams(joint),
        *themes(joint),
    ]
    generated_note = _("Generated %(date)s", date=generated)
    footer = f"{title} · {generated_note}"
    return layout.render(flow, title=title, footer=footer, page_label=page_label)


def workshops_table(joint: dict) -> list[Flowable]:
    rows = [
        [
            w.get("title"),
            w.get("cluster_name") or w.get("cluster"),
            when(w.get("date"), short=True),
            w.get("participants", 0),
        ]
        for w in joint.get("workshops") or []
    ]
    if not rows:
        return [text(_("Workshops combined"), "h1"), text(_("No workshop was selected."))]
    header = [_("Workshop"), _("Host cluster"), _("Date"), _("Participants")]
    widths = [FRAME_W * 0.44, FRAME_W * 0.24, FRAME_W * 0.18, FRAME_W * 0.14]
    return [text(_("Workshops combined"), "h1"), table(header, rows, widths, numeric=(3,))]


def _market_name(market: dict) -> str:
    code = market.get("country")
    return layout.plain(market.get("country_name") or (country_name(code) if code else None) or code or "?")


def ranking(markets: list[dict], clusters: list[dict], method: object) -> list[Flowable]:
    """The markets best first: a table with a score bar, then each cluster's score side by side."""
    flow: list[Flowable] = [CondPageBreak(50 * mm), text(_("Target markets"), "h1")]
    if method:
        flow.append(KeepTogether([text(_("How the scores were combined"), "h3"), text(method, "note")]))
    if not markets:
        return [*flow, text(_("No target market was scored in these workshops."))]
    header = ["#", _("Market"), _("Score (1–5)"), _("Workshops")]
    widths = [20, FRAME_W - 20 - 70 - 66, 70, 66]
    rows = [
        [m.get("rank") or "–", _market_cell(m), _score_bar(m.get("score")), _workshops_cell(m)]
        for m in markets
    ]
    flow.append(table(header, rows, widths, numeric=(3,)))
    return [*flow, *by_cluster(markets, clusters)]


def by_cluster(markets: list[dict], clusters: list[dict]) -> list[Flowable]:
    """Each market's score within each cluster's workshops, the clusters side by side."""
    if not clusters:
        return []
    slugs = [c.get("slug") for c in clusters]
    names = [layout.plain(c.get("name") or c.get("slug")) for c in clusters]
    head = [
        CondPageBreak(40 * mm),
        text(_("Target markets by cluster"), "h2"),
        text(
            _("Each market's score (1–5, without its room's leniency) in each cluster's workshops."), "small"
        ),
        charts.legend(names, FRAME_W),
        Spacer(1, 6),
    ]
    rows = [
        charts.cluster_bars(
            f"{m.get('rank') or '–'}. {_market_name(m)}",
            [(m.get("by_cluster") or {}).get(s) for s in slugs],
            FRAME_W,
            _("not scored"),
            low=SCALE_LOW,
            high=SCALE_HIGH,
        )
        for m in markets
    ]
    return [KeepTogether([*head, *rows[:1]]), *rows[1:]]


def _market_cell(market: dict) -> Flowable:
    sources = market.get("sources") or []
    lines = [f"<b>{esc(_market_name(market))}</b>"]
    for s in sources:
        detail = _(
            "%(workshop)s, %(round)s: %(raw)s → %(adjusted)s without the workshop's leniency",
            workshop=layout.plain(s.get("workshop_title")),
            round=layout.plain(s.get("round_title")),
            raw=charts.fixed(s.get("raw_score")),
            adjusted=charts.fixed(s.get("adjusted")),
        )
        if isinstance(s.get("voters"), int):
            detail += " · " + ngettext("%(num)s voter", "%(num)s voters", s["voters"])
        lines.append(f'<font size=7 color="#6b7280">{esc(detail)}</font>')
    return markup("<br/>".join(lines), "cell")


def _score_bar(score: float | None) -> Flowable:
    return charts.inline_bar(score, 58, low=SCALE_LOW, high=SCALE_HIGH)


def _workshops_cell(market: dict) -> Flowable:
    """How many workshops scored the market, and how far they agree."""
    level = (market.get("agreement") or {}).get("level")
    count = esc(str(market.get("workshops", 0)))
    if not level or level == "one":
        return markup(count, "cell")
    return markup(f'{count}<br/><font size=7 color="#6b7280">{esc(agreement_label(level))}</font>', "cell")


def themes(joint: dict) -> list[Flowable]:
    """Themes the coordinator confirmed as the same across workshops, with each workshop's version."""
    flow: list[Flowable] = [CondPageBreak(40 * mm), text(_("Recurring themes"), "h1")]
    rows = joint.get("themes") or []
    if not rows:
        return [*flow, text(_("No recurring theme has been confirmed yet."))]
    for theme in rows:
        members = theme.get("workshops") or []
        count = ngettext("in %(num)s workshop", "in %(num)s workshops", len(members))
        block: list[Flowable] = [
            markup(f'<b>{esc(theme.get("name"))}</b> <font size=8 color="#6b7280">{esc(count)}</font>', "h2")
        ]
        for member in members:
            head = f"{layout.plain(member.get('workshop_title'))}: {layout.plain(member.get('theme_name'))}"
            items = [layout.plain(i) for i in member.get("items") or []]
            block.append(markup(f"<b>{esc(head)}</b>", "item", bulletText="•"))
            block += [text(i, "comment") for i in items]
        flow.append(KeepTogether(block[:3]))
        flow += block[3:]
    return flow
