"""Account use cases."""

from __future__ import annotations

import secrets
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Role, User


def any_user() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) > 0


def create_user(email: str, name: str, password: str, role: str) -> User:
    """Create an account; the email is the login and must be new."""
    email = email.strip().lower()
    if role not in set(Role):
        raise Invalid(_("Unknown role."), field="role")
    if len(password) < 10:
        raise Invalid(_("Use at least 10 characters for the password."), field="password")
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise Invalid(_("An account with this email exists already."), field="email")
    user = User(email=email, name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def create_first_admin(email: str, name: str, password: str) -> User:
    """The first-run page: only while no account exists."""
    if any_user():
        raise Invalid(_("The first account exists already. Please log in."))
    return create_user(email, name, password, Role.ADMIN)


def authenticate(email: str, password: str) -> User | None:
    """The account for this email and password, if it is enabled.

    Every attempt checks one password hash, for an unknown email or a disabled account too:
    answering those without hashing took 6 ms instead of 150, which told who has an account.
    """
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    right = user.check_password(password)
    return user if right and user.active else None


@cache
def _dummy_hash() -> str:
    """A hash made as account passwords are (same method and cost), of no one's password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def set_active(acting: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; an administrator cannot lock themself out."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == acting.id and not active:
        raise Invalid(_("You cannot disable your own account."))
    user.active = active
    db.session.commit()
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.name)))
