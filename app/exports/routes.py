"""Download routes: one per workshop and format."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app import audit
from app.exports import bp, files, service
from app.extensions import db


@bp.get("/workshops/<id:workshop_id>/export/<fmt>")
@login_required
def download(workshop_id: int, fmt: str) -> ResponseReturnValue:
    """A workshop's outcomes as CSV (zip), Excel, JSON or PDF, for its facilitator and coordinators."""
    file = service.export(current_user, workshop_id, fmt)
    audit.record("export.downloaded", f"workshop:{workshop_id}", format=fmt)
    db.session.commit()
    return files.attachment(file)
