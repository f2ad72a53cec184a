"""The workshop as a zip of CSV files, one per table.

Each file is UTF-8 with a byte-order mark, which is what makes Excel read accents, Greek and
Cyrillic correctly when the file is double-clicked; every cell goes through `inert`, so no
cell can be taken for a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

from app.exports.tables import inert, tables
from app.exports.xlsx import Sheet


def write_zip(archive: dict) -> bytes:
    """A zip holding <table>.csv for every table of the archive."""
    stamp = _zip_time(archive.get("exported_at"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for sheet in tables(archive):
            info = zipfile.ZipInfo(f"{sheet.title}.csv", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, csv_bytes(sheet))
    return out.getvalue()


def csv_bytes(sheet: Sheet) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([inert(h) for h in sheet.headers])
    writer.writerows([inert(v) for v in row] for row in sheet.rows)
    return text.getvalue().encode("utf-8-sig")


def _zip_time(exported_at: str | None) -> tuple[int, int, int, int, int, int]:
    try:
        when = datetime.fromisoformat(exported_at.rstrip("Z"))
    except (AttributeError, ValueError):
        return (1980, 1, 1, 0, 0, 0)
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
