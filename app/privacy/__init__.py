"""People's data: what a workshop holds about a participant, its download, its removal, and the
privacy notice (docs/privacy.md)."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
