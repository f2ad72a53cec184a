"""Coordinator pages: every workshop with its headline results, one workshop read-only, and the
joint strategy across the workshops a coordinator selects, with its downloads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app import audit
from app.auth.policy import role_required
from app.errors import DomainError, Invalid
from app.exports import files
from app.exports.service import RENDERERS as WORKSHOP_FORMATS
from app.extensions import db
from app.labels import sector_label
from app.models import Role
from app.strategy import bp, downloads, introductions, overview, services, themes
from app.strategy.forms import (
    ConfirmThemeForm,
    DismissForm,
    DissolveForm,
    IntroduceForm,
    OverviewFilter,
    RenameForm,
)

coordinator_required = role_required(Role.COORDINATOR, Role.ADMIN)


bp.add_app_template_global(sector_label, "sector_label")


@bp.app_template_global()
def workshop_export_url(workshop_id: int, fmt: str) -> str:
    """The per-workshop download (app/exports); the plain path while that route is not registered."""
    try:
        return url_for("exports.download", workshop_id=workshop_id, fmt=fmt)
    except BuildError:
        return f"/workshops/{workshop_id}/export/{fmt}"


@bp.route("/coordinate")
@coordinator_required
def overview_page() -> ResponseReturnValue:
    """Every workshop of every cluster, filtered by cluster, date and status."""
    form = OverviewFilter(formdata=request.args)
    form.validate()
    rows = overview.overview(**form.filters())
    return render_template("strategy/overview.html", form=form, rows=rows, formats=WORKSHOP_FORMATS)


@bp.route("/coordinate/workshops/<id:workshop_id>")
@coordinator_required
def workshop(workshop_id: int) -> ResponseReturnValue:
    """One workshop read-only: themes and items, markets, and every round's results."""
    detail = overview.workshop_detail(workshop_id)
    return render_template("strategy/workshop.html", formats=WORKSHOP_FORMATS, **detail)


def _selected() -> tuple[list[int], list[str]]:
    """The workshop ids in ?w=..., and the values that are not ids at all."""
    ids, bad = [], []
    for value in request.args.getlist("w"):
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            ids.append(int(value))
        else:
            bad.append(value)
    return ids, bad


@bp.route("/coordinate/joint")
@coordinator_required
def joint() -> ResponseReturnValue:
    """The joint strategy of the selected workshops: markets, recurring themes, suggestions."""
    ids, bad = _selected()
    joint = services.joint_strategy(ids, contacts=True)
    ignored = [str(i) for i in joint["missing"]] + bad
    return render_template(
        "strategy/joint.html",
        joint=joint,
        agreement_label=services.agreement_label,
        ignored=[value[:20] for value in ignored[:10]],
        more_ignored=max(0, len(ignored) - 10),
        selected=[w["id"] for w in joint["workshops"]],
        formats=downloads.RENDERERS,
    )


@bp.route("/coordinate/joint/export/<fmt>")
@coordinator_required
def joint_export(fmt: str) -> ResponseReturnValue:
    """The joint strategy as XLSX, JSON or PDF, of the same selection as the page."""
    if fmt not in downloads.RENDERERS:
        abort(404)
    ids, _bad = _selected()
    joint = services.joint_strategy(ids, contacts=True)
    if not joint["workshops"]:
        raise Invalid(_("Choose at least one workshop first."))
    file = downloads.render(joint, fmt)
    included = [w["id"] for w in joint["workshops"]]
    audit.record("export.downloaded", "joint-strategy", format=fmt, workshops=included)
    db.session.commit()
    return files.attachment(file)


def _back() -> ResponseReturnValue:
    ids, _bad = _selected()
    return redirect(url_for("strategy.joint", w=ids) + "#themes")


@bp.route("/coordinate/themes", methods=["POST"])
@coordinator_required
def confirm_theme() -> ResponseReturnValue:
    """Confirm a suggested recurring theme, under the name the coordinator chose."""
    form = ConfirmThemeForm()
    if not form.validate_on_submit():
        flash(_("The theme was not confirmed: %(why)s", why=_first_error(form)), "error")
        return _back()
    try:
        theme = themes.confirm(current_user, form.theme_ids(), form.name.data)
    except DomainError as e:
        flash(e.message, "error")
    else:
        flash(_("“%(name)s” is confirmed as a recurring theme.", name=theme.name), "ok")
    return _back()


@bp.route("/coordinate/themes/dismiss", methods=["POST"])
@coordinator_required
def dismiss_theme() -> ResponseReturnValue:
    """Set a suggestion aside: it is not suggested again, to any coordinator."""
    form = DismissForm()
    if not form.validate_on_submit():
        flash(_("The suggestion was not dismissed: %(why)s", why=_first_error(form)), "error")
        return _back()
    themes.dismiss(current_user, form.themes.data)
    flash(_("Suggestion dismissed."), "ok")
    return _back()


@bp.route("/coordinate/themes/<id:theme_id>/rename", methods=["POST"])
@coordinator_required
def rename_theme(theme_id: int) -> ResponseReturnValue:
    form = RenameForm()
    if not form.validate_on_submit():
        flash(_("The theme was not renamed: %(why)s", why=_first_error(form)), "error")
        return _back()
    try:
        theme = themes.rename(theme_id, form.name.data)
    except DomainError as e:  # dissolved meanwhile by another coordinator, say
        flash(e.message, "error")
    else:
        flash(_("Renamed to “%(name)s”.", name=theme.name), "ok")
    return _back()


@bp.route("/coordinate/themes/<id:theme_id>/dissolve", methods=["GET", "POST"])
@coordinator_required
def dissolve_theme(theme_id: int) -> ResponseReturnValue:
    """GET asks for confirmation; POST dissolves the recurring theme (the workshop themes stay)."""
    theme = themes.get(theme_id)
    form = DissolveForm()
    if form.validate_on_submit():
        name = themes.dissolve(theme_id)
        flash(_("“%(name)s” is no longer a recurring theme.", name=name), "ok")
        return _back()
    ids, _bad = _selected()
    return render_template("strategy/dissolve.html", theme=theme, ids=ids)


@bp.route("/coordinate/introductions", methods=["GET", "POST"])
@coordinator_required
def introduce() -> ResponseReturnValue:
    """GET asks to confirm the introduction of a cross-cluster match; POST mails both and records it."""
    form = (
        IntroduceForm()
        if request.method == "POST"
        else IntroduceForm(formdata=request.args, meta={"csrf": False})
    )
    ids, _bad = _selected()
    back = url_for(
        "strategy.joint", w=ids, _anchor=f"teams-{form.country.data}" if form.country.data else "teams"
    )
    if not form.validate():
        flash(_("Nobody was introduced: %(why)s", why=_first_error(form)), "error")
        return redirect(back)
    pair = (form.country.data, form.first.data, form.second.data)
    try:
        if request.method == "GET":
            match = introductions.pending(*pair)
            return render_template("strategy/introduce.html", match=match, form=form, ids=ids)
        introductions.introduce(current_user, *pair)
    except DomainError as e:
        flash(e.message, "error")
    else:
        flash(_("Introduced: each of the two has received the other's address by mail."), "ok")
    return redirect(back)


def _first_error(form) -> str:
    if form.errors.get("csrf_token"):
        return _("the form expired. Please send it again.")
    return next((messages[0] for messages in form.errors.values()), _("please check what you entered."))
