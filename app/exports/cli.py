"""`flask export` and `flask workshops import`: the same service as the download routes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app import audit
from app.errors import DomainError
from app.exports import service
from app.extensions import db

workshops = AppGroup("workshops", help="Workshop archives.")


@click.command("export")
@click.argument("workshop", type=int)
@click.option("--format", "fmt", type=click.Choice(list(service.RENDERERS)), required=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def export(workshop: int, fmt: str, out: Path) -> None:
    """Write a workshop's outcomes (WORKSHOP is its number) to a file."""
    try:
        file = service.export(None, workshop, fmt)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    _write_whole(out, file.data)
    audit.record("export.downloaded", f"workshop:{workshop}", format=fmt)
    db.session.commit()
    click.echo(f"Wrote {out} ({len(file.data):,} bytes).")


def _write_whole(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a failed write leaves no half file behind."""
    if not path.parent.is_dir():
        raise click.ClickException(f"The folder {path.parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as e:  # a folder we may not write to
        raise click.ClickException(f"Could not write {path}: {e.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise click.ClickException(f"Could not write {path}: {e.strerror}.") from None


@workshops.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facilitator", "email", required=True, help="Email of the account that will own it.")
def import_(file: Path, email: str) -> None:
    """Restore a workshop from a JSON archive (made by `flask export --format json`)."""
    limit = current_app.config["EXPORT_IMPORT_MAX_BYTES"]
    try:
        with file.open("rb") as f:
            raw = f.read(limit + 1)  # never more than the limit into memory
        workshop = service.import_archive(raw, email)
    except OSError as e:
        raise click.ClickException(f"Could not read {file}: {e.strerror}.") from None
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Restored workshop {workshop.id} ({workshop.title}) as an archived workshop.")
