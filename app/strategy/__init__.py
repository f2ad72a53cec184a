"""The coordinator's side: every workshop of every cluster, and the joint strategy across them."""

from flask import Blueprint

bp = Blueprint("strategy", __name__)

from app.strategy import routes  # noqa: E402,F401
