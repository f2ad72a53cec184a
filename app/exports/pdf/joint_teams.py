"""The joint strategy report's market teams: per market, who from which clusters goes there, what
they bring and look for, and the cross-cluster matches. Names and emails are in the dict only where
consent allows (app/strategy/teams.py); this module prints what it is given.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from app.exports.pdf.layout import FRAME_W, esc, markup, plain, table, text
from app.labels import sector_label


def market_teams(joint: dict) -> list[Flowable]:
    """Each market's teams across the workshops, then its matches."""
    flow: list[Flowable] = [CondPageBreak(40 * mm), text(_("Teams by market"), "h1")]
    markets = joint.get("teams") or []
    if not markets:
        return [*flow, text(_("No team for a target market in these workshops yet."))]
    for market in markets:
        flow += _market(market)
    return flow


def _counted(rows: list, label=None) -> str:
    return ", ".join(f"{plain(label(v) if label else (v or _('Not stated')))} ({n})" for v, n in rows) or "–"


def _market(market: dict) -> list[Flowable]:
    count = ngettext("%(num)d member", "%(num)d members", market.get("members", 0))
    where = ngettext("in %(num)d workshop", "in %(num)d workshops", market.get("workshops", 0))
    note = f'<font size=8 color="#6b7280">{esc(count)} · {esc(where)}</font>'
    head = f"<b>{esc(market.get('country_name'))}</b> {note}"
    facts = [
        (_("Clusters"), _counted(market.get("clusters") or [])),
        (_("Sectors"), _counted(market.get("sectors") or [], sector_label)),
        (_("They bring"), _counted(market.get("brings_tags") or [])),
        (_("They look for"), _counted(market.get("looks_tags") or [])),
    ]
    lines = [markup(f"<b>{esc(label)}:</b> {esc(value)}", "small") for label, value in facts]
    rows = [_member_row(t, p) for t in market.get("teams") or [] for p in t.get("members") or []]
    header = [_("Who"), _("Workshop, cluster, sector"), _("Brings"), _("Looks for"), _("Email")]
    widths = [FRAME_W * 0.17, FRAME_W * 0.21, FRAME_W * 0.21, FRAME_W * 0.21, FRAME_W * 0.20]
    block: list[Flowable] = [markup(head, "h2"), *lines]
    if rows:
        block.append(table(header, rows, widths))
    return [KeepTogether(block[:3]), *block[3:], *_matches(market.get("matches") or [])]


def _member_row(team: dict, member: dict) -> list[str]:
    who = " · ".join(x for x in (member.get("name"), member.get("organisation")) if x) or _("Not named")
    where = f"{team.get('workshop_title')}, {member.get('cluster')}, {sector_label(member.get('sector'))}"
    brings = " — ".join(x for x in (member.get("brings"), ", ".join(member.get("brings_tags") or [])) if x)
    looks = " — ".join(x for x in (member.get("looks_for"), ", ".join(member.get("looks_tags") or [])) if x)
    return [who, where, brings, looks, member.get("email") or "–"]


def _matches(matches: list[dict]) -> list[Flowable]:
    if not matches:
        return []
    flow: list[Flowable] = [text(_("Matches across clusters"), "h3")]
    for match in matches:
        first, second = match.get("first") or {}, match.get("second") or {}
        line = _(
            "%(first)s (%(first_cluster)s) and %(second)s (%(second_cluster)s): the first looks for "
            "%(first_tags)s, the second for %(second_tags)s",
            first=_who(first),
            first_cluster=first.get("cluster"),
            second=_who(second),
            second_cluster=second.get("cluster"),
            first_tags=", ".join(match.get("first_looks_for") or []) or "–",
            second_tags=", ".join(match.get("second_looks_for") or []) or "–",
        )
        if done := match.get("introduced"):
            line += " · " + _("introduced on %(date)s by %(name)s", date=done["at"][:10], name=done["by"])
        flow.append(text(line, "comment"))
    return flow


def _who(side: dict) -> str:
    name = side.get("name") or _("Not named")
    return f"{name} <{side['email']}>" if side.get("email") else name
