"""Account use cases."""

from __future__ import annotations

import secrets
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit
from app.auth import connections, emails, links, passwords
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import ApiToken, LinkPurpose, Role, User, utcnow


def any_user() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) > 0


def create_user(email: str, name: str, password: str, role: str, *, actor: str | None = None) -> User:
    """Create an account with its password (the first-run page and `flask users create`)."""
    passwords.check(password)
    user = _new_account(email, name, role)
    user.set_password(password)
    db.session.flush()
    audit.record("account.created", f"user:{user.id}", actor=actor, role=role)
    db.session.commit()
    return user


def invite_user(acting: User, email: str, name: str, role: str) -> tuple[User, str]:
    """An administrator opens an account; the person sets their own password through the link
    returned (its token, shown once)."""
    user = _new_account(email, name, role)
    db.session.flush()
    token = links.issue(user, LinkPurpose.INVITE, acting)
    audit.record("account.created", f"user:{user.id}", role=role, purpose=LinkPurpose.INVITE)
    db.session.commit()
    return user, token


def _new_account(email: str, name: str, role: str) -> User:
    """A new account, added to the session: the email is the login and must be new."""
    email = email.strip().lower()
    if role not in set(Role):
        raise Invalid(_("Unknown role."), field="role")
    if message := emails.problem(email):
        raise Invalid(message, field="email")
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise Invalid(_("An account with this email exists already."), field="email")
    user = User(email=email, name=name.strip(), role=role)
    db.session.add(user)
    return user


def create_first_admin(email: str, name: str, password: str) -> User:
    """The first-run page: only while no account exists."""
    if any_user():
        raise Invalid(_("The first account exists already. Please log in."))
    return create_user(email, name, password, Role.ADMIN, actor=email.strip().lower())


def authenticate(email: str, password: str) -> User | None:
    """The account for this email and password, if it is enabled.

    Every attempt checks one password hash, for an unknown email or a disabled account too:
    answering those without hashing would be measurably faster, which tells who has an account.
    """
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or user.invited:
        check_password_hash(_dummy_hash(), password)
        return None
    right = user.check_password(password)
    return user if right and user.active else None


@cache
def _dummy_hash() -> str:
    """A hash made as account passwords are (same method and cost), of no one's password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def set_active(acting: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; a disabled one is logged out everywhere at once."""
    user = _account(user_id)
    if user.id == acting.id and not active:
        raise Invalid(_("You cannot disable your own account."))
    if not active:
        _keep_an_administrator(user)
    if user.active == active:
        return user
    user.active = active
    audit.record("account.enabled" if active else "account.disabled", f"user:{user.id}")
    if active:
        db.session.commit()
    else:
        links.withdraw(user)  # nor can its unused links set a password
        end_sessions(user)
    return user


def set_role(user_id: int, role: str) -> tuple[User, bool]:
    """Give an account another role; it is logged out everywhere and logs in again under the new one.

    Returns the account and whether its role changed.
    """
    if role not in set(Role):
        raise Invalid(_("Unknown role."), field="role")
    user = _account(user_id)
    if user.role == role:
        return user, False
    if user.role == Role.ADMIN:
        _keep_an_administrator(user)
    audit.record("account.role_changed", f"user:{user.id}", **{"from": user.role, "to": role})
    user.role = role
    end_sessions(user)
    return user, True


def change_password(user: User, current: str, new: str) -> None:
    """A user's new password; every session of theirs ends (the caller logs this one in again)."""
    if not user.check_password(current):
        raise Invalid(_("That is not your current password."), field="current")
    passwords.check(new)
    user.set_password(new)
    audit.record("account.password_changed", f"user:{user.id}")
    end_sessions(user)


def reset_link(acting: User, user_id: int) -> tuple[User, str]:
    """An administrator's "reset password": a link for the person to choose a new one (their
    password keeps working until it is used: a reset asked by mistake locks nobody out). For an
    account whose invitation was never used, a new invitation."""
    user = _account(user_id)
    if not user.active:
        raise Invalid(_("This account is disabled. Enable it first."))
    purpose = LinkPurpose.INVITE if user.invited else LinkPurpose.RESET
    token = links.issue(user, purpose, acting)
    audit.record("account.link_created", f"user:{user.id}", purpose=purpose)
    db.session.commit()
    return user, token


def set_password_by_link(token: str, password: str) -> User:
    """The person sets their password through their link, once; every session of the account ends.

    After a reset its API tokens are revoked too: a reset is how a lost or stolen password is
    replaced, and a token made with it must not outlive it.
    """
    link = links.usable(token)
    passwords.check(password)
    links.take(link)
    user = link.user
    user.set_password(password)
    audit.record("account.password_set", f"user:{user.id}", actor=user.email, purpose=link.purpose)
    if link.purpose == LinkPurpose.RESET:
        _revoke_tokens(user)
    end_sessions(user)
    return user


def _revoke_tokens(user: User) -> None:
    """Revoke every API token of an account whose password was reset (the caller commits)."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    for token in db.session.scalars(query):
        token.revoked_at = utcnow()
        detail = {"token_id": token.id, "name": token.name, "prefix": token.prefix}
        audit.record("token.revoked", f"user:{user.id}", actor=user.email, reason="password_reset", **detail)


def end_sessions(user: User) -> None:
    """Log an account out everywhere, after committing whatever changed it.

    Every copy of its session cookie stops working (the session version it carries is
    no longer the account's), and every cockpit and projector it has open, in every app
    process, is cut off. Logging out, disabling, a new role or password all come here.
    """
    user.session_version = User.session_version + 1
    db.session.commit()
    connections.end(user.id)


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _keep_an_administrator(user: User) -> None:
    """Someone must remain who can manage accounts: the last active administrator stays one.

    The administrators' rows are locked (PostgreSQL) so that two of them demoting each
    other at once cannot both pass this check.
    """
    admins = db.session.scalars(
        sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
    ).all()
    if user.role == Role.ADMIN and user.active and set(admins) <= {user.id}:
        raise Invalid(
            _("This is the last administrator account. Make another account an administrator first.")
        )


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.name)))
