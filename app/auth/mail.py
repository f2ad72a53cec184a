"""Invitation and reset links by mail, when MAIL_SERVER is set (Flask-Mailman over SMTP).

The administrator's page shows the link in any case: a mail that fails to go is said there,
and the link is copied by hand instead.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from app.models import LinkPurpose, User

log = logging.getLogger(__name__)


def send_link(user: User, url: str, purpose: str) -> bool | None:
    """Mail a person their link: True once the mail server took it, False if it refused or was
    away, None when no mail server is configured."""
    if not current_app.config["MAIL_SERVER"]:
        return None
    if purpose == LinkPurpose.INVITE:
        subject = _("Your account on Bridge Co-Design")
        intro = _("An account was opened for you on Bridge Co-Design. Choose your password here:")
    else:
        subject = _("A new password for Bridge Co-Design")
        intro = _("You can choose a new password for your Bridge Co-Design account here:")
    outro = _("The link works once, for 72 hours. If you did not expect this mail, you can ignore it.")
    body = f"{_('Hello %(name)s,', name=user.name)}\n\n{intro}\n\n{url}\n\n{outro}\n"
    try:
        EmailMessage(subject, body, to=[user.email]).send()
    except Exception:  # smtplib's errors, a refused or timed-out connection: said on the page
        log.warning("mailing the password link to account %s failed", user.id, exc_info=True)
        return False
    return True
