"""Downloads: the formats, a file made in one of them, and the one response that sends a file.

Used by the workshop's downloads (app/exports/service.py) and the joint strategy's
(app/strategy/downloads.py), so both name, type and guard their files alike.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from flask import Response, send_file


@dataclass(frozen=True)
class Format:
    extension: str
    mimetype: str


FORMATS = {
    "csv": Format("zip", "application/zip"),  # a zip of CSV files, one per table
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": Format("json", "application/json"),
    "pdf": Format("pdf", "application/pdf"),
}


@dataclass(frozen=True)
class Download:
    filename: str
    mimetype: str
    data: bytes


def download(stem: str, fmt: str, data: bytes) -> Download:
    """The file `stem` in format `fmt` (a key of FORMATS), named with that format's extension."""
    kind = FORMATS[fmt]
    return Download(f"{stem}.{kind.extension}", kind.mimetype, data)


def json_bytes(data: dict) -> bytes:
    """A dict as a JSON file: UTF-8, readable by a person (indented, accents as they are)."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def attachment(file: Download) -> Response:
    """The file as a download that no shared cache keeps and no browser renders in the page."""
    response = send_file(
        io.BytesIO(file.data),
        mimetype=file.mimetype,
        as_attachment=True,
        download_name=file.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
