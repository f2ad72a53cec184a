"""Policy decorators for views: each reads as the rule it enforces."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.models import Role


def role_required(*roles: str):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


admin_required = role_required(Role.ADMIN)
facilitator_required = role_required(Role.FACILITATOR, Role.ADMIN)
