"""Excel workbooks (openpyxl): one styled sheet per table, never a formula.

Generic: it knows sheets, not workshops. `write_workbook` writes the workshop export's tables
(app/exports/tables.py) and the joint strategy's (app/strategy/downloads.py). User text is
written as text cells (data_type "s"); a value that starts like a formula also gets Excel's
"quote prefix" style, so that editing the cell later still keeps it text (INERT). Numbers stay
numbers so that people can sort and sum them.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

# OWASP "CSV injection": a cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
MIN_WIDTH = 8
_FORBIDDEN_TITLE = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass
class Sheet:
    """One table: a title, a header row and data rows (str, int, float, bool, None)."""

    title: str
    headers: list[str]
    rows: list[list]
    widths: list[int] | None = None


def write_workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as an .xlsx file, in the given order."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet_title(sheet.title, used)), sheet)
    if not book.worksheets:  # Excel refuses a workbook without a sheet
        book.create_sheet("Sheet1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_title(title: str, used: set[str]) -> str:
    """A title Excel accepts: no []:*?/\\, at most 31 chars, not blank, unique (case-insensitive)."""
    clean = _FORBIDDEN_TITLE.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(title))).strip().strip("'")
    clean = clean[:31].strip() or "Sheet"
    candidate, n = clean, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def _write_sheet(ws, sheet: Sheet) -> None:
    for col, header in enumerate(sheet.headers, start=1):
        cell = ws.cell(row=1, column=col)
        _set(cell, header)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
    lengths = [len(str(h)) for h in sheet.headers]
    for r, row in enumerate(sheet.rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            _set(cell, value)
            text = "" if value is None else str(value)
            if c > len(lengths):
                lengths.append(0)
            longest_line = max((len(line) for line in text.splitlines()), default=0)
            lengths[c - 1] = max(lengths[c - 1], longest_line)
            cell.alignment = _WRAP if (longest_line > MAX_WIDTH or "\n" in text) else _TOP
    for c, length in enumerate(lengths, start=1):
        given = sheet.widths[c - 1] if sheet.widths and c <= len(sheet.widths) else None
        width = given if given else max(MIN_WIDTH, min(MAX_WIDTH, length + 2))
        ws.column_dimensions[get_column_letter(c)].width = width
    if sheet.headers:
        ws.freeze_panes = "A2"
        last = get_column_letter(max(len(sheet.headers), 1))
        ws.auto_filter.ref = f"A1:{last}{max(len(sheet.rows) + 1, 1)}"


def _set(cell, value) -> None:
    """Write one value; text is always a text cell, never a formula."""
    if value is None:
        return
    if isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
        cell.value = value
        return
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if text.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
