"""The password rule, in one place: the forms state it beside the field, the services enforce it."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200  # hashing megabytes is no password check


# Stated beside every new-password field, before anyone types.
RULE = _l("At least %(n)s characters. A few words you will remember make a good one.", n=MIN_LENGTH)


def check(password: str) -> None:
    """Refuse a password that breaks the rule, saying which part."""
    if len(password) < MIN_LENGTH:
        raise Invalid(_("Use at least %(n)s characters for the password.", n=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(_("Use at most %(n)s characters for the password.", n=MAX_LENGTH), field="password")
