"""The audit log (app.models.audit): written beside each change it records, read by administrators.

A line names who acted, what they did and to which account or workshop, with ids and settings
as detail: never a participant's name, organisation or text. The caller of `record` commits,
in the transaction of the change, so a line exists exactly when its change does.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.countries import country_name
from app.extensions import db
from app.labels import role_label
from app.models import User
from app.models.audit import AuditEvent

PAGE_SIZE = 50

ACTIONS = {
    "account.created": _l("Account created"),
    "account.role_changed": _l("Role changed"),
    "account.disabled": _l("Account disabled"),
    "account.enabled": _l("Account enabled"),
    "account.link_created": _l("Password link created"),
    "account.password_set": _l("Password set through a link"),
    "account.password_changed": _l("Password changed"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "workshop.deleted": _l("Workshop deleted"),
    "workshop.purged": _l("Workshop deleted after the retention period"),
    "participant.removed": _l("Participant's data removed"),
    "export.downloaded": _l("Export downloaded"),
    "backup.made": _l("Backup made"),
    "team.introduced": _l("Team members of two clusters introduced"),
}


def record(action: str, target: str = "", *, actor: str | None = None, **detail: object) -> AuditEvent:
    """Add a line to the log for `action` on `target`; by the logged-in user unless `actor` says
    (outside any request, a shell command: "cli")."""
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    fallback = "system" if has_request_context() else "cli"
    event = AuditEvent(
        actor_user_id=user.id if user and actor is None else None,
        actor=actor or (user.email if user else fallback),
        action=action,
        target=target,
        detail=detail,
    )
    db.session.add(event)
    return event


def events(*, since: datetime | None = None, limit: int = PAGE_SIZE, offset: int = 0) -> list[AuditEvent]:
    """Lines of the log, newest first."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def describe(event: AuditEvent) -> dict[str, str]:
    """A line in words of the interface language: what happened, to what, and how."""
    return {
        "what": str(ACTIONS.get(event.action, event.action)),
        "target": _target(event),
        "detail": _detail(event.action, event.detail or {}),
    }


def _target(event: AuditEvent) -> str:
    kind, _sep, ident = event.target.partition(":")
    if kind == "user" and ident.isdigit():
        user = db.session.get(User, int(ident))
        return user.email if user else _("account %(id)s (deleted)", id=ident)
    if kind == "workshop" and ident.isdigit():
        if title := (event.detail or {}).get("title"):
            return _("workshop %(id)s “%(title)s”", id=ident, title=title)
        return _("workshop %(id)s", id=ident)
    if kind == "participant" and ident.isdigit():
        return _("participant %(id)s", id=ident)
    if kind == "market" and ident:
        return _("the market %(country)s", country=country_name(ident) or ident)
    if event.target == "joint-strategy":
        return _("the joint strategy")
    return event.target


def _detail(action: str, detail: dict) -> str:
    """The detail in words: roles and statuses as people call them, never stored values."""
    parts = []
    if action == "account.role_changed":
        parts.append(f"{role_label(str(detail.get('from')))} → {role_label(str(detail.get('to')))}")
    elif "role" in detail:
        parts.append(_("role: %(role)s", role=role_label(str(detail["role"]))))
    if "purpose" in detail:
        parts.append(_("invitation") if detail["purpose"] == "invite" else _("password reset"))
    if detail.get("reason") == "password_reset":
        parts.append(_("revoked by a password reset"))
    if "name" in detail:
        parts.append(f"“{detail['name']}”")
    if "format" in detail:
        parts.append(str(detail["format"]).upper())
    if people := detail.get("participants"):
        parts.append(_("participants %(ids)s", ids=", ".join(str(i) for i in people)))
    if workshops := detail.get("workshops"):
        parts.append(_("of workshops %(ids)s", ids=", ".join(str(i) for i in workshops)))
    if counts := detail.get("counts"):
        parts.append(_counts(counts))
    if "retention_days" in detail:
        parts.append(_("%(n)s days after it ended", n=detail["retention_days"]))
    return "; ".join(parts)


def _counts(counts: dict) -> str:
    return _(
        "%(participants)s participants, %(items)s items, %(comments)s comments, "
        "%(ballots)s ballots, %(rounds)s rounds",
        **{key: counts.get(key, 0) for key in ("participants", "items", "comments", "ballots", "rounds")},
    )
