"""`flask export` and `flask workshops import`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

workshops = AppGroup("workshops", help="Workshop archives.")


@click.command("export")
def export() -> None:
    """Write a workshop's outcomes to a file."""
    raise click.ClickException("not built yet")
