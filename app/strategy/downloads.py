"""The joint strategy as files: XLSX (one sheet per table), JSON (the dict itself) and PDF.

All three are rendered from the dict `services.joint_strategy` returns, never from the database,
so they say what the page says. The writers (and their INERT guards) live in app/exports.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.exports.files import Download, download, json_bytes
from app.exports.xlsx import Sheet, write_workbook
from app.strategy.services import agreement_label


def _pdf(joint: dict) -> bytes:
    # Imported when asked for: the PDF package loads ReportLab and registers its fonts, which
    # only this format needs.
    from app.exports.pdf import render_joint

    return render_joint(joint)


def _xlsx(joint: dict) -> bytes:
    return write_workbook(sheets(joint))


# The joint strategy's formats (app/exports/files.py names them), in the order the page offers them.
RENDERERS = {"xlsx": _xlsx, "pdf": _pdf, "json": json_bytes}


def render(joint: dict, fmt: str) -> Download:
    """The joint strategy as a file in one of RENDERERS' formats."""
    return download(f"joint-strategy-{joint['generated_at'][:10]}", fmt, RENDERERS[fmt](joint))


def sheets(joint: dict) -> list[Sheet]:
    """Markets, where their numbers come from, the workshops, the recurring themes and the method."""
    clusters = joint["clusters"]
    markets = Sheet(
        _("Markets"),
        [_("Rank"), _("Country code"), _("Target market"), _("Joint score (1-5)"), _("Workshops")]
        + [_("Lowest"), _("Highest"), _("Agreement")]
        + [c["name"] for c in clusters],
        [
            [m["rank"], m["country"], m["country_name"], m["score"], m["workshops"]]
            + [m["agreement"]["low"], m["agreement"]["high"], agreement_label(m["agreement"]["level"])]
            + [m["by_cluster"].get(c["slug"]) for c in clusters]
            for m in joint["markets"]
        ],
    )
    sources = Sheet(
        _("Sources"),
        [
            _("Target market"),
            _("Workshop"),
            _("Round"),
            _("Weighted score (1-5)"),
            _("Workshop's mean (1-5)"),
            _("Without the workshop's leniency (1-5)"),
            _("Voters"),
        ],
        [
            [
                m["country_name"],
                s["workshop_title"],
                s["round_title"],
                s["raw_score"],
                s["workshop_mean"],
                s["adjusted"],
                s["voters"],
            ]
            for m in joint["markets"]
            for s in m["sources"]
        ],
    )
    return [markets, sources, _workshops_sheet(joint), _themes_sheet(joint), _method_sheet(joint)]


def _workshops_sheet(joint: dict) -> Sheet:
    return Sheet(
        _("Workshops"),
        [_("Workshop"), _("Host cluster"), _("Date"), _("Status"), _("Participants"), _("Market round")],
        [
            [
                w["title"],
                w["cluster_name"],
                w["date"],
                w.get("status"),
                w["participants"],
                (w.get("markets_round") or {}).get("title"),
            ]
            for w in joint["workshops"]
        ],
    )


def _themes_sheet(joint: dict) -> Sheet:
    return Sheet(
        _("Recurring themes"),
        [_("Recurring theme"), _("Workshop"), _("Theme in the workshop"), _("Items")],
        [
            [t["name"], w["workshop_title"], w["theme_name"], "\n".join(w["items"])]
            for t in joint["themes"]
            for w in t["workshops"]
        ],
        widths=[30, 30, 30, 60],
    )


def _method_sheet(joint: dict) -> Sheet:
    return Sheet(
        _("Method"),
        [_("How the joint score is computed"), _("Generated at (UTC)")],
        [[joint["method"], joint["generated_at"]]],
        widths=[100, 22],
    )
