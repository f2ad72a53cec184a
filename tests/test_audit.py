"""The audit log: what changes who may do or see what, or deletes or takes out data, is recorded
(by whom, of what, with ids and settings, never participant content); administrators read it
on a page (newest first, a page at a time, in their language) and from `flask audit`."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import AuditEvent, Role, utcnow
from app.workshops.services import archive_workshop
from tests.conftest import invitation_link, login, make_user, make_workshop
from tests.people_data import full_workshop
from tests.test_translations import _compiled

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def lines() -> list[tuple[str, str, str, dict]]:
    """(actor, action, target, detail), oldest first."""
    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    return [(e.actor, e.action, e.target, e.detail) for e in db.session.scalars(query)]


def test_every_change_of_who_may_do_what_is_recorded(app):
    admin = make_user(Role.ADMIN, email="admin@example.org")
    http = login(app.test_client(), admin)
    page = http.post("/admin/users", data={"name": "Fac", "email": "fac@example.org", "role": "facilitator"})
    fac_id = db.session.scalar(sa.select(AuditEvent.target)).split(":")[1]
    app.test_client().post(urlsplit(invitation_link(page.text)).path, data={"password": NEW, "confirm": NEW})
    http.post(f"/admin/users/{fac_id}/role", data={"role": "coordinator"})
    http.post(f"/admin/users/{fac_id}/active", data={"active": "0"})
    http.post(f"/admin/users/{fac_id}/active", data={"active": "1"})
    reset = http.post(f"/admin/users/{fac_id}/link")
    other = make_user(Role.FACILITATOR, email="other@example.org")
    fac_http = login(app.test_client(), other)
    fac_http.post("/account/tokens", data={"name": "report"})
    token_id = db.session.scalar(sa.select(AuditEvent.detail).where(AuditEvent.action == "token.created"))[
        "token_id"
    ]
    fac_http.post(f"/account/tokens/{token_id}/revoke", data={"confirm": "yes"})
    fac_http.post("/account", data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    app.test_client().post(
        urlsplit(invitation_link(reset.text)).path, data={"password": PASSWORD, "confirm": PASSWORD}
    )

    user = f"user:{fac_id}"
    assert [(a, act, t) for a, act, t, _d in lines()] == [
        ("admin@example.org", "account.created", user),
        ("fac@example.org", "account.password_set", user),
        ("admin@example.org", "account.role_changed", user),
        ("admin@example.org", "account.disabled", user),
        ("admin@example.org", "account.enabled", user),
        ("admin@example.org", "account.link_created", user),
        ("other@example.org", "token.created", f"user:{other.id}"),
        ("other@example.org", "token.revoked", f"user:{other.id}"),
        ("other@example.org", "account.password_changed", f"user:{other.id}"),
        ("fac@example.org", "account.password_set", user),
    ]
    details = [d for *_rest, d in lines()]
    assert details[0] == {"role": "facilitator", "purpose": "invite"}
    assert details[2] == {"from": "facilitator", "to": "coordinator"}
    assert details[5] == {"purpose": "reset"}


def test_deletions_and_downloads_are_recorded_without_participant_content(app):
    admin = make_user(Role.ADMIN, email="admin@example.org")
    http = login(app.test_client(), admin)
    full = full_workshop("Doomed", name="Zebulon Quux", secret="unique-idea-9f3c")
    wid = full.workshop.id
    assert http.get(f"/workshops/{wid}/export/json").status_code == 200
    assert http.get(f"/coordinate/joint/export/json?w={wid}").status_code == 200
    http.post(f"/workshops/{wid}/delete", data={"confirm": "yes"})

    recorded = lines()
    assert [(act, t) for _a, act, t, _d in recorded] == [
        ("export.downloaded", f"workshop:{wid}"),
        ("export.downloaded", "joint-strategy"),
        ("workshop.deleted", f"workshop:{wid}"),
    ]
    assert recorded[0][3] == {"format": "json"} and recorded[1][3] == {"format": "json", "workshops": [wid]}
    stored = repr(db.session.execute(sa.select(AuditEvent.__table__)).all())
    for content in ("Zebulon", "Quux", "unique-idea-9f3c", "the same idea", "a reply"):
        assert content not in stored


def test_the_page_is_for_administrators_newest_first_a_page_at_a_time(app):
    admin = make_user(Role.ADMIN)
    for n in range(audit.PAGE_SIZE + 1):
        audit.record("account.enabled", f"user:{n}", actor=f"admin{n}@example.org")
    db.session.commit()
    http = login(app.test_client(), admin)
    first = http.get("/admin/audit").text
    assert first.index("admin50@example.org") < first.index("admin49@example.org")
    assert "admin0@example.org" not in first and 'rel="next"' in first
    second = http.get("/admin/audit?page=2").text
    assert "admin0@example.org" in second and "admin1@example.org" not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert http.get("/admin/audit?page=99999999999999999999").status_code == 200

    for role in (Role.FACILITATOR, Role.COORDINATOR):
        assert login(app.test_client(), make_user(role)).get("/admin/audit").status_code == 403


def test_the_page_reads_roles_in_the_readers_language_not_stored_values(app):
    _compiled("de")
    admin = make_user(Role.ADMIN)
    fac = make_user(Role.FACILITATOR, email="fac@example.org")
    http = login(app.test_client(), admin)
    http.post(f"/admin/users/{fac.id}/role", data={"role": "coordinator"})
    page = http.get("/admin/audit", headers={"Accept-Language": "de"}).text
    row = page.split('data-action="account.role_changed"', 1)[1].split("</tr>", 1)[0]
    assert "Moderation → Koordination" in row
    assert "facilitator" not in row and "coordinator" not in row
    accounts = http.get("/admin/users", headers={"Accept-Language": "de"}).text
    assert ">Koordination</option>" in accounts and ">aktiv<" in accounts


def audit_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_flask_audit_prints_newest_first_since_a_date_and_up_to_a_limit(app):
    fac = make_user(Role.FACILITATOR)
    workshop = make_workshop(fac, title="Going to Asia")
    archive_workshop(fac, workshop.id)
    for days_ago, target in ((10, "user:1"), (5, "user:2"), (1, "user:3")):
        event = audit.record("account.disabled", target, actor="admin@example.org")
        event.at = utcnow() - timedelta(days=days_ago)
    audit.record("workshop.deleted", f"workshop:{workshop.id}", actor="cli", title="Going to Asia", counts={})
    db.session.commit()

    out = audit_cli(app, "--limit", "2")
    assert out.exit_code == 0, out.output
    rows = [line.split("\t") for line in out.output.splitlines()]
    assert len(rows) == 2
    assert rows[0][1:4] == ["cli", "Workshop deleted", f"workshop {workshop.id} “Going to Asia”"]
    assert rows[1][2] == "Account disabled"
    since = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%d")
    recent = audit_cli(app, "--since", since).output.splitlines()
    assert len(recent) == 3
    assert audit_cli(app, "--since", "yesterday").exit_code == 2


def test_every_action_the_code_records_reads_as_words() -> None:
    """An action recorded under a name the audit page does not know would show as its code."""
    import re
    from pathlib import Path

    from app.audit import ACTIONS

    root = Path(__file__).resolve().parent.parent / "app"
    recorded = {m for p in root.rglob("*.py") for m in re.findall(r'record\(\s*"([a-z_.]+)"', p.read_text())}
    assert recorded, "no audit.record call found"
    assert recorded - set(ACTIONS) == set()
