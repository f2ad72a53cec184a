"""Shell commands: `flask users create` (the first administrator included), `flask purge`
(retention), `flask audit` (the audit log) and `flask backup` (a copy of the SQLite database)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app import audit
from app.auth.services import create_user
from app.backup import BackupError, backup_sqlite, sqlite_file
from app.errors import DomainError
from app.extensions import db
from app.models import Role
from app.workshops.services import deletion

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value)
@click.password_option()
def create(email: str, name: str, role: str, password: str) -> None:
    """Create an account (an administrator unless --role says otherwise)."""
    try:
        user = create_user(email, name, password, role)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Created {user.role} account {user.email}.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete the workshops that ended (closed or archived) more than RETENTION_DAYS ago."""
    days = current_app.config["RETENTION_DAYS"]
    if days is None:
        raise click.ClickException("RETENTION_DAYS is not set: workshops are kept. Nothing was deleted.")
    found = deletion.expired(days)
    if not found:
        click.echo(f"No workshop ended more than {days} days ago.")
    for workshop in found:
        line = _described(workshop, deletion.contents(workshop.id))
        if dry_run:
            click.echo(f"Would delete {line}")
        else:
            deletion.purge(days, workshop.id)
            click.echo(f"Deleted {line}")


def _described(workshop, counts: dict[str, int]) -> str:
    held = ", ".join(f"{n} {what}" for what, n in counts.items())
    return f"workshop {workshop.id} “{workshop.title}”, ended {workshop.ended_at:%Y-%m-%d %H:%M} UTC: {held}"


@click.command("audit")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="Only lines from this UTC date or time on.",
)
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=100, show_default=True)
def audit_log(since: datetime | None, limit: int) -> None:
    """Print the audit log, newest first: time (UTC), who, what, of what, details; tab-separated."""
    for event in audit.events(since=since, limit=limit):
        words = audit.describe(event)
        at = event.at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo("\t".join((at, event.actor, words["what"], words["target"], words["detail"])))


@click.command("backup")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def backup(out: Path) -> None:
    """Copy the SQLite database to OUT, consistently, while the app runs (PostgreSQL: pg_dump)."""
    try:
        source = sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
        if source is None:
            raise BackupError("This database is PostgreSQL: back it up with pg_dump (docs/deploy.md).")
        size = backup_sqlite(source, out)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    audit.record("backup.made", actor="cli", size=size)
    db.session.commit()
    click.echo(f"Wrote {out} ({size:,} bytes).")
