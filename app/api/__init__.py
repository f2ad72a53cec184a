"""The read-only JSON API under /api/v1, authenticated by API tokens, and the pages that manage them."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The token pages are ordinary HTML pages with a session and CSRF, so not under /api/v1.
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")
