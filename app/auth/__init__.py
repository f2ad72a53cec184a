"""Accounts, roles, the first-run page, and who may do what (views and socket events alike)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
