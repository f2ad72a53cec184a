"""Email addresses of accounts: what is wrong with one, said in words a person can act on.

email-validator decides; the common slips are named first, in the interface language.
Reserved test domains (`admin@example.test`) are accepted in development and testing only:
they receive no mail, so a production account there could never get its invitation.
"""

from __future__ import annotations

import email_validator
from flask import current_app
from flask_babel import gettext as _
from wtforms.validators import ValidationError

MAX_LENGTH = 254


def problem(address: str) -> str | None:
    """What is wrong with an address, or None if it is one an account may have."""
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    slip = (
        (not address, _("Enter an email address.")),
        (len(address) > MAX_LENGTH, _("This address is too long.")),
        (any(ch.isspace() for ch in address), _("An email address has no spaces.")),
        (not at, _("An email address needs an @, as in name@example.org.")),
        ("@" in local, _("An email address has one @ only.")),
        (not local, _("Something is missing before the @.")),
        (not domain, _("Something is missing after the @.")),
        ("." not in domain.strip("."), _("The part after the @ needs a dot, as in example.org.")),
        (".." in address or domain[:1] == "." or domain[-1:] == ".", _("A dot is in the wrong place.")),
    )
    if message := next((message for wrong, message in slip if wrong), None):
        return message
    return _deliverable(address, domain)


def _deliverable(address: str, domain: str) -> str | None:
    tests = current_app.config["APP_ENV"] in ("development", "testing")
    try:
        email_validator.validate_email(address, check_deliverability=False, test_environment=tests)
    except email_validator.EmailNotValidError:
        if domain.lower().rsplit(".", 1)[-1] in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            return _("%(domain)s is reserved for tests and local networks: it gets no mail.", domain=domain)
        return _("This is not a valid email address: check the letters and signs around the @.")
    return None


def email_address(_form, field) -> None:
    """A WTForms validator with the same rule as the services."""
    if message := problem(field.data or ""):
        raise ValidationError(message)
