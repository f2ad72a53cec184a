"""Roles, account statuses and sectors as people call them, in the interface language: a page, an export
or the audit log shows these words, never the values stored."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from app.models import Role, User

ROLES = [
    SelectChoice(Role.FACILITATOR, _l("Facilitator")),
    SelectChoice(Role.COORDINATOR, _l("Coordinator")),
    SelectChoice(Role.ADMIN, _l("Administrator")),
]


def role_label(role: str) -> str:
    """A role in words."""
    return next((str(c.label) for c in ROLES if c.value == role), role)


def status_label(user: User) -> str:
    """An account's status in words: active, invited (no password set yet) or disabled."""
    if not user.active:
        return str(_l("disabled"))
    return str(_l("invited")) if user.invited else str(_l("active"))


SECTORS = {
    "ai": _l("Artificial intelligence"),
    "blockchain": _l("Blockchain"),
    "both": _l("Both"),
    "other": _l("Other"),
}


def sector_label(sector: str | None) -> str:
    """A participant's sector in words; one not stated says so."""
    label = SECTORS.get(sector or "")
    return str(label) if label is not None else (sector or str(_l("Not stated")))
