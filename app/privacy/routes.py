"""People's data pages: a participant's "My data" (read, download, remove), the facilitator's and
the administrator's removal on a participant's behalf, and the privacy notice.

A participant has no account: the signed session cookie that joined them names them (TENANT).
Every page speaks its reader's language (app/language.py); a participant's falls back to the workshop's.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app import language
from app.auth.actor import PARTICIPANT, Actor
from app.auth.policy import admin_required, facilitator_required
from app.extensions import db
from app.models import Participant, Workshop
from app.privacy import bp
from app.privacy.held import held, preview
from app.privacy.removal import remove_participant
from app.workshops.services import teams, workshop_for_staff
from app.workshops.services.participants import participant_of


def _me(workshop_id: int) -> Participant:
    """The participant this device's cookie names in that workshop (open or archived)."""
    person = participant_of(workshop_id, session.get("pt", {}).get(str(workshop_id)))
    if person is None:
        abort(404)
    language.fall_back_to(person.workshop.language)
    return person


@bp.route("/w/<id:workshop_id>/my-data")
def my_data(workshop_id: int) -> ResponseReturnValue:
    """What the workshop holds about me, with a download and the way to remove it."""
    person = _me(workshop_id)
    return render_template("privacy/my_data.html", workshop=person.workshop, data=held(person))


@bp.route("/w/<id:workshop_id>/my-data.json")
def my_data_json(workshop_id: int) -> ResponseReturnValue:
    """The same, as a JSON file to keep."""
    response = jsonify(held(_me(workshop_id)))
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-workshop-{workshop_id}.json"'
    return response


@bp.route("/w/<id:workshop_id>/my-data/withdraw-email", methods=["POST"])
def withdraw_email(workshop_id: int) -> ResponseReturnValue:
    """My email leaves every team at once (also once the workshop has ended); back to My data."""
    person = _me(workshop_id)
    teams.withdraw_contact(Actor(workshop_id, PARTICIPANT, participant_id=person.id), None)
    flash(_("Your email was withdrawn: nobody receives it any more."))
    return redirect(url_for("privacy.my_data", workshop_id=workshop_id))


@bp.route("/w/<id:workshop_id>/my-data/remove", methods=["GET", "POST"])
def remove_mine(workshop_id: int) -> ResponseReturnValue:
    """GET says what would go and asks to confirm; POST removes, and this device leaves the workshop."""
    person = _me(workshop_id)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        removal = remove_participant(workshop_id, person.id, by="participant")
        # The cookie still names them: the join page, where each of their tabs lands, says once
        # that they have left and then forgets them (app/workshops/routes.py).
        session["left"] = {"workshop": workshop_id, "removal": removal.to_dict()}
        return redirect(url_for("privacy.removed", workshop_id=workshop_id))
    return render_template(
        "privacy/remove.html", workshop=person.workshop, person=person, removal=preview(person), own=True
    )


@bp.route("/w/<id:workshop_id>/my-data/removed")
def removed(workshop_id: int) -> ResponseReturnValue:
    """What was removed, said once after the removal; then the way back in, should they want it."""
    left = session.get("left") or {}
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or left.get("workshop") != workshop_id:
        abort(404)
    language.fall_back_to(workshop.language)
    return render_template("privacy/removed.html", workshop=workshop, removal=left["removal"])


@bp.route("/workshops/<id:workshop_id>/participants")
@facilitator_required
def participants(workshop_id: int) -> ResponseReturnValue:
    """The facilitator's list of who joined, to remove someone's contributions when they ask."""
    workshop = workshop_for_staff(current_user, workshop_id)
    people = db.session.scalars(
        sa.select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed_at.is_(None))
        .order_by(Participant.id)
    )
    return render_template("privacy/participants.html", workshop=workshop, people=list(people))


@bp.route("/workshops/<id:workshop_id>/participants/<id:participant_id>/remove", methods=["GET", "POST"])
@facilitator_required
def remove_for(workshop_id: int, participant_id: int) -> ResponseReturnValue:
    """GET asks to confirm; POST removes the participant's contributions on their behalf."""
    workshop = workshop_for_staff(current_user, workshop_id)
    person = participant_of(workshop.id, participant_id)
    if person is None:
        abort(404)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        by = "facilitator" if workshop.facilitator_id == current_user.id else "administrator"
        remove_participant(workshop.id, person.id, by=by)
        flash(_("Their contributions were removed, and their name and organisation erased."), "ok")
        return redirect(url_for("privacy.participants", workshop_id=workshop.id))
    return render_template(
        "privacy/remove.html", workshop=workshop, person=person, removal=preview(person), own=False
    )


@bp.route("/participants")
@admin_required
def search() -> ResponseReturnValue:
    """An administrator finds a participant of any workshop by name or organisation."""
    query = request.args.get("q", "").strip()[:60]
    found = []
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = db.session.scalars(
            sa.select(Participant)
            .where(
                Participant.removed_at.is_(None),
                sa.or_(
                    Participant.display_name.ilike(like, escape="\\"),
                    Participant.organisation.ilike(like, escape="\\"),
                ),
            )
            .order_by(Participant.workshop_id.desc(), Participant.id)
            .limit(100)
        ).all()
    return render_template("privacy/search.html", query=query, found=found)


@bp.route("/privacy")
def notice() -> ResponseReturnValue:
    """What is stored about participants, who sees it, for how long, and their rights; in the
    language asked for (the join page asks for the one it is shown in)."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        g.language = asked
    return render_template("privacy/notice.html")
