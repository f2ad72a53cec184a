"""Wrong logins, counted per address (generously), per account (strictly) and per known device.

A venue's staff share one address: a colleague's typos there must not lock anyone out, so a
right password is never counted, and the address's budget is large. An account's budget is
small: once it is used up, even the right password waits, as that account is under attack.
Both are checked before the password (Flask-Limiter's test) and counted after a failure.

Anyone who knows a facilitator's email could use up that budget and lock them out, so the
account's owner gets a device cookie when they log in (OWASP's "device cookies"): a signed,
long-lived cookie naming the account. A login from a browser that carries one for the email
typed is not held by the account's budget, only by the address's and by the device's own
(RATELIMIT_LOGIN_DEVICE), against which its failures count instead.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import limiter

DEVICE_COOKIE = "bridge_device"
DEVICE_DAYS = 365


def failed(response: Response) -> bool:
    """A login that did not go through: the form again (200), or a refusal (400)."""
    return response.status_code != 302


def _email(value: str) -> str:
    """An email as login finds its account."""
    return value.strip().lower()[:254]


def account() -> str:
    """The account tried, as login finds it; prefixed, so it never shares a key with an address."""
    return "account:" + _email(request.form.get("email", ""))


def device() -> str | None:
    """This browser's device, if its cookie is genuine, recent and names the account tried."""
    if "login_device" not in g:
        email = _email(request.form.get("email", ""))
        g.login_device = _device(request.cookies.get(DEVICE_COOKIE, ""), email)
    return g.login_device


def _device(token: str, email: str) -> str | None:
    try:
        data = _signer().loads(token, max_age=DEVICE_DAYS * 86400) if token else None
    except BadSignature:  # forged, altered, expired, or signed with another secret key
        return None
    if not isinstance(data, dict) or data.get("account") != _digest(email):
        return None
    nonce = data.get("device")
    return nonce if isinstance(nonce, str) else None


def remember_device(response: Response, email: str) -> None:
    """Give the browser that just logged in its device cookie for this account (a fresh one)."""
    token = _signer().dumps({"account": _digest(_email(email)), "device": secrets.token_urlsafe(16)})
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_DAYS * 86400,
        path=url_for("auth.login_page"),  # sent with logins only
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _digest(email: str) -> str:
    """The account as the cookie names it: not the email itself, which a shared computer would show."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


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
    exempt_when=lambda: device() is not None,
    deduct_when=failed,
    scope="login-account",
)
per_device = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_DEVICE"],
    methods=["POST"],
    key_func=lambda: f"device:{device()}",
    exempt_when=lambda: device() is None,
    deduct_when=failed,
    scope="login-device",
)
