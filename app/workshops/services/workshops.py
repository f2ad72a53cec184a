"""Creating, editing, duplicating and archiving workshops; the facilitator's switches."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.auth.actor import Actor
from app.core.changes import bump, finish, lock, open_workshop, replay, unchanged
from app.errors import Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Cluster, Participant, Phase, Role, Round, RoundStatus, User, Workshop
from app.workshops import views

# No 0/O, 1/I/L: a code read off a projector across a room must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
SETTINGS = ("title", "question", "cluster_id", "language", "anonymous", "phases", "participants_cluster")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_workshop(user: User, **settings) -> Workshop:
    """A new open workshop owned by this facilitator, with a fresh join code."""
    return _insert_with_code(lambda code: Workshop(facilitator_id=user.id, join_code=code, **settings))


def usual_cluster(user: User) -> Cluster | None:
    """The host cluster of the facilitator's latest workshop: most facilitators work for one."""
    return db.session.scalar(
        sa.select(Cluster)
        .join(Workshop, Workshop.cluster_id == Cluster.id)
        .where(Workshop.facilitator_id == user.id)
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
        .limit(1)
    )


def duplicate_workshop(user: User, workshop_id: int) -> Workshop:
    """A copy of a workshop's settings (not its items), with a new code, owned by the caller."""
    source = workshop_for_staff(user, workshop_id)
    settings = {name: getattr(source, name) for name in SETTINGS}
    settings["title"] = _("%(title)s (copy)", title=source.title)[:200]
    return create_workshop(user, **settings)


def _insert_with_code(build) -> Workshop:
    # The partial unique index settles a race between two new workshops.
    for _attempt in range(10):
        workshop = build(new_code())
        db.session.add(workshop)
        try:
            db.session.commit()
            return workshop
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("no free join code after 10 attempts")


def list_workshops(user: User, *, archived: bool = False) -> list[Workshop]:
    """The facilitator's own workshops (an administrator sees all), newest first."""
    query = sa.select(Workshop).where(Workshop.status == ("archived" if archived else "open"))
    if user.role != Role.ADMIN:
        query = query.where(Workshop.facilitator_id == user.id)
    return list(db.session.scalars(query.order_by(Workshop.created_at.desc(), Workshop.id.desc())))


def workshop_for_staff(user: User, workshop_id: int) -> Workshop:
    """The workshop if this user runs it; another's workshop behaves as one that does not exist."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not can_run(user, workshop):
        raise NotFound(_("This workshop does not exist."))
    return workshop


def can_read(user: User, workshop: Workshop) -> bool:
    """Who may read a workshop's outcomes: its facilitator, administrators and coordinators
    (who see every workshop of every cluster). `readable_by` is the same rule in SQL."""
    if not user.is_authenticated or not user.active:
        return False
    return user.role in (Role.ADMIN, Role.COORDINATOR) or workshop.facilitator_id == user.id


def readable_by(user: User) -> sa.ColumnElement[bool]:
    """can_read as a WHERE clause, for lists."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return sa.true()
    return Workshop.facilitator_id == user.id


def can_run(user: User, workshop: Workshop) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    return user.role == Role.ADMIN or (user.role == Role.FACILITATOR and workshop.facilitator_id == user.id)


def update_workshop(user: User, workshop_id: int, **settings) -> Workshop:
    """Edit a workshop's settings; every screen follows."""
    # Locked before anonymity is checked, against joins too (participants.join).
    workshop = lock(editable_workshop(user, workshop_id), "settings")
    _check_anonymity(workshop, settings.get("anonymous", workshop.anonymous))
    for name in SETTINGS:
        if name in settings:
            setattr(workshop, name, settings[name])
    if workshop.phase not in workshop.phases:  # a phase taken out while the room was in it
        workshop.phase = Phase.LOBBY
    workshop.note_end()
    bump(workshop)
    finish(None, None, {}, views.workshop_messages(workshop, resync=True))
    return workshop


def editable_workshop(user: User, workshop_id: int) -> Workshop:
    """The workshop whose settings this user may edit: an archived workshop is a record, not edited."""
    workshop = workshop_for_staff(user, workshop_id)
    if not workshop.is_open:
        raise NotNow(_("This workshop is archived: its settings can no longer be changed."))
    return workshop


def anonymity_kept(workshop: Workshop) -> bool:
    """Anonymity given is never taken back (KEPT): once someone has joined an anonymous workshop,
    they took part on the promise that their name is never shown next to what they send."""
    if not workshop.anonymous:
        return False
    joined = sa.select(Participant.id).where(Participant.workshop_id == workshop.id).limit(1)
    return db.session.scalar(joined) is not None


def _check_anonymity(workshop: Workshop, anonymous: bool) -> None:
    if workshop.anonymous and not anonymous and anonymity_kept(workshop):
        raise Invalid(
            _(
                "People joined this workshop on the promise that their contributions stay anonymous: "
                "it cannot be switched off. Duplicate the workshop for a named session."
            ),
            field="anonymous",
        )
    if anonymous and not workshop.anonymous and _named_round_open(workshop):
        # Newcomers would be promised anonymity, then vote in a round that names its voters.
        raise NotNow(_("Close the open round first: it is not anonymous."), field="anonymous")


def _named_round_open(workshop: Workshop) -> bool:
    query = sa.select(Round.id).where(
        Round.workshop_id == workshop.id, Round.status == RoundStatus.OPEN, Round.anonymous.is_(False)
    )
    return db.session.scalar(query) is not None


def archive_workshop(user: User, workshop_id: int) -> Workshop:
    """Close a workshop for good: its code stops working and phones are told."""
    workshop = workshop_for_staff(user, workshop_id)
    workshop.status = "archived"
    workshop.note_end()
    bump(workshop)
    finish(None, None, {}, views.workshop_messages(workshop))
    return workshop


def set_submissions_open(actor: Actor, op_id: str, open_: bool) -> dict:
    """Lock or unlock new items and edits from participants."""
    return change_room(actor, op_id, lambda w: setattr(w, "submissions_open", open_))


def set_private_ideation(actor: Actor, op_id: str, private: bool) -> dict:
    """Private ideation: participants see only their own items until the facilitator reveals all."""
    return change_room(actor, op_id, lambda w: setattr(w, "private_ideation", private), resync=True)


def change_room(actor: Actor, op_id: str, change, *, resync: bool = False, more=None) -> dict:
    """Apply a facilitator's change to the open workshop; every screen follows.

    With resync, what screens may see changed wholesale and they take a snapshot; `more(workshop)`
    gives what else the change means to screens, sent after it. A change to
    what the room already is (a second click on the phase it is in, a lock of locked
    submissions) does nothing: no version, no broadcast, the countdown and spotlight kept.
    """
    if stored := replay(actor, op_id):
        return stored
    workshop = open_workshop(actor)
    with db.session.no_autoflush:  # the change is only looked at, not written, until it is known
        change(workshop)
    workshop.note_end()  # the phase may have moved to closed, or back from it
    if not db.session.is_modified(workshop):
        return unchanged(actor, op_id, {"ok": True, "v": workshop.version, "workshop": workshop.to_dict()})
    bump(workshop)
    ack = {"ok": True, "v": workshop.version, "workshop": workshop.to_dict()}
    messages = views.workshop_messages(workshop, resync=resync) + (more(workshop) if more else [])
    return finish(actor, op_id, ack, messages)
