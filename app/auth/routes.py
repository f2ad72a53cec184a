"""Login, logout, the first-run page and account administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, links, login_limits, services
from app.auth.forms import FirstRunForm, LinkPasswordForm, LoginForm, PasswordForm
from app.errors import DomainError, Invalid
from app.extensions import db, limiter, login
from app.models import LinkPurpose, User


@login.user_loader
def load_user(token: str) -> User | None:
    """The account of a session ("id:version"), unless its sessions ended since this one began."""
    user_id, _sep, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # a session from before session versions, or not ours
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


@bp.before_app_request
def first_run() -> ResponseReturnValue | None:
    """While no account exists, every page leads to the first-run page."""
    if request.endpoint in (None, "auth.setup", "static"):
        return None
    if not _setup_done():
        return redirect(url_for("auth.setup"))
    return None


def _setup_done() -> bool:
    """Accounts are never deleted, so once one exists the check never runs again."""
    state = current_app.extensions.setdefault("bridge", {})
    state["setup_done"] = state.get("setup_done") or services.any_user()
    return state["setup_done"]


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> ResponseReturnValue:
    if services.any_user():
        return redirect(url_for("auth.login_page"))
    form = FirstRunForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_admin(form.email.data, form.name.data, form.password.data)
        except DomainError as e:
            form.refuse(e.field, e.message)
        else:
            login_user(user)
            flash(_("Welcome! Your administrator account is ready."), "ok")
            return redirect(url_for("workshops.dashboard"))
    return _no_store(render_template("auth/setup.html", form=form))


@bp.route("/login", methods=["GET", "POST"])
@login_limits.per_address
@login_limits.per_account
@login_limits.per_device
def login_page() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET" and not form.email.data:  # coming from a password link
        form.email.data = request.args.get("email", "")[:254]
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            response = redirect(_safe_next(request.args.get("next")) or url_for("workshops.dashboard"))
            login_limits.remember_device(response, user.email)
            return response
        form.form_errors.append(_("Wrong email or password, or the account is disabled."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """Log out on every device: a copy of this session's cookie is worth nothing afterwards."""
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("auth.login_page"))


@bp.route("/account", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])  # each post tries a current password
@login_required
def account() -> ResponseReturnValue:
    """Your account: who you are here, and a new password."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.password.data)
        except DomainError as e:
            form.refuse(e.field or "current", e.message)
        else:
            login_user(user)  # this browser stays logged in, with the new session version
            flash(_("Your password was changed. Every other session of yours has ended."), "ok")
            return redirect(url_for("auth.account"))
    return _no_store(render_template("auth/account.html", form=form))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password_page(token: str) -> ResponseReturnValue:
    """An invitation or reset link: the person chooses their password; a link that no longer
    works says why (an error page)."""
    link = links.usable(token)
    form = LinkPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password_by_link(token, form.password.data)
        except Invalid as e:
            form.refuse(e.field, e.message)
        else:
            flash(_("Your password is set. Log in with your email and the new password."), "ok")
            return redirect(url_for("auth.login_page", email=user.email))
    invite = link.purpose == LinkPurpose.INVITE
    return _no_store(render_template("auth/set_password.html", form=form, link=link, invite=invite))


def _no_store(page: str) -> ResponseReturnValue:
    """A page that may hold what was typed in a password field: kept in no cache."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\\host" as "//host" and drop tabs and newlines: "/\t/host" too.
    if "\\" in target or any(ord(ch) < 0x21 for ch in target):
        return None
    return target
