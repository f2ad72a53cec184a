"""A workshop's outcomes as files: CSV (zip), XLSX, a JSON archive and a PDF report.

One service (`app.exports.service`) builds every file; the download routes and the
`flask export` / `flask workshops import` commands are thin adapters around it.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__)
