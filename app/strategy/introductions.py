"""A coordinator introduces two companies of different clusters who could help each other in one
market: each gets a mail naming the other (where they agreed to be named), the other's email, the
market and the tags that meet, in the language of their own workshop. The introduction is recorded
once per pair and market, with the audit line, in the transaction; nothing is recorded unless the
mail server took both mails.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy.exc import IntegrityError

from app import audit
from app.core.countries import country_name
from app.errors import Conflict, Invalid, NotNow
from app.extensions import db, mail
from app.labels import sector_label
from app.models import Introduction, TeamMember, User
from app.strategy.teams import pair

log = logging.getLogger(__name__)
MAX_ID = 2**63 - 1


def pending(country: object, first_id: object, second_id: object) -> dict:
    """The match a coordinator is about to introduce, as it stands now; refused once it is gone."""
    country, a, b = _ids(country, first_id, second_id)
    found = pair(country, a, b)
    if found is None:
        raise _gone(country, a, b)
    _not_yet(country, a, b)
    return found[0] | {"country": country, "country_name": country_name(country) or country}


def introduce(user: User, country: object, first_id: object, second_id: object) -> Introduction:
    """Introduce two members of a market's teams to each other by mail, once; recorded and audited."""
    country, a, b = _ids(country, first_id, second_id)
    if not current_app.config["MAIL_SERVER"]:
        raise NotNow(_("Introductions are sent by email, and no mail server is set up (MAIL_SERVER)."))
    found = pair(country, a, b)
    if found is None:
        raise _gone(country, a, b)
    match, _rows = found
    _not_yet(country, a, b)
    tags = list(dict.fromkeys(match["first_looks_for"] + match["second_looks_for"]))
    row = Introduction(country=country, first_id=a, second_id=b, tags=tags, introduced_by_id=user.id)
    db.session.add(row)
    try:
        db.session.flush()  # a second coordinator's click at the same moment stops here
    except IntegrityError:
        db.session.rollback()
        _not_yet(country, a, b)
        raise
    audit.record("team.introduced", f"market:{country}", participants=[a, b])
    if not _send(user, country, a, b):
        db.session.rollback()
        raise NotNow(
            _("The mail server did not take the introduction: nothing was recorded. Try again later.")
        )
    db.session.commit()
    return row


def of_participant(participant_id: int) -> list[Introduction]:
    """The introductions this participant was part of, oldest first (their "My data")."""
    mine = sa.or_(Introduction.first_id == participant_id, Introduction.second_id == participant_id)
    return list(db.session.scalars(sa.select(Introduction).where(mine).order_by(Introduction.id)))


def forgotten(people: sa.Select | list[int]) -> sa.Delete:
    """The deletion of these participants' introductions (their removal, their workshop's deletion),
    for the caller's transaction."""
    gone = sa.or_(Introduction.first_id.in_(people), Introduction.second_id.in_(people))
    return sa.delete(Introduction).where(gone)


def _ids(country: object, first_id: object, second_id: object) -> tuple[str, int, int]:
    if not (isinstance(country, str) and len(country) == 2 and country.isascii() and country.isupper()):
        raise Invalid(_("The request was not understood."), field="country")
    ids = [first_id, second_id]
    if any(type(i) is not int or not 0 < i <= MAX_ID for i in ids) or first_id == second_id:
        raise Invalid(_("The request was not understood."))
    a, b = sorted(ids)
    return country, a, b


def _gone(country: str, a: int, b: int) -> NotNow:
    """Why a pair is no match any more: said plainly when one of them withdrew their consent."""
    emails = db.session.scalars(
        sa.select(TeamMember.participant_id).where(
            TeamMember.participant_id.in_([a, b]), TeamMember.contact_email.is_not(None)
        )
    )
    if set(emails) != {a, b}:
        return NotNow(
            _(
                "One of the two has withdrawn their consent to be contacted (or left the team): "
                "they were not introduced, and nobody was mailed."
            )
        )
    return NotNow(
        _("These two no longer match: what they bring and look for has changed. Nobody was mailed.")
    )


def _not_yet(country: str, a: int, b: int) -> None:
    done = db.session.scalar(
        sa.select(Introduction).where(
            Introduction.country == country, Introduction.first_id == a, Introduction.second_id == b
        )
    )
    if done is not None:
        when = done.created_at.strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            _(
                "These two were introduced already, on %(when)s UTC by %(name)s.",
                when=when,
                name=done.introduced_by.name,
            )
        )


def _send(user: User, country: str, a: int, b: int) -> bool:
    """Both mails through one connection: True once the mail server took them."""
    messages = [_mail(user, country, a, b, mine) for mine in ("first", "second")]
    try:
        sent = mail.get_connection().send_messages(messages)
    except Exception:  # smtplib's errors, a refused or timed-out connection: said to the coordinator
        log.warning("mailing the introduction in %s failed", country, exc_info=True)
        return False
    return sent == len(messages)


def _mail(user: User, country: str, a: int, b: int, mine: str) -> EmailMessage:
    """The mail to one of the two, in the language of their workshop, about the other."""
    theirs = "second" if mine == "first" else "first"
    language = _language(a if mine == "first" else b)
    with force_locale(language):
        match, _rows = pair(country, a, b)
        me, other = match[mine], match[theirs]
        market = country_name(country, language) or country
        subject = _("Bridge Co-Design: an introduction for %(market)s", market=market)
        body = _body(user, match, me, other, market, mine)
    return EmailMessage(subject, body, to=[me["email"]])


def _language(participant_id: int) -> str:
    member = db.session.scalar(
        sa.select(TeamMember).where(TeamMember.participant_id == participant_id).limit(1)
    )
    return member.participant.workshop.language


def _body(user: User, match: dict, me: dict, other: dict, market: str, mine: str) -> str:
    i_get = match[f"{mine}_looks_for"]
    they_get = match["second_looks_for" if mine == "first" else "first_looks_for"]
    hello = _("Hello %(name)s,", name=me["name"]) if me["name"] else _("Hello,")
    intro = _(
        "In the workshop “%(workshop)s” you counted yourself in the team for %(market)s and left this "
        "address so that the clusters' coordinators could introduce you to companies of other clusters. "
        "%(coordinator)s, a coordinator of Bridge Co-Design, introduces you to:",
        workshop=me["workshop_title"],
        market=market,
        coordinator=user.name,
    )
    lines = [hello, "", intro, "", *_who(other), ""]
    if i_get:
        lines.append(_("You look for what they bring: %(tags)s", tags=", ".join(i_get)))
    if they_get:
        lines.append(_("They look for what you bring: %(tags)s", tags=", ".join(they_get)))
    outro = _(
        "They received the same introduction, with your address: write to each other directly. "
        "You can withdraw your email at any time on your “My data” page of the workshop."
    )
    return "\n".join([*lines, "", outro, ""])


def _who(other: dict) -> list[str]:
    """The other company as the mail describes them: named only where they agreed."""
    name = " · ".join(part for part in (other["name"], other["organisation"]) if part)
    lines = [name or _("A company that did not give its name")]
    lines.append(
        _(
            "Cluster: %(cluster)s · Sector: %(sector)s",
            cluster=other["cluster"],
            sector=sector_label(other["sector"]),
        )
    )
    lines.append(_("Email: %(email)s", email=other["email"]))
    if other["brings"]:
        lines.append(_("Brings: %(text)s", text=other["brings"]))
    if other["looks_for"]:
        lines.append(_("Looks for: %(text)s", text=other["looks_for"]))
    return ["    " + line for line in lines]
