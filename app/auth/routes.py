"""Login, logout, the first-run page and account administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, login_limits, services
from app.auth.forms import ROLES, FirstRunForm, LoginForm, NewUserForm, PasswordForm, RoleForm, role_label
from app.auth.policy import admin_required
from app.errors import DomainError
from app.extensions import db, limiter, login
from app.models import User


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
            form.form_errors.append(e.message)
        else:
            login_user(user)
            flash(_("Welcome! Your administrator account is ready."), "ok")
            return redirect(url_for("workshops.dashboard"))
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@login_limits.per_address
@login_limits.per_account
@login_limits.per_device
def login_page() -> ResponseReturnValue:
    form = LoginForm()
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
            getattr(form, e.field or "current").errors.append(e.message)
        else:
            login_user(user)  # this browser stays logged in, with the new session version
            flash(_("Your password was changed. Every other session of yours has ended."), "ok")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, role_label=role_label)


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users() -> ResponseReturnValue:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data, form.role.data)
        except DomainError as e:
            form.form_errors.append(e.message)
        else:
            flash(_("Account %(email)s created.", email=user.email), "ok")
            return redirect(url_for("auth.users"))
    return render_template("auth/users.html", form=form, users=services.list_users(), roles=ROLES)


@bp.route("/admin/users/<id:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    user = services.set_active(current_user, user_id, active)
    flash(
        _(
            "%(email)s is now %(state)s.",
            email=user.email,
            state=_("enabled") if active else _("disabled"),
        ),
        "ok",
    )
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<id:user_id>/role", methods=["POST"])
@admin_required
def set_role(user_id: int) -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    user, changed = services.set_role(user_id, form.role.data)
    role = str(role_label(form.role.data))
    if changed:
        flash(
            _(
                "%(email)s now has the role %(role)s, and was logged out everywhere.",
                email=user.email,
                role=role,
            ),
            "ok",
        )
    else:
        flash(_("%(email)s already has the role %(role)s.", email=user.email, role=role), "ok")
    return redirect(url_for("auth.users"))


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
