"""The printable PDF reports: one workshop (from its archive) and the joint strategy across workshops.

reportlab draws them: A4 pages, vector charts (no images), DejaVu Sans for Greek and Cyrillic
(app/exports/fonts, refreshed by scripts/vendor.sh). User text is escaped before reportlab's
Paragraph markup sees it (see layout.py), so nothing in a report is interpreted or fetched.
"""

from app.exports.pdf.joint import render_joint
from app.exports.pdf.workshop import render_workshop

__all__ = ["render_joint", "render_workshop"]
