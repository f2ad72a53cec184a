"""Every response carries the browser-side protections: a Content-Security-Policy without inline
code, no framing, no sniffing, a referrer policy, a permissions policy, and HSTS on https only.
Whether the pages still work under that policy is for tests/e2e/test_content_security_policy.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from app.api import tokens
from app.models import Role
from tests.conftest import _config, join, login, make_theme, make_user, make_workshop
from tests.test_strategy_services import no_tally_timer, three_workshops  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fast_passwords", "no_tally_timer")

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"


def assert_protected(response) -> None:
    h = response.headers
    csp = dict(part.strip().split(" ", 1) for part in h["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", csp  # nothing inline
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["worker-src"] == "'self'"  # the phone's service worker, /j/sw.js, and nothing else
    # The live connection: the page's own origin over ws:/wss:, spelled out for older Safari.
    assert csp["connect-src"].split() == ["'self'", "ws://127.0.0.1:5000", "ws://localhost:5000"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert "camera=()" in h["Permissions-Policy"]
    assert "Strict-Transport-Security" not in h  # PUBLIC_URL is http here


def test_first_run_and_login_pages(client):
    assert_protected(client.get("/"))  # the redirect to the first-run page
    assert_protected(client.get("/setup"))
    make_user()
    assert_protected(client.get("/login"))
    assert_protected(client.post("/login", data={"email": "x@example.org", "password": "wrong"}))


def test_staff_pages(app, client):
    user = make_user()
    workshop = make_workshop(user)
    login(client, user)
    for path in ("/workshops", f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/projector"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)


def test_participant_pages(app):
    workshop = make_workshop()
    phone = app.test_client()
    assert_protected(phone.get("/"))
    assert_protected(phone.get(f"/j/{workshop.join_code}"))  # the join form
    phone = join(app, workshop)
    room = phone.get(f"/j/{workshop.join_code}")
    assert b"data-propose" in room.data
    assert_protected(room)


def test_coordinator_pages(app, client):
    a, b, c = three_workshops()
    make_theme(c.workshop, "Coloured", "#aa3300")
    login(client, make_user(Role.COORDINATOR))
    w = c.workshop.id
    for path in ("/coordinate", f"/coordinate/workshops/{w}", f"/coordinate/joint?w={a.workshop.id}&w={w}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)


def test_api_json_error_pages_and_static_files(app, client):
    user = make_user()
    assert_protected(client.get("/api/v1/workshops"))  # 401 in JSON
    token = tokens.create_token(user, "script")[1]
    response = client.get("/api/v1/workshops", headers={"Authorization": f"Bearer {token}"})
    assert response.is_json and response.status_code == 200
    assert_protected(response)
    assert_protected(client.get("/no/such/page"))
    assert_protected(client.get("/static/css/app.css"))
    assert_protected(client.get("/static/vendor/socket.io/socket.io.esm.min.js"))


def test_too_many_attempts_page(app):
    """Flask-Limiter's refusal is a page like the others."""
    make_user()
    phone = app.test_client()
    statuses = [phone.get("/j/NOPE42").status_code for _ in range(100)]
    assert 429 in statuses
    response = phone.get("/j/NOPE42")
    assert response.status_code == 429
    assert_protected(response)


def test_engine_io_answers_too(client):
    response = client.get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    assert_protected(response)


def test_hsts_only_when_the_public_url_is_https(tmp_path):
    https = {"PUBLIC_URL": "https://codesign.example.org"}
    app = create_app(_config(f"sqlite:///{tmp_path / 'unused.sqlite'}") | https)
    response = app.test_client().get("/static/css/app.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' wss://codesign.example.org;" in csp + ";"


def test_templates_have_no_inline_code_or_style():
    """The policy blocks inline scripts, event handlers and style="..." attributes: none may
    creep back into a template (data blocks of type application/json are not run)."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (r"\sstyle=", r"<style", r"\son[a-z]+=", r"javascript:"):
            found += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
        for script in re.finditer(r"<script\b[^>]*>", text):
            tag = script.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{path.name}: {tag}")
    assert found == []
