"""Wrong logins, counted per address (generously) and per account (strictly).

A venue's staff share one address: a colleague's typos there must not lock anyone out, so a
right password is never counted, and the address's budget is large. An account's budget is
small: once it is used up, even the right password waits, as that account is under attack.
Both are checked before the password (Flask-Limiter's test) and counted after a failure.
"""

from __future__ import annotations

from flask import Response, current_app, request

from app.extensions import limiter


def failed(response: Response) -> bool:
    """A login that did not go through: the form again (200), or a refusal (400)."""
    return response.status_code != 302


def account() -> str:
    """The account tried, as login finds it; prefixed, so it never shares a key with an address."""
    return "account:" + request.form.get("email", "").strip().lower()[:254]


per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"],
    methods=["POST"],
    deduct_when=failed,
    scope="login-address",
)
per_account = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"],
    methods=["POST"],
    key_func=account,
    deduct_when=failed,
    scope="login-account",
)
