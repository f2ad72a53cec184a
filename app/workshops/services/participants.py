"""Joining a workshop from a phone: no account, a server-side record behind a signed cookie."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.changes import lock
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import Participant, Workshop
from app.workshops.services.workshops import CODE_ALPHABET, CODE_LENGTH


def normalise_code(code: str) -> str:
    """What people type: lower case, spaces or a dash in the middle."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


_BY_CODE = (
    sa.select(Workshop).where(Workshop.join_code == sa.bindparam("code")).order_by(Workshop.status.desc())
)  # built once: every phone's every page asks it


def find_by_code(code: str) -> Workshop:
    """The open workshop with this join code, or an error that says what is wrong."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise NotFound(_("No workshop has this code. Please check it on the projector."))
    workshops = db.session.scalars(_BY_CODE, {"code": code}).all()
    open_ = [w for w in workshops if w.is_open]
    if open_:
        return open_[0]
    if workshops:
        raise NotFound(_("This workshop has ended. Thank you for taking part!"))
    raise NotFound(_("No workshop has this code. Please check it on the projector."))


def join(
    workshop: Workshop,
    *,
    display_name: str,
    organisation: str = "",
    cluster_id: int | None = None,
    sector: str | None = None,
    promised_anonymity: bool | None = None,
) -> Participant:
    """Record a participant who accepted the notice; a name is needed unless contributions are anonymous.

    promised_anonymity is what the join page told them (None: a page that did not say). If it
    promised anonymity and the facilitator has since switched it off, they are told instead of
    joining a named workshop (KEPT).
    """
    # The workshop's row is read under a lock that a change of its settings waits for: a switch
    # of anonymity then sees this join (and anonymity stays), or this join sees the switch.
    lock(workshop, "join")
    if not workshop.is_open:
        raise NotFound(_("This workshop has ended. Thank you for taking part!"))
    if promised_anonymity and not workshop.anonymous:
        raise Conflict(
            _(
                "Contributions in this workshop are no longer anonymous: your name will be shown next "
                "to your ideas. Please read the page again before you take part."
            ),
            field="anonymous",
        )
    if not display_name and not workshop.anonymous:
        raise Invalid(_("Please enter the name others will see."), field="display_name")
    participant = Participant(
        workshop_id=workshop.id,
        display_name=display_name,
        organisation=organisation,
        cluster_id=cluster_id,
        sector=sector,
    )
    db.session.add(participant)
    # The caller goes on with what was just written (the id, the workshop's code and version
    # for the room's page): kept as it is, not read again after the commit (two reads per phone).
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    return participant


def participant_in(workshop_id: int, participant_id: int | None) -> Participant | None:
    """The participant if it belongs to this open workshop (TENANT) and has not left it."""
    participant = participant_of(workshop_id, participant_id)
    return participant if participant and participant.workshop.is_open else None


def participant_of(workshop_id: int, participant_id: object) -> Participant | None:
    """The participant of this workshop, open or archived, unless their contributions were removed."""
    if type(participant_id) is not int:
        return None
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop_id or participant.removed_at:
        return None
    return participant


def has_left(workshop_id: int, participant_id: object) -> bool:
    """Whether the participant a cookie names in this workshop had their contributions removed."""
    if type(participant_id) is not int:
        return False
    participant = db.session.get(Participant, participant_id)
    return (
        participant is not None
        and participant.workshop_id == workshop_id
        and participant.removed_at is not None
    )
