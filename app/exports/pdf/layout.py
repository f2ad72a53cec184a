"""Page layout of the PDF reports: fonts, styles, escaped paragraphs, tables, and the page footer.

INERT: reportlab's Paragraph reads a mini-markup (<b>, <font>, <img src> that opens files and URLs).
User text reaches a Paragraph only through `text()` or `esc()`, which escape it, so a title like
`<img src="http://…"/>` prints as those characters and nothing is fetched. Drawing strings and the
canvas footer are plain text already.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN - 12  # reportlab's frame keeps 6 points of padding on each side

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#d1d5db")
SHADE = colors.HexColor("#f3f4f6")
ACCENT = colors.HexColor("#1d4ed8")
FLAG = colors.HexColor("#b45309")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@cache
def register_fonts() -> None:
    """DejaVu Sans (regular and bold) under one family, so <b> in our own markup picks the bold face."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def plain(value: object) -> str:
    """User text as one clean line of characters: no control characters, whitespace folded."""
    return " ".join(_CONTROL.sub(" ", "" if value is None else str(value)).split())


def esc(value: object) -> str:
    """User text made safe for Paragraph markup: escaped, so it is printed and never interpreted."""
    return escape(plain(value))


def fit(value: object, width: float, size: float, font: str = FONT) -> str:
    """Text cut with an ellipsis to fit `width` points (for drawings and the footer, which do not wrap)."""
    text = plain(value)
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK, spaceAfter=4)
    made = {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=22, leading=27, spaceAfter=6),
        "kicker": ParagraphStyle("kicker", base, fontName=BOLD, fontSize=9, textColor=ACCENT, spaceAfter=2),
        "lead": ParagraphStyle("lead", base, fontSize=12, leading=16, spaceAfter=10),
        "h1": ParagraphStyle(
            "h1", base, fontName=BOLD, fontSize=15, leading=19, spaceBefore=14, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2", base, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle(
            "h3", base, fontName=BOLD, fontSize=9.5, leading=13, spaceBefore=6, spaceAfter=2
        ),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=2),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", base, fontName=BOLD, fontSize=8.5, leading=11, spaceAfter=0),
        "cell_bold_num": ParagraphStyle(
            "cell_bold_num", base, fontName=BOLD, fontSize=8.5, leading=11, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_num": ParagraphStyle(
            "cell_num", base, fontSize=8.5, leading=11, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_small": ParagraphStyle(
            "cell_small", base, fontSize=7.5, leading=9.5, textColor=MUTED, spaceAfter=0
        ),
        "item": ParagraphStyle("item", base, leftIndent=10, bulletIndent=0, spaceAfter=2),
        "comment": ParagraphStyle(
            "comment", base, fontSize=8, leading=10.5, textColor=MUTED, leftIndent=22, spaceAfter=1
        ),
        "note": ParagraphStyle(
            "note",
            base,
            fontSize=8.5,
            leading=12,
            backColor=SHADE,
            borderPadding=(5, 6, 5, 6),
            spaceBefore=6,
            spaceAfter=10,
        ),
    }
    return made


def text(value: object, style: str = "body", **kw) -> Paragraph:
    """A paragraph of user (or translated) text, escaped."""
    return Paragraph(esc(value), styles()[style], **kw)


def markup(safe_markup: str, style: str = "body", **kw) -> Paragraph:
    """A paragraph of markup built by this package, every user part already passed through esc()."""
    return Paragraph(safe_markup, styles()[style], **kw)


def labelled(label: str, value: object) -> str:
    """'<b>Label:</b> value', both escaped."""
    return f"<b>{esc(label)}</b> {esc(value)}"


def breakable(value: object, width: float, font: str = BOLD, size: float = 8.5) -> str:
    """Text whose words too wide for `width` may break after their hyphens ("Baden-" / "Württemberg"),
    instead of reportlab cutting them anywhere."""
    words = plain(value).split(" ")
    return " ".join(
        w.replace("-", "- ") if pdfmetrics.stringWidth(w, font, size) > width else w for w in words
    )


def cell(value: object, style: str = "cell") -> Flowable:
    return value if isinstance(value, Flowable) else text(value, style)


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    widths: Sequence[float],
    numeric: Iterable[int] = (),
    flagged: Callable[[int], bool] = lambda index: False,
) -> Table:
    """A table with a bold header row repeated on each page; numeric columns right-aligned."""
    numeric = set(numeric)
    body = [
        [
            cell(v, "cell_num" if i in numeric and not isinstance(v, Flowable) else "cell")
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    head = [
        h
        if isinstance(h, Flowable)
        else text(breakable(h, w - 8), "cell_bold_num" if i in numeric else "cell_bold")
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    ]
    out = Table([head, *body], colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for index in range(len(body)):
        if flagged(index):
            commands.append(("BACKGROUND", (0, index + 1), (-1, index + 1), colors.HexColor("#fef3c7")))
    out.setStyle(TableStyle(commands))
    return out


def facts(pairs: Iterable[tuple[str, object]], label_width: float = 42 * mm) -> Table:
    """A two-column block of 'label: value' lines (the title page's facts)."""
    rows = [
        [text(label, "cell_bold"), text(value, "cell")] for label, value in pairs if value not in (None, "")
    ]
    out = Table(rows, colWidths=[label_width, FRAME_W - label_width], hAlign="LEFT")
    out.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return out


def parse_time(value: object) -> datetime | None:
    """An archive timestamp ('2026-05-04T09:30:00Z') as a naive UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _footer_canvas(left: str, right: Callable[[int, int], str]):
    """A canvas class that draws the footer once it knows the page count ("Page 2 of 7")."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            y = MARGIN - 8 * mm
            self.line(MARGIN, y + 10, PAGE_W - MARGIN, y + 10)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7.5)
            page = right(number, total)
            room = FRAME_W - pdfmetrics.stringWidth(page, FONT, 7.5) - 20
            self.drawString(MARGIN, y, fit(left, room, 7.5))
            self.drawRightString(PAGE_W - MARGIN, y, page)
            self.restoreState()

    return FooterCanvas


def render(
    flowables: list[Flowable], *, title: str, footer: str, page_label: Callable[[int, int], str]
) -> bytes:
    """The flowables as an A4 PDF with the footer on every page."""
    register_fonts()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=plain(title),
        author="Bridge Co-Design",
        creator="Bridge Co-Design",
    )
    doc.build(flowables, canvasmaker=_footer_canvas(plain(footer), page_label))
    return out.getvalue()
