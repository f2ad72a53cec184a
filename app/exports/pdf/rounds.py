"""The report's voting rounds: how each was decided, its results with charts, and the contested results."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from app.exports.pdf import charts, layout
from app.exports.pdf.layout import FRAME_W, esc, labelled, markup, table, text
from app.exports.pdf.source import RoundView, Source, method_name, sector_name, when
from app.models.voting import RoundStatus


def rounds_section(source: Source) -> list[Flowable]:
    flow: list[Flowable] = [text(_("Voting rounds"), "h1")]
    if not source.rounds:
        return [*flow, text(_("No voting round was held."), "body")]
    for round_ in source.rounds:
        flow += one_round(source, source.view(round_))
    return flow


def round_title(round_: dict) -> str:
    return _("Round %(n)s: %(title)s", n=round_.get("number"), title=round_.get("title") or "")


def one_round(source: Source, view: RoundView) -> list[Flowable]:
    round_ = view.round
    flow: list[Flowable] = [CondPageBreak(60 * mm), text(round_title(round_), "h2")]
    flow.append(text(" · ".join(_status_line(view)), "small"))
    flow.append(
        KeepTogether([text(_("How this was decided"), "h3"), markup(how_decided(source, view), "note")])
    )
    flow += results(view)
    return flow


def _status_line(view: RoundView) -> list[str]:
    round_, res = view.round, view.results
    parts = [
        method_name(round_.get("method")),
        _("Closed") if round_.get("status") == RoundStatus.CLOSED else _("Open"),
    ]
    if "voted" in res:  # a sealed round's archive holds no count
        parts.append(
            _(
                "%(voted)s of %(eligible)s have voted",
                voted=res.get("voted", 0),
                eligible=res.get("eligible", 0),
            )
        )
    return parts


def how_decided(source: Source, view: RoundView) -> str:
    """The method, its limits, anonymity, visibility, turnout and history of a round, as safe markup."""
    lines = [_method_sentence(view), *_ballot_lines(view.round), *_history_lines(source, view)]
    return "<br/>".join(esc(line) for line in lines)


def _ballot_lines(round_: dict) -> list[str]:
    """What was on the ballot, whether it was anonymous, and who saw the results."""
    lines = []
    target = {
        "items": _("Chosen items were on the ballot."),
        "theme": _("The items of one theme were on the ballot."),
        "themes": _("The themes themselves were on the ballot."),
        "markets": _("The target markets proposed were on the ballot."),
        "choices": _("Choices the facilitator wrote were on the ballot."),
    }.get(round_.get("target"))
    if target:
        lines.append(target)
    written = [o for o in round_.get("options") or [] if o.get("item") is None and o.get("theme") is None]
    if written and round_.get("target") != "choices":
        lines.append(_("The facilitator added choices of their own."))
    if round_.get("anonymous"):
        lines.append(_("Anonymous ballots: nobody, the facilitator included, can tell who voted what."))
    else:
        lines.append(_("Named ballots: the facilitator could see who voted what."))
    if round_.get("results_hidden"):
        lines.append(
            _("Results were hidden from the room and had not been revealed when this report was made.")
        )
    else:
        lines.append(_("Results were revealed to the room."))
    if round_.get("shuffle"):
        lines.append(_("Each voter saw the choices in a random order."))
    return lines


def _history_lines(source: Source, view: RoundView) -> list[str]:
    """How many voted, which round this one repeated, and when it ran."""
    round_, res, lines = view.round, view.results, []
    if "voted" in res:
        lines.append(
            _(
                "%(voted)s of %(eligible)s eligible participants voted.",
                voted=res.get("voted", 0),
                eligible=res.get("eligible", 0),
            )
        )
    rerun = source.round_number(round_.get("rerun_of"))
    if rerun is not None:
        lines.append(_("This round ran round %(n)s again.", n=rerun))
    opened, closed = when(round_.get("opened_at"), time=True), when(round_.get("closed_at"), time=True)
    if opened and closed:
        lines.append(_("Opened %(opened)s, closed %(closed)s (UTC).", opened=opened, closed=closed))
    elif opened:
        lines.append(_("Opened %(opened)s (UTC), still open.", opened=opened))
    return lines


def _method_sentence(view: RoundView) -> str:
    round_ = view.round
    method = round_.get("method")
    if method == "dots":
        sentence = _(
            "Dot vote: each person had %(budget)s dots to give, at most %(cap)s to one choice.",
            budget=round_.get("budget"),
            cap=round_.get("cap"),
        )
        if round_.get("allow_own") is False:
            sentence += " " + _("Nobody could give dots to their own items.")
        return sentence
    if method == "ranking":
        sentence = _(
            "Ranking: each person put the choices in order. Borda count: with m choices on the ballot, a "
            "first place earns m − 1 points, a second m − 2, and so on; unranked choices share the points "
            "left over."
        )
        if round_.get("top_n"):
            sentence += " " + _("Only the top %(n)s places were ranked.", n=round_.get("top_n"))
        return sentence
    total = sum(float(c.get("weight") or 0) for c in view.criteria) or 1.0
    weights = ", ".join(
        _(
            "%(name)s (weight %(weight)s, %(share)s%%)",
            name=c.get("name"),
            weight=charts.number(c.get("weight")),
            share=round(100 * float(c.get("weight") or 0) / total),
        )
        for c in view.criteria
    )
    return _(
        "Scoring of markets: each person scored each market from 1 to 5 on every criterion; a market's "
        "score is the weighted mean of its criterion means. Criteria: %(criteria)s.",
        criteria=weights,
    )


def results(view: RoundView) -> list[Flowable]:
    res = view.results
    if view.sealed:
        return [text(_("The results stay sealed until this anonymous round closes."), "small")]
    if not res or not res.get("voted") or not res.get("results"):
        return [text(_("No ballot was cast."), "small")]
    flow = _scores(view) if view.round.get("method") == "scores" else _bars(view)
    return [*flow, *segments(view)]


def _bars(view: RoundView) -> list[Flowable]:
    ranking = view.round.get("method") == "ranking"
    flow: list[Flowable] = []
    if ranking:
        winner = (view.results.get("schulze") or {}).get("condorcet_winner")
        if winner:
            flow.append(markup(labelled(_("Condorcet winner:"), view.option_label(winner)), "body"))
        else:
            flow.append(text(_("No Condorcet winner: no choice beats every other head to head."), "small"))
    bars = [
        charts.Bar(
            view.option_label(row.get("item_id")),
            row.get("points"),
            _("worth discussing") if row.get("contested") else None,
            f"{_('Spread')} {charts.fixed(row.get('spread'), 1)}",
        )
        for row in view.results["results"]
    ]
    caption = _("Borda points (higher is better)") if ranking else _("Dots given")
    first, *rest = charts.bar_chart(bars, FRAME_W)
    return [*flow, KeepTogether([text(caption, "h3"), first]), *rest]


def _scores(view: RoundView) -> list[Flowable]:
    """The weighted scores as a table (contested rows shaded), then the 2x2 of the markets."""
    crit = view.criteria
    crit_w = min(96.0, (FRAME_W - 18 - 44 - 44 - 120) / max(1, len(crit)))
    # Eight criteria leave no room for their names above the columns: numbers there, names below.
    short = crit_w < 56
    names = [f"C{n}" if short else c.get("name") for n, c in enumerate(crit, start=1)]
    header = ["#", _("Market"), _("Score"), *names, _("Voters")]
    widths = [18, FRAME_W - 18 - 44 - 44 - crit_w * len(crit), 44, *[crit_w] * len(crit), 44]
    results = view.results["results"]
    rows = [_score_row(view, row) for row in results]
    flow: list[Flowable] = [
        text(_("Weighted scores (1–5)"), "h3"),
        table(
            header,
            rows,
            widths,
            numeric=range(2, len(header)),
            flagged=lambda i: bool(results[i].get("contested")),
        ),
    ]
    if short:
        legend = "; ".join(f"C{n}: {layout.plain(c.get('name'))}" for n, c in enumerate(crit, start=1))
        flow.append(text(legend, "small"))
    if len(crit) > 1:
        flow.append(_quadrant(view))
    return flow


def _means(row: dict) -> dict:
    return {c.get("criterion"): c.get("mean") for c in row.get("criteria") or []}


def _score_row(view: RoundView, row: dict) -> list:
    means = _means(row)
    name = f"<b>{esc(view.option_label(row.get('item_id'), short=True))}</b>"
    if row.get("contested"):
        name += f"<br/><font size=7.5>{esc(_('worth discussing'))}</font>"
    return [
        row.get("rank") or "–",
        markup(name, "cell"),
        charts.fixed(row.get("weighted_score")),
        *[charts.fixed(means.get(c.get("ref"))) for c in view.criteria],
        row.get("voters", 0),
    ]


def _quadrant(view: RoundView) -> Flowable:
    """The first criterion across, the mean of the others up, as the screens draw it (charts.js)."""
    crit = view.criteria
    points = []
    for row in view.results["results"]:
        means = _means(row)
        xs = [means.get(c.get("ref")) for c in crit]
        if all(v is not None for v in xs):
            label = view.option_label(row.get("item_id"), short=True)
            points.append(charts.Point(label, xs[0], sum(xs[1:]) / len(xs[1:]), bool(row.get("contested"))))
    chart = charts.quadrant_chart(
        points,
        x_label=crit[0].get("name") or "",
        y_label=(crit[1].get("name") if len(crit) == 2 else _("Mean of the other criteria")) or "",
        quadrants=(
            _("Strong on the others"),
            _("Strong on both"),
            _("Weak on both"),
            _("Strong on the first"),
        ),
        width=FRAME_W * 0.72,
        height=FRAME_W * 0.56,
    )
    chart.hAlign = "CENTER"
    return KeepTogether([text(_("Target markets: the first criterion against the others"), "h3"), chart])


def _hidden_why(part: dict) -> list[str]:
    """Why groups are not shown: too few voters, or enough but hidden to protect the few left out."""
    small = part.get("hidden_small", part.get("hidden_segments")) or 0
    protecting = part.get("hidden_protecting") or 0
    out = []
    if small:
        out.append(
            ngettext(
                "%(num)s group of fewer than 3 voters is not shown.",
                "%(num)s groups of fewer than 3 voters are not shown.",
                small,
            )
        )
    if protecting:
        out.append(
            ngettext(
                "%(num)s more group is hidden although it has 3 voters or more: with the overall "
                "result, it would give away how the few voters left out voted.",
                "%(num)s more groups are hidden although they have 3 voters or more: with the "
                "overall result, they would give away how the few voters left out voted.",
                protecting,
            )
        )
    return out


def segments(view: RoundView) -> list[Flowable]:
    """The leaders per cluster and per sector, in groups of at least 3 voters (smaller ones only counted)."""
    flow: list[Flowable] = []
    for key, title in (("by_cluster", _("By cluster")), ("by_sector", _("By sector"))):
        part = view.results.get(key) or {}
        lines = []
        for seg in part.get("segments") or []:
            top = ", ".join(
                f"{view.option_label(r.get('item_id'), short=True)} ({_shown(r)})"
                for r in (seg.get("results") or [])[:3]
            )
            voters = ngettext("%(num)s voter", "%(num)s voters", seg.get("voters") or 0)
            head = f"{_segment_name(key, seg.get('segment'))} · {voters}:"
            lines.append(f"<b>{esc(head)}</b> {esc(top)}")
        lines += [esc(why) for why in _hidden_why(part)]
        if lines:
            flow.append(markup(f"<b>{esc(title)}</b><br/>" + "<br/>".join(lines), "small"))
    return [Spacer(1, 4), *flow] if flow else []


def _shown(row: dict) -> str:
    """A result as its round shows it: a weighted score with two decimals, points as they are."""
    return (
        charts.fixed(row.get("weighted_score"))
        if "weighted_score" in row
        else charts.number(row.get("points"))
    )


def _segment_name(key: str, segment: object) -> str:
    return sector_name(segment) if key == "by_sector" else str(segment or "")


def contested_section(source: Source) -> list[Flowable]:
    """Every result the room was split on, across rounds: worth a discussion before deciding."""
    flow: list[Flowable] = [
        text(_("Contested results"), "h1"),
        text(
            _(
                "“Worth discussing” marks a result on which at least 3 voters disagreed widely: the spread "
                "(standard deviation) of their votes was large for the scale of the round."
            ),
            "small",
        ),
    ]
    rows = []
    for round_ in source.rounds:
        view = source.view(round_)
        if view.sealed:
            continue
        for row in view.results.get("results") or []:
            if row.get("contested"):
                rows.append(
                    [
                        round_title(round_),
                        view.option_label(row.get("item_id")),
                        _shown(row),
                        charts.fixed(row.get("spread")),
                        row.get("voters", 0),
                    ]
                )
    if not rows:
        return [*flow, text(_("No result was contested."), "body")]
    header = [_("Round"), _("Choice"), _("Result"), _("Spread"), _("Voters")]
    widths = [FRAME_W * 0.3, FRAME_W * 0.4, FRAME_W * 0.1, FRAME_W * 0.1, FRAME_W * 0.1]
    return [*flow, table(header, rows, widths, numeric=(2, 3, 4))]
