"""Domain errors: raised by services, mapped once to HTTP responses and socket acks."""

from __future__ import annotations

import math

from flask import render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    default = _l("That did not work.")

    def __init__(self, message=None, field: str | None = None):
        super().__init__(str(message or self.default))
        self.message = str(message or self.default)
        self.field = field

    def to_ack(self) -> dict:
        ack = {"ok": False, "error": self.message, "code": type(self).__name__}
        if self.field:
            ack["field"] = self.field
        return ack


class Invalid(DomainError):
    status = 400
    default = _l("Please check what you entered.")


class NotFound(DomainError):
    status = 404
    default = _l("Not found.")


class Forbidden(DomainError):
    status = 403
    default = _l("You may not do that.")


class NotNow(DomainError):
    status = 409
    default = _l("Not now: the facilitator has closed this for the moment.")


class Conflict(DomainError):
    status = 409
    default = _l("Someone else changed this at the same time. Please try again.")


class RateLimited(DomainError):
    """Over a budget (app/budgets.py): nothing was done; the same command may come again
    after `retry_after` seconds. `scope`: "commands" (nothing of this person's should go
    meanwhile), "contributions" (only that kind of thing) or "pings" (a screen checking its
    connection too often)."""

    status = 429

    def __init__(self, retry_after: float, scope: str = "commands") -> None:
        self.scope = scope
        self.retry_after = round(max(0.1, retry_after), 1)
        seconds = max(1, math.ceil(self.retry_after))
        super().__init__(gettext("Too much at once: this goes again in %(seconds)s s.", seconds=seconds))

    def to_ack(self) -> dict:
        return super().to_ack() | {"retry_after": self.retry_after, "scope": self.scope}


def http_response(error: DomainError):
    """A domain error raised under an HTTP route: a readable page with the right status."""
    return render_template("error.html", message=error.message), error.status


def http_error_page(error):
    status = error.code if isinstance(error, HTTPException) else 500
    not_understood = _l("The request was not understood. Please reload the page and try again.")
    messages = {
        400: not_understood,
        403: _l("You may not open this page."),
        404: _l("This page does not exist."),
        405: _l("This page does not exist."),
        411: not_understood,  # a body of no declared length: no browser sends one
        413: _l("That was too large."),
        429: _l("Too many attempts. Please wait a minute and try again."),
        500: _l("Something went wrong on our side. Please try again."),
    }
    return render_template("error.html", message=messages.get(status, messages[500])), status
