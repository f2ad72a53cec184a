"""Shell commands: `flask users create` makes an account, the first administrator included."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.models import Role

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value)
@click.password_option()
def create(email: str, name: str, role: str, password: str) -> None:
    """Create an account (an administrator unless --role says otherwise)."""
    from app.auth.services import create_user

    try:
        user = create_user(email, name, password, role)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Created {user.role} account {user.email}.")
