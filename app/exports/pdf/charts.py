"""Vector charts for the PDF reports (reportlab Drawings: lines, rectangles and text, no images).

They mirror app/static/js/charts.js, so a page reads like the screens: horizontal bars with the label
above each bar and the value at its end, and the 2x2 of target markets (the first criterion across,
the mean of the others up, the two lines through the middle of the 1-5 scale).
Labels are plain drawing strings, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.exports.pdf.layout import ACCENT, BOLD, FLAG, FONT, INK, MUTED, RULE, fit, register_fonts

TRACK = colors.HexColor("#e5e7eb")
BEST = colors.HexColor("#dcfce7")
# One colour per cluster in the joint strategy, in the order the clusters are listed.
SERIES = ["#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#4b5563"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    flag: str | None = None  # e.g. "worth discussing"
    note: str | None = None  # small text at the right end of the label line (the spread)


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.{digits}f}"


def fixed(value: float | None, digits: int = 2) -> str:
    """A score with a fixed number of decimals, so that a column of them lines up."""
    return "–" if value is None else f"{value:.{digits}f}"


BARS_PER_DRAWING = 12  # a long chart flows over pages in pieces of this many bars


def bar_chart(
    bars: Sequence[Bar], width: float, *, max_value: float | None = None, digits: int = 1
) -> list[Drawing]:
    """One bar per row, in the order given; flagged rows get an amber bar and their flag after the value.

    Returned as drawings of up to BARS_PER_DRAWING bars on one scale, so that a ballot of fifty
    choices breaks across pages instead of overflowing one.
    """
    values = [b.value for b in bars if b.value is not None]
    top = max_value or max([1.0, *values])
    return [
        _bars(bars[start : start + BARS_PER_DRAWING], width, top, digits)
        for start in range(0, max(1, len(bars)), BARS_PER_DRAWING)
    ]


def _bars(bars: Sequence[Bar], width: float, top: float, digits: int) -> Drawing:
    register_fonts()
    size, bar_h, row_h = 8.5, 9.0, 27.0
    drawing = Drawing(width, max(row_h, len(bars) * row_h))
    value_room = 120.0
    track = width - value_room
    for index, bar in enumerate(bars):
        y = drawing.height - (index + 1) * row_h  # bottom of this row
        note_w = stringWidth(bar.note, FONT, 7) + 8 if bar.note else 0
        drawing.add(
            String(
                0,
                y + bar_h + 6,
                fit(bar.label, width - note_w, size),
                fontName=FONT,
                fontSize=size,
                fillColor=INK,
            )
        )
        if bar.note:
            drawing.add(
                String(
                    width,
                    y + bar_h + 6,
                    bar.note,
                    fontName=FONT,
                    fontSize=7,
                    fillColor=MUTED,
                    textAnchor="end",
                )
            )
        drawing.add(Rect(0, y + 3, track, bar_h, fillColor=TRACK, strokeColor=None))
        length = 0.0
        if bar.value is not None and top > 0:
            length = max(0.0, min(1.0, bar.value / top)) * track
            if length > 0:
                colour = FLAG if bar.flag else ACCENT
                drawing.add(Rect(0, y + 3, max(length, 1.5), bar_h, fillColor=colour, strokeColor=None))
        shown = number(bar.value, digits)
        x = length + 4
        drawing.add(String(x, y + 4.5, shown, fontName=BOLD, fontSize=size, fillColor=INK))
        if bar.flag:
            x += stringWidth(shown, BOLD, size) + 6
            drawing.add(
                String(
                    x,
                    y + 4.5,
                    fit(f"⚑ {bar.flag}", width - x, 7.5),
                    fontName=BOLD,
                    fontSize=7.5,
                    fillColor=FLAG,
                )
            )
    return drawing


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    flag: bool = False


def quadrant_chart(
    points: Sequence[Point],
    *,
    x_label: str,
    y_label: str,
    quadrants: Sequence[str] = ("", "", "", ""),
    width: float = 330,
    height: float = 280,
    low: float = 1,
    high: float = 5,
) -> Drawing:
    """The 2x2 of target markets: the top-right quarter (high on both) is tinted, each point labelled.

    `quadrants` are the captions top-left, top-right, bottom-left, bottom-right.
    """
    register_fonts()
    left, right, bottom, top = 34.0, 8.0, 34.0, 6.0
    plot_w, plot_h = width - left - right, height - bottom - top
    mid = (low + high) / 2

    def sx(v: float) -> float:
        return left + (min(high, max(low, v)) - low) / (high - low) * plot_w

    def sy(v: float) -> float:
        return bottom + (min(high, max(low, v)) - low) / (high - low) * plot_h

    drawing = Drawing(width, height)
    drawing.add(
        Rect(sx(mid), sy(mid), sx(high) - sx(mid), sy(high) - sy(mid), fillColor=BEST, strokeColor=None)
    )
    drawing.add(Rect(left, bottom, plot_w, plot_h, fillColor=None, strokeColor=MUTED, strokeWidth=0.6))
    for tick in range(int(low), int(high) + 1):
        drawing.add(
            String(
                sx(tick),
                bottom - 10,
                str(tick),
                fontName=FONT,
                fontSize=7,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
        drawing.add(
            String(
                left - 5,
                sy(tick) - 2.5,
                str(tick),
                fontName=FONT,
                fontSize=7,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    for line in (
        Line(sx(mid), bottom, sx(mid), bottom + plot_h),
        Line(left, sy(mid), left + plot_w, sy(mid)),
    ):
        line.strokeColor, line.strokeWidth, line.strokeDashArray = MUTED, 0.6, [3, 2]
        drawing.add(line)
    drawing.add(
        String(
            left + plot_w / 2,
            4,
            fit(x_label, plot_w, 8, BOLD),
            fontName=BOLD,
            fontSize=8,
            fillColor=INK,
            textAnchor="middle",
        )
    )
    y_text = String(
        0, 0, fit(y_label, plot_h, 8, BOLD), fontName=BOLD, fontSize=8, fillColor=INK, textAnchor="middle"
    )
    rotated = Group(y_text)
    rotated.transform = (0, 1, -1, 0, 10, bottom + plot_h / 2)  # 90 degrees, reading upwards
    drawing.add(rotated)
    spots = [
        (left + 4, bottom + plot_h - 10, "start"),
        (left + plot_w - 4, bottom + plot_h - 10, "end"),
        (left + 4, bottom + 4, "start"),
        (left + plot_w - 4, bottom + 4, "end"),
    ]
    for caption, (x, y, anchor) in zip(quadrants, spots, strict=False):
        if caption:
            drawing.add(
                String(
                    x,
                    y,
                    fit(caption, plot_w / 2 - 8, 7),
                    fontName=FONT,
                    fontSize=7,
                    fillColor=MUTED,
                    textAnchor=anchor,
                )
            )
    _points(drawing, points, sx, sy, left + plot_w)
    return drawing


def _points(drawing: Drawing, points: Sequence[Point], sx, sy, right_edge: float) -> None:
    """Dots with their labels, moving a label down while it would overlap one already placed."""
    placed: list[tuple[float, float, float]] = []  # x, y, width of the labels drawn
    for point in points:
        cx, cy = sx(point.x), sy(point.y)
        label = fit(point.label, 90, 7.5, BOLD)
        w = stringWidth(label, BOLD, 7.5)
        to_right = cx + 6 + w < right_edge
        lx = cx + 6 if to_right else cx - 6 - w
        ly = cy - 2.5
        for _ in range(8):
            if not any(abs(py - ly) < 8.5 and lx < px + pw and px < lx + w for px, py, pw in placed):
                break
            ly -= 8.5
        placed.append((lx, ly, w))
        colour = FLAG if point.flag else ACCENT
        drawing.add(Circle(cx, cy, 3.6, fillColor=colour, strokeColor=colors.white, strokeWidth=1))
        drawing.add(String(lx, ly, label, fontName=BOLD, fontSize=7.5, fillColor=INK))


def legend(series: Sequence[str], width: float) -> Drawing:
    """A colour square and a name per series (cluster), wrapping onto more lines when needed."""
    register_fonts()
    entries = [
        (fit(name, width / 2, 7.5), colors.HexColor(SERIES[i % len(SERIES)])) for i, name in enumerate(series)
    ]
    lines: list[list[tuple[float, str, colors.Color]]] = [[]]
    x = 0.0
    for label, colour in entries:
        w = 11 + stringWidth(label, FONT, 7.5)
        if x and x + w > width:
            lines.append([])
            x = 0.0
        lines[-1].append((x, label, colour))
        x += w + 14
    drawing = Drawing(width, len(lines) * 12)
    for row, line in enumerate(lines):
        y = drawing.height - (row + 1) * 12 + 3
        for x, label, colour in line:
            drawing.add(Rect(x, y, 8, 8, fillColor=colour, strokeColor=None))
            drawing.add(String(x + 11, y + 1, label, fontName=FONT, fontSize=7.5, fillColor=INK))
    return drawing


def cluster_bars(
    label: str,
    values: Sequence[float | None],
    width: float,
    missing: str,
    *,
    low: float = 0.0,
    high: float = 1.0,
) -> Drawing:
    """One market: its name on the left, then one bar per series (cluster) from `low` to `high`, in
    legend colours.

    A cluster that did not score the market gets the `missing` text instead of a bar.
    """
    register_fonts()
    bar_h, gap, label_w = 6.5, 2.0, 130.0
    drawing = Drawing(width, len(values) * (bar_h + gap) + 6)
    drawing.add(
        String(
            0,
            drawing.height - 9,
            fit(label, label_w - 6, 8.5, BOLD),
            fontName=BOLD,
            fontSize=8.5,
            fillColor=INK,
        )
    )
    track = width - label_w - 30
    for s, value in enumerate(values):
        y = drawing.height - (s + 1) * (bar_h + gap)
        if value is None:
            drawing.add(String(label_w, y + 0.8, missing, fontName=FONT, fontSize=6.5, fillColor=MUTED))
            continue
        drawing.add(Rect(label_w, y, track, bar_h, fillColor=TRACK, strokeColor=None))
        length = max(0.0, min(1.0, (value - low) / (high - low))) * track
        colour = colors.HexColor(SERIES[s % len(SERIES)])
        if length > 0:
            drawing.add(Rect(label_w, y, max(length, 1.0), bar_h, fillColor=colour, strokeColor=None))
        drawing.add(
            String(label_w + length + 3, y + 0.8, fixed(value), fontName=FONT, fontSize=6.5, fillColor=INK)
        )
    return drawing


def inline_bar(
    value: float | None, width: float, digits: int = 2, *, low: float = 0.0, high: float = 1.0
) -> Drawing:
    """A score from `low` to `high` as a short bar with the number after it, for a table cell."""
    register_fonts()
    drawing = Drawing(width, 10)
    track = width - 22
    drawing.add(Rect(0, 1.5, track, 7, fillColor=TRACK, strokeColor=None))
    share = None if value is None else (value - low) / (high - low)
    if share is not None and share > 0:
        drawing.add(Rect(0, 1.5, max(1.0, min(1.0, share) * track), 7, fillColor=ACCENT, strokeColor=None))
    drawing.add(
        String(width, 2, fixed(value, digits), fontName=FONT, fontSize=7.5, fillColor=INK, textAnchor="end")
    )
    return drawing


def swatch(colour: str, size: float = 8) -> Drawing:
    """A small square in a theme's colour (a colour the app validated as #rrggbb; anything else is grey)."""
    drawing = Drawing(size, size)
    try:
        fill = colors.HexColor(colour) if isinstance(colour, str) and len(colour) == 7 else RULE
    except ValueError:
        fill = RULE
    drawing.add(Rect(0, 0, size, size, fillColor=fill, strokeColor=None))
    return drawing
