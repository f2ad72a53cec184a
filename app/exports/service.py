"""One export service for the download routes and the `flask export` / `flask workshops import` commands."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.errors import Invalid, NotFound
from app.exports import archive, restore
from app.exports.csv_zip import write_zip
from app.exports.files import Download, download, json_bytes
from app.exports.tables import workbook
from app.extensions import db
from app.models import Role, User, Workshop
from app.workshops.services.workshops import can_read


def _pdf(data: dict) -> bytes:
    # Imported when asked for: the PDF package loads ReportLab and registers its fonts, which
    # only this format needs.
    from app.exports.pdf import render_workshop

    return render_workshop(data)


# A workshop's formats (app/exports/files.py names them), each made from the archive alone.
RENDERERS = {"csv": write_zip, "xlsx": workbook, "json": json_bytes, "pdf": _pdf}


def export(user: User | None, workshop_id: object, fmt: str) -> Download:
    """A workshop's outcomes as a file; user None is the trusted shell."""
    workshop = _readable(user, workshop_id)
    if fmt not in RENDERERS:
        raise NotFound(_("This page does not exist."))
    data = archive.build(workshop.id)
    return download(filename_stem(data), fmt, RENDERERS[fmt](data))


def _readable(user: User | None, workshop_id: object) -> Workshop:
    workshop = None
    if type(workshop_id) is int and 0 < workshop_id < 2**63:
        workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or (user is not None and not can_read(user, workshop)):
        raise NotFound(_("This workshop does not exist."))  # another's workshop looks like none (TENANT)
    return workshop


# Greek and Cyrillic titles (ELINCLUS, Cluster ICT) should still name their files: a plain transliteration.
_LATIN = str.maketrans(
    "αβγδεζηικλμνξοπρσςτυφωабвгдезийклмнопрстуфхъыьэ", "avgdeziiklmnxoprsstyfoabvgdeziyklmnoprstufhayye"
) | str.maketrans(
    {
        "θ": "th",
        "χ": "ch",
        "ψ": "ps",
        "ё": "yo",
        "ж": "zh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sht",
        "ю": "yu",
        "я": "ya",
    }
)


def slug(text: str, limit: int = 50) -> str:
    """ASCII letters, digits and dashes only: safe in a file name on every system and in a header."""
    latin = unicodedata.normalize("NFKD", text.lower()).translate(_LATIN)
    ascii_ = latin.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:limit].strip("-")


def filename_stem(data: dict) -> str:
    w = data["workshop"]
    date = (w.get("created_at") or "")[:10]
    date = date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else ""
    return "-".join(part for part in (slug(w["title"]) or "workshop", date) if part)


def import_archive(raw: bytes, facilitator_email: str) -> Workshop:
    """Restore a workshop from the bytes of a JSON archive, under a facilitator's account."""
    limit = current_app.config["EXPORT_IMPORT_MAX_BYTES"]
    if len(raw) > limit:
        raise Invalid(_("The file is too large (over %(mb)s MB).", mb=limit // (1024 * 1024)))
    if not restore.is_text(facilitator_email):  # a shell's undecodable bytes: lone surrogates
        raise Invalid(_("The facilitator's email is not valid text."))
    facilitator = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == facilitator_email.lower())
    )
    if (
        facilitator is None
        or not facilitator.active
        or facilitator.role not in (Role.FACILITATOR, Role.ADMIN)
    ):
        raise NotFound(
            _("No active facilitator or administrator has the address %(email)s.", email=facilitator_email)
        )
    return restore.restore(parse_json(raw), facilitator)


def parse_json(raw: bytes) -> object:
    """Strict JSON: UTF-8, no NaN or Infinity, no key given twice."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The file is not UTF-8 text.")) from None
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise Invalid(
            _("The file is not valid JSON (line %(line)s, column %(col)s).", line=e.lineno, col=e.colno)
        ) from None
    except RecursionError:
        raise Invalid(_("The file is nested too deeply to be an archive.")) from None
    except ValueError:  # after JSONDecodeError, its subclass: Python's limit on an int's digits
        digits = sys.get_int_max_str_digits()
        message = _("The file holds a number of more than %(n)s digits: not an archive.", n=digits)
        raise Invalid(message) from None


def _no_constant(name: str):
    raise Invalid(_("The file is not valid JSON (it contains %(name)s).", name=name))


def _no_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise Invalid(_("The file is not valid JSON (the key %(key)s appears twice).", key=repr(key)))
        out[key] = value
    return out
