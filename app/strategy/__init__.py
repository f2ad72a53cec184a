"""The coordinator's side: every workshop of every cluster, and the joint strategy across them."""

from flask import Blueprint

bp = Blueprint("strategy", __name__)
