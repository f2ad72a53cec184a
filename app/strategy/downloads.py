"""The joint strategy as files: XLSX (one sheet per table), JSON (the dict itself) and PDF.

All three are rendered from the dict `services.joint_strategy` returns, never from the database,
so they say what the page says. The writers (and their INERT guards) live in app/exports.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.exports.files import Download, download, json_bytes
from app.exports.xlsx import Sheet, write_workbook
from app.labels import sector_label
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
    """Markets, where their numbers come from, the market teams and their matches, the workshops, the
    recurring themes and the method."""
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
    return [
        markets,
        sources,
        _teams_sheet(joint),
        _matches_sheet(joint),
        _workshops_sheet(joint),
        _themes_sheet(joint),
        _method_sheet(joint),
    ]


def _teams_sheet(joint: dict) -> Sheet:
    """One row per member of a market's team: named and with an email only where they agreed."""
    return Sheet(
        _("Teams"),
        [_("Target market"), _("Workshop"), _("Host cluster"), _("Name"), _("Organisation")]
        + [_("Cluster"), _("Sector"), _("Brings"), _("Tags brought"), _("Looks for"), _("Tags looked for")]
        + [_("Email")],
        [
            [m["country_name"], t["workshop_title"], t["cluster_name"], p["name"], p["organisation"]]
            + [p["cluster"], sector_label(p["sector"]), p["brings"], ", ".join(p["brings_tags"])]
            + [p["looks_for"], ", ".join(p["looks_tags"]), p.get("email")]
            for m in joint.get("teams", [])
            for t in m["teams"]
            for p in t["members"]
        ],
        widths=[18, 26, 24, 18, 22, 24, 18, 36, 24, 36, 24, 28],
    )


def _matches_sheet(joint: dict) -> Sheet:
    """The cross-cluster matches: who, the tags each looks for that the other brings, introduced or not."""

    def who(side: dict) -> str:
        return " · ".join(
            x for x in (side["name"] or _("Not named"), side["organisation"], side["cluster"]) if x
        )

    return Sheet(
        _("Matches"),
        [_("Target market"), _("First"), _("First's email"), _("Looks for (brought by the second)")]
        + [_("Second"), _("Second's email"), _("Looks for (brought by the first)"), _("Introduced")],
        [
            [m["country_name"], who(x["first"]), x["first"].get("email"), ", ".join(x["first_looks_for"])]
            + [who(x["second"]), x["second"].get("email"), ", ".join(x["second_looks_for"])]
            + [_introduced(x["introduced"])]
            for m in joint.get("teams", [])
            for x in m["matches"]
        ],
        widths=[18, 36, 28, 28, 36, 28, 28, 30],
    )


def _introduced(done: dict | None) -> str | None:
    return _("%(date)s by %(name)s", date=done["at"][:10], name=done["by"]) if done else None


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
