"""HTTP pages: home and join, the facilitator's list and forms, cockpit and projector."""

from __future__ import annotations

import segno
from flask import current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app import language
from app.auth.policy import facilitator_required
from app.core.countries import search_list
from app.core.phases import TEMPLATES
from app.errors import Conflict, Invalid, NotFound
from app.models import Role, Workshop
from app.models.voting import default_criteria
from app.workshops import bp, join_limits, offline, pages, services
from app.workshops.forms import CodeForm, ItemForm, JoinForm, WorkshopForm
from app.workshops.services import deletion
from app.workshops.services.participants import has_left


@bp.route("/", methods=["GET", "POST"])
def home() -> ResponseReturnValue:
    """Participants type the code here; staff find their way to the workshop list."""
    form = CodeForm()
    if form.validate_on_submit():
        join_limits.check(form.code.data)
        try:
            workshop = services.find_by_code(form.code.data)
        except NotFound as e:
            join_limits.wrong()
            form.code.errors = [e.message]
            return render_template("workshops/home.html", form=form), 404
        return redirect(url_for("workshops.join", code=workshop.join_code))
    return render_template("workshops/home.html", form=form)


@bp.route("/j/<code>", methods=["GET", "POST"])
def join(code: str) -> ResponseReturnValue:
    """The join URL: the join form first, then the participant's live room."""
    join_limits.check(code)
    try:
        workshop = services.find_by_code(code)
    except NotFound:
        join_limits.wrong()
        raise
    language.fall_back_to(workshop.language)
    if workshop.join_code != code:
        return redirect(url_for("workshops.join", code=workshop.join_code))
    joined = session.get("pt", {})
    if participant := services.participant_in(workshop.id, joined.get(str(workshop.id))):
        return _room(workshop, participant.id, joined)
    return _join_form(workshop, joined)


def _room(
    workshop: Workshop, participant_id: int, joined: dict, *, answered_form: bool = False
) -> ResponseReturnValue:
    """The participant's live room. As the join form's answer (no redirect: one request less per
    phone), the page makes a reload ask for it again (room.js) and has the offline worker keep it."""
    kept = offline.boot(workshop.id, participant_id) | ({"keep": True} if answered_form else {})
    page = pages.shared(
        "room-kept" if answered_form else "room",
        workshop,
        lambda: render_template(
            "workshops/room.html",
            workshop=workshop,
            item_form=ItemForm(),
            countries=search_list(),
            offline=kept,
        ),
        person=kept["person"],
    )
    return offline.personal_page(make_response(page), joined, kept["person"])


@bp.route("/j/sw.js")
def offline_worker() -> ResponseReturnValue:
    """The phone's service worker: it serves the participant's page and its files when offline.

    Served under /j/ so that its scope is the participants' pages and nothing else.
    """
    response = current_app.send_static_file("js/offline_worker.js")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _join_form(workshop: Workshop, joined: dict) -> ResponseReturnValue:
    """The join form; once sent and accepted, the participant's cookie and their room at once."""
    left = has_left(workshop.id, joined.get(str(workshop.id)))
    if left:  # their contributions were removed: told once, and this device forgets them
        joined = {k: v for k, v in joined.items() if k != str(workshop.id)}
        session["pt"] = joined
    if request.method == "GET" and not left:
        return pages.shared("join", workshop, lambda: _join_page(workshop, JoinForm(), left))
    form = JoinForm()
    if form.validate_on_submit():
        try:
            participant = services.join(
                workshop,
                display_name=form.display_name.data,
                organisation=form.organisation.data,
                cluster_id=form.cluster_id.data or None,
                sector=form.sector.data or None,
                promised_anonymity=form.promised_anonymity(),
            )
        except (Invalid, Conflict) as e:
            # Back to the form with what was typed, not to an error page without it; a promise
            # that no longer holds is said above the form, which now shows the notice as it is.
            field = None if e.field == "anonymous" else getattr(form, e.field or "display_name")
            (field.errors if field else form.form_errors).append(e.message)
        else:
            participant_id = participant.id
            join_limits.joined(workshop.join_code)
            joined = joined | {str(workshop.id): participant_id}
            session["pt"] = joined
            session.permanent = True
            return _room(workshop, participant_id, joined, answered_form=True)
    return _join_page(workshop, form, left)


def _join_page(workshop: Workshop, form: JoinForm, left: bool) -> str:
    return render_template(
        "workshops/join.html", workshop=workshop, form=form.promise(workshop.anonymous), left=left
    )


@bp.route("/workshops")
@login_required
def dashboard() -> ResponseReturnValue:
    if current_user.role == Role.COORDINATOR:
        return redirect(url_for("strategy.overview_page"))
    return render_template(
        "workshops/dashboard.html",
        workshops=services.list_workshops(current_user),
        archived=services.list_workshops(current_user, archived=True),
    )


@bp.route("/workshops/new", methods=["GET", "POST"])
@facilitator_required
def new() -> ResponseReturnValue:
    """A new workshop, its form filled in from a ready-made template (?template=...)."""
    chosen = request.args.get("template", "strategy")
    template = TEMPLATES.get(chosen, TEMPLATES["strategy"])
    form = WorkshopForm(data=None if request.method == "POST" else template["defaults"])
    if request.method != "POST":
        form.usual_cluster(services.usual_cluster(current_user))
    if form.validate_on_submit():
        workshop = services.create_workshop(current_user, **form.settings())
        flash(_("Workshop created. The join code is %(code)s.", code=workshop.join_code), "ok")
        return redirect(url_for("workshops.cockpit", workshop_id=workshop.id))
    return render_template(
        "workshops/form.html", form=form, workshop=None, templates=TEMPLATES, chosen=chosen
    )


@bp.route("/workshops/<id:workshop_id>/edit", methods=["GET", "POST"])
@facilitator_required
def edit(workshop_id: int) -> ResponseReturnValue:
    """A workshop's settings; an archived workshop's cannot be changed (an error page says so)."""
    workshop = services.editable_workshop(current_user, workshop_id)
    form = WorkshopForm(obj=workshop)
    if services.anonymity_kept(workshop):
        form.keep_anonymous()
    if form.validate_on_submit():
        try:
            services.update_workshop(current_user, workshop_id, **form.settings())
        except Invalid as e:  # back to the form, with what was typed
            getattr(form, e.field or "title").errors.append(e.message)
            return render_template("workshops/form.html", form=form, workshop=workshop)
        flash(_("Changes saved."), "ok")
        return redirect(url_for("workshops.cockpit", workshop_id=workshop_id))
    return render_template("workshops/form.html", form=form, workshop=workshop)


@bp.route("/workshops/<id:workshop_id>/duplicate", methods=["POST"])
@facilitator_required
def duplicate(workshop_id: int) -> ResponseReturnValue:
    copy = services.duplicate_workshop(current_user, workshop_id)
    flash(_("Copied. The new workshop's code is %(code)s.", code=copy.join_code), "ok")
    return redirect(url_for("workshops.edit", workshop_id=copy.id))


@bp.route("/workshops/<id:workshop_id>/archive", methods=["GET", "POST"])
@facilitator_required
def archive(workshop_id: int) -> ResponseReturnValue:
    """GET asks for confirmation; POST archives."""
    workshop = services.workshop_for_staff(current_user, workshop_id)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        services.archive_workshop(current_user, workshop_id)
        flash(_("“%(title)s” is archived; its code no longer works.", title=workshop.title), "ok")
        return redirect(url_for("workshops.dashboard"))
    return render_template("workshops/archive.html", workshop=workshop)


@bp.route("/workshops/<id:workshop_id>/delete", methods=["GET", "POST"])
@facilitator_required
def delete(workshop_id: int) -> ResponseReturnValue:
    """GET names what goes and offers the downloads first; POST deletes, for good."""
    workshop = deletion.deletable(current_user, workshop_id)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        title = workshop.title
        deletion.delete_workshop(current_user, workshop_id)
        flash(_("“%(title)s” is deleted, with everything it held.", title=title), "ok")
        return redirect(url_for("workshops.dashboard"))
    return render_template("workshops/delete.html", workshop=workshop, counts=deletion.contents(workshop_id))


@bp.route("/workshops/<id:workshop_id>")
@facilitator_required
def cockpit(workshop_id: int) -> ResponseReturnValue:
    workshop = services.workshop_for_staff(current_user, workshop_id)
    return render_template(
        "workshops/cockpit.html",
        workshop=workshop,
        join_url=join_url(workshop),
        # What the room will read: named in the workshop's language, not the facilitator's.
        default_criteria=default_criteria(workshop.language),
    )


@bp.route("/workshops/<id:workshop_id>/projector")
@facilitator_required
def projector(workshop_id: int) -> ResponseReturnValue:
    """What the room reads: in the workshop's language, whichever browser opens it."""
    workshop = services.workshop_for_staff(current_user, workshop_id)
    g.language = workshop.language
    url = join_url(workshop)
    # omitsize: a viewBox instead of a fixed width, so CSS can scale the QR to the screen.
    qr = segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#111", light="#fff", omitsize=True)
    return render_template("workshops/projector.html", workshop=workshop, join_url=url, qr=Markup(qr))


def join_url(workshop) -> str:
    return current_app.config["PUBLIC_URL"] + url_for("workshops.join", code=workshop.join_code)
