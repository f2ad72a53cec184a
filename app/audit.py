"""Writing the audit log (app.models.audit). The caller commits, with the change it records."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import db
from app.models.audit import AuditEvent


def record(action: str, target: str = "", *, actor: str | None = None, **detail: object) -> AuditEvent:
    """Add a line to the log for `action` on `target`; by the logged-in user unless `actor` says."""
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    event = AuditEvent(
        actor_user_id=user.id if user and actor is None else None,
        actor=actor or (user.email if user else "system"),
        action=action,
        target=target,
        detail=detail,
    )
    db.session.add(event)
    return event
