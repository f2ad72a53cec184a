"""The workshop archive (docs/exports.md) with the look-ups the report needs.

The report is drawn from the archive dict only, never from the database, so a restored workshop
prints the same. Unknown keys are ignored and missing ones read as empty. Countries are named in
the workshop's language, as in every file of the workshop; the rest reads in the reader's.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from app.core.countries import market_label
from app.exports.archive import sealed
from app.exports.pdf.layout import parse_time, plain
from app.labels import SECTORS, sector_label


def sector_name(sector: str | None) -> str:
    return sector_label(sector if sector in SECTORS else plain(sector))


def method_name(method: str) -> str:
    return {"dots": _("Dot vote"), "ranking": _("Ranking"), "scores": _("Scoring of markets")}.get(
        method, method
    )


def when(value: object, *, time: bool = False, short: bool = False) -> str:
    """An archive timestamp in the reader's language, as UTC (the archive's clock)."""
    moment = parse_time(value)
    if moment is None:
        return ""
    if time:
        return format_datetime(moment, "medium", rebase=False)
    return format_date(moment, "medium" if short else "long", rebase=False)


def day(moment: datetime | None) -> str:
    return format_date(moment, "long") if moment else ""


class Source:
    """Read-only views of one archive: by ref, per item, per round."""

    def __init__(self, archive: dict):
        self.archive = archive
        self.workshop: dict = archive.get("workshop") or {}
        self.participants: list[dict] = archive.get("participants") or []
        self.themes: list[dict] = sorted(archive.get("themes") or [], key=lambda t: t.get("position") or 0)
        self.items: list[dict] = archive.get("items") or []
        self.comments: list[dict] = archive.get("comments") or []
        self.rounds: list[dict] = sorted(archive.get("rounds") or [], key=lambda r: r.get("number") or 0)
        self.item_by_ref = {i.get("ref"): i for i in self.items}
        self.theme_by_ref = {t.get("ref"): t for t in self.themes}
        self.round_by_ref = {r.get("ref"): r for r in self.rounds}
        self.reactions = Counter(r.get("item") for r in archive.get("reactions") or [])
        self.merged = Counter(i.get("merged_into") for i in self.items if i.get("merged_into"))
        names = {c.get("slug"): c.get("name") for c in archive.get("clusters") or []}
        if self.workshop.get("cluster") and self.workshop.get("cluster_name"):
            names.setdefault(self.workshop["cluster"], self.workshop["cluster_name"])
        self.cluster_names = names
        self.language: str | None = self.workshop.get("language")

    @property
    def title(self) -> str:
        return plain(self.workshop.get("title")) or _("Workshop")

    def cluster_name(self, slug: str | None) -> str:
        return plain(self.cluster_names.get(slug) or slug) if slug else _("Not stated")

    def item_label(self, item: dict) -> str:
        """An idea's text; a target market as 'Country — rationale'."""
        return market_label(plain(item.get("text")), item.get("country"), self.language)

    def live_items(self, theme_ref: str | None) -> list[dict]:
        """The items on the board in one theme (None: not in a theme), in board order; hidden and
        withdrawn items and merged duplicates are not part of the outcome."""
        rows = [i for i in self.items if i.get("state") == "live" and i.get("theme") == theme_ref]
        return sorted(rows, key=lambda i: (i.get("position") or 0, i.get("created_at") or ""))

    def visible_comments(self, item_ref: str) -> list[dict]:
        rows = [c for c in self.comments if c.get("item") == item_ref and not c.get("hidden")]
        return sorted(rows, key=lambda c: c.get("created_at") or "")

    def view(self, round_: dict) -> RoundView:
        """One of its rounds, its choices named in the workshop's language."""
        return RoundView(round_, self.language)

    def round_number(self, ref: str | None) -> int | None:
        found = self.round_by_ref.get(ref)
        return found.get("number") if found else None


class RoundView:
    """One round's options and criteria by ref, and its choices' names (in `language`)."""

    def __init__(self, round_: dict, language: str | None = None):
        self.round, self.language = round_, language
        self.options = {o.get("ref"): o for o in round_.get("options") or []}
        self.criteria = sorted(round_.get("criteria") or [], key=lambda c: c.get("position") or 0)
        self.results: dict = round_.get("results") or {}

    def option_label(self, ref: object, *, short: bool = False) -> str:
        option = self.options.get(ref)
        if option is None:
            return "?"
        return market_label(plain(option.get("label")), option.get("country"), self.language, short=short)

    @property
    def sealed(self) -> bool:
        """A sealed round's results stay sealed in the report as on the screens."""
        return sealed(self.round)
