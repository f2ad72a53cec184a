"""The administrator's pages: accounts (invitations, roles, disabling, password links) and the audit log."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.auth import bp, mail, services
from app.auth.forms import NewUserForm, RoleForm
from app.auth.policy import admin_required
from app.errors import DomainError
from app.labels import ROLES, role_label
from app.models import LinkPurpose, User


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users() -> ResponseReturnValue:
    """Every account; a new one is opened with an invitation link the person sets their password with."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, token = services.invite_user(current_user, form.email.data, form.name.data, form.role.data)
        except DomainError as e:
            getattr(form, e.field or "email").errors.append(e.message)
        else:
            return _link_page(user, token, LinkPurpose.INVITE)
    return render_template("auth/users.html", form=form, users=services.list_users(), roles=ROLES)


@bp.route("/admin/users/<id:user_id>/link", methods=["POST"])
@admin_required
def password_link(user_id: int) -> ResponseReturnValue:
    """A new link for the person to set their password: a reset, or an invitation again."""
    user, token = services.reset_link(current_user, user_id)
    return _link_page(user, token, LinkPurpose.INVITE if user.invited else LinkPurpose.RESET)


def _link_page(user: User, token: str, purpose: str) -> ResponseReturnValue:
    """The link, shown this once for the administrator to copy (and mailed, with MAIL_SERVER)."""
    url = current_app.config["PUBLIC_URL"] + url_for("auth.set_password_page", token=token)
    mailed = mail.send_link(user, url, purpose)
    page = render_template("auth/link.html", user=user, url=url, purpose=purpose, mailed=mailed)
    # Rendered, not flashed: a flash would put the link in the (signed, readable) cookie.
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


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
    role = role_label(form.role.data)
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


@bp.route("/admin/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    """The audit log, newest first, a page at a time, in the reader's language."""
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)  # an offset the database takes
    found = audit.events(limit=audit.PAGE_SIZE + 1, offset=(page - 1) * audit.PAGE_SIZE)
    lines = [(event, audit.describe(event)) for event in found[: audit.PAGE_SIZE]]
    return render_template("auth/audit.html", lines=lines, page=page, more=len(found) > audit.PAGE_SIZE)
