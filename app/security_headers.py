"""The browser-side protections every response carries: CSP, no framing, no sniffing, HSTS on https.

A WSGI wrapper rather than Flask's after_request: the same headers then reach what Flask never
sees too (Engine.IO's long-polling answers, the refusal of an oversized body in app/body_limits.py).
Nothing here depends on the request, so the headers are built once per app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import config

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Every script and stylesheet is a file under /static: nothing inline, no eval. JavaScript may
# still set `el.style.x` (the CSSOM), which style-src does not govern; templates may not use
# style="..." attributes. The QR code is inline SVG, which needs nothing here.
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    # The phone's service worker, /j/sw.js (app/workshops/offline.py); no other worker.
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # no page, the projector's included, inside another site's frame
)
# Features no page uses: a page that somehow got a script still cannot reach them.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(cfg) -> str:
    """The CSP: the page's own files only; the socket to the origins allowed to open it.

    'self' covers ws:/wss: on the page's own origin in current browsers; the explicit
    ws(s):// origins are for older Safari, where it does not.
    """
    sockets = [o.replace("http", "ws", 1) for o in config.allowed_origins(cfg)]
    return "; ".join((*POLICY, " ".join(("connect-src 'self'", *sockets))))


def headers_for(cfg) -> list[tuple[str, str]]:
    """The headers added to every response of this app."""
    headers = [
        ("Content-Security-Policy", content_security_policy(cfg)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate it
        # A join code in the URL stays on this site; same-origin requests keep the Referer,
        # which Flask-WTF's CSRF check requires over https.
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS),
    ]
    if cfg["PUBLIC_URL"].startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def secured(wsgi_app: WSGIApplication, cfg) -> WSGIApplication:
    """Wrap the app so every response carries headers_for(cfg), unless it set one itself."""
    extra = headers_for(cfg)

    def app(environ: WSGIEnvironment, start_response: StartResponse):
        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in headers}
            missing = [h for h in extra if h[0].lower() not in present]
            return start_response(status, [*headers, *missing], exc_info)

        return wsgi_app(environ, start)

    return app
