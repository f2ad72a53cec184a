"""Workshops: the facilitator's list and cockpit, the projector, joining from a phone, live items."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)
