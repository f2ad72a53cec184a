"""The read-only API and its tokens: the token pages (CSRF, shown once, revoke), who may read what
(no token, a revoked or foreign token, a session cookie alone, a disabled account, a facilitator's
scope), the filters and pages of /workshops, results with real ids, and bad parameters.

The document's shape is held to the responses by tests/test_api_schema.py.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import closing
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.api import tokens
from app.extensions import db
from app.models import ApiToken, Ballot, Criterion, Participant, Role, Round, RoundOption, User, Workshop
from app.strategy import services as strategy_services
from tests.conftest import login, make_item, make_participant, make_theme, make_user, make_workshop
from tests.live import page_token

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"
TOKEN = re.compile(r"bcd_[A-Za-z0-9_-]{43}")


def bearer(clear: str) -> dict:
    return {"Authorization": f"Bearer {clear}"}


def token_for(user: User, name: str = "script") -> str:
    return tokens.create_token(user, name)[1]


def stored_tokens(app) -> list[tuple]:
    """The committed rows, as another process would read them."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "select user_id, name, token_hash, prefix, last_used_at, revoked_at from api_tokens order by id"
        ).fetchall()


# --- the token pages, with CSRF on -------------------------------------------------------------


class TestTokenPages:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def login(self, client, user: User):
        page = client.get("/login").text
        data = {"email": user.email, "password": PASSWORD, "csrf_token": page_token(page)}
        assert client.post("/login", data=data).status_code == 302
        return client

    def test_create_show_once_use_list_revoke(self, app, client):
        coordinator = make_user(Role.COORDINATOR)
        workshop = make_workshop()
        self.login(client, coordinator)
        page = client.get("/account/tokens")
        assert page.status_code == 200 and "No token yet" in page.text

        # Without the CSRF token nothing is created.
        assert client.post("/account/tokens", data={"name": "Report"}).status_code == 400
        assert stored_tokens(app) == []

        created = client.post(
            "/account/tokens", data={"name": "Report <b>", "csrf_token": page_token(page.text)}
        )
        assert created.status_code == 200
        assert created.headers["Cache-Control"] == "no-store"
        [clear] = TOKEN.findall(created.text)
        assert "Report &lt;b&gt;" in created.text and "Report <b>" not in created.text
        # Only the SHA-256 and a short prefix are stored; the token itself is nowhere in the row.
        [(user_id, name, token_hash, prefix, last_used, revoked)] = stored_tokens(app)
        assert (user_id, name, last_used, revoked) == (coordinator.id, "Report <b>", None, None)
        assert token_hash == hashlib.sha256(clear.encode()).hexdigest()
        assert prefix == clear[:12] and clear not in str(stored_tokens(app))
        assert clear not in str(client.get_cookie("session").value)

        # Shown once: the list has the name and prefix, never the token again.
        listing = client.get("/account/tokens").text
        assert "Report &lt;b&gt;" in listing and prefix in listing and clear not in listing
        assert "never" in listing

        response = client.get(f"/api/v1/workshops/{workshop.id}", headers=bearer(clear))
        assert response.status_code == 200 and response.json["workshop"]["id"] == workshop.id
        assert stored_tokens(app)[0][4] is not None  # last used
        assert "never" not in client.get("/account/tokens").text

        token_id = db.session.scalar(sa.select(ApiToken.id))
        confirm = client.get(f"/account/tokens/{token_id}/revoke")
        assert confirm.status_code == 200 and prefix in confirm.text
        data = {"confirm": "yes"}
        assert client.post(f"/account/tokens/{token_id}/revoke", data=data).status_code == 400
        assert stored_tokens(app)[0][5] is None
        # Without the confirmation the token stays.
        answer = client.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token(confirm.text)}
        )
        assert answer.status_code == 200 and stored_tokens(app)[0][5] is None
        revoked = client.post(
            f"/account/tokens/{token_id}/revoke", data=data | {"csrf_token": page_token(confirm.text)}
        )
        assert revoked.status_code == 302 and revoked.headers["Location"] == "/account/tokens"
        assert stored_tokens(app)[0][5] is not None
        assert "No token yet" in client.get("/account/tokens").text

        gone = client.get(f"/api/v1/workshops/{workshop.id}", headers=bearer(clear))
        assert gone.status_code == 401 and 'error="invalid_token"' in gone.headers["WWW-Authenticate"]
        assert client.get(f"/account/tokens/{token_id}/revoke").status_code == 404

    def test_another_users_token_cannot_be_seen_or_revoked(self, app, client):
        owner, other = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
        clear = token_for(owner, "Owner's")
        token_id = db.session.scalar(sa.select(ApiToken.id))
        self.login(client, other)
        assert "Owner&#39;s" not in client.get("/account/tokens").text
        page = client.get("/account/tokens").text
        assert client.get(f"/account/tokens/{token_id}/revoke").status_code == 404
        data = {"confirm": "yes", "csrf_token": page_token(page)}
        assert client.post(f"/account/tokens/{token_id}/revoke", data=data).status_code == 404
        assert stored_tokens(app)[0][5] is None
        assert client.get("/api/v1/workshops", headers=bearer(clear)).status_code == 200

    def test_the_pages_need_a_login(self, client):
        token_for(make_user(Role.COORDINATOR))
        assert client.get("/account/tokens").status_code == 302
        assert client.get("/account/tokens/1/revoke").status_code == 302


def test_a_name_is_required_and_tokens_are_limited(app, client):
    user = make_user(Role.COORDINATOR)
    login(client, user)
    assert client.post("/account/tokens", data={"name": "  "}).status_code == 200
    assert client.post("/account/tokens", data={"name": "x" * 81}).status_code == 200
    assert client.post("/account/tokens", data={"name": "a\x00b"}).status_code == 200
    assert stored_tokens(app) == []
    for n in range(tokens.MAX_ACTIVE):
        token_for(user, f"t{n}")
    refused = client.post("/account/tokens", data={"name": "one more"})
    assert "Revoke one" in refused.text and not TOKEN.search(refused.text)
    assert len(stored_tokens(app)) == tokens.MAX_ACTIVE


def test_each_token_is_new(app):
    user = make_user(Role.COORDINATOR)
    clear = {token_for(user) for _ in range(5)}
    assert len(clear) == 5 and all(TOKEN.fullmatch(c) for c in clear)


# --- who may read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "bcd_" + "a" * 43,  # no scheme
        "Bearer bcd_" + "a" * 43,  # well formed, unknown
        "Bearer not-one-of-ours",
        "Bearer bcd_" + "a" * 5000,
        "Bearer bcd_ä" + "a" * 42,
    ],
)
def test_no_valid_token_is_401_json(app, client, header):
    workshop = make_workshop()
    token_for(make_user(Role.COORDINATOR))
    headers = {} if header is None else {"Authorization": header}
    for path in (
        "/api/v1/workshops",
        f"/api/v1/workshops/{workshop.id}",
        f"/api/v1/workshops/{workshop.id}/results",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.json["error"]
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')
        assert "Going to Asia" not in response.text


def test_a_session_cookie_alone_is_not_enough(app, client):
    coordinator = make_user(Role.COORDINATOR)
    login(client, coordinator)
    assert client.get("/account/tokens").status_code == 200  # the cookie works for pages
    response = client.get("/api/v1/workshops")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    # With a token, the same client reads; the answer sets no cookie and may not be cached.
    ok = client.get("/api/v1/workshops", headers=bearer(token_for(coordinator)))
    assert ok.status_code == 200 and "Set-Cookie" not in ok.headers
    assert ok.headers["Cache-Control"] == "no-store"


def test_a_disabled_accounts_tokens_stop_working(app, client):
    coordinator = make_user(Role.COORDINATOR)
    clear = token_for(coordinator)
    assert client.get("/api/v1/workshops", headers=bearer(clear)).status_code == 200
    coordinator.active = False
    db.session.commit()
    assert client.get("/api/v1/workshops", headers=bearer(clear)).status_code == 401


def test_a_revoked_token_stops_working_and_others_go_on(app, client):
    coordinator = make_user(Role.COORDINATOR)
    first, second = token_for(coordinator, "a"), token_for(coordinator, "b")
    first_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "a"))
    tokens.revoke_token(coordinator, first_id)
    assert client.get("/api/v1/workshops", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/workshops", headers=bearer(second)).status_code == 200


def test_a_facilitator_reads_only_their_own_workshops(app, client):
    ann, bob = make_user(), make_user()
    mine = make_workshop(ann, title="Ann's")
    theirs = make_workshop(bob, title="Bob's")
    headers = bearer(token_for(ann))
    listed = client.get("/api/v1/workshops", headers=headers).json
    assert [w["id"] for w in listed["workshops"]] == [mine.id] and listed["total"] == 1
    unknown = client.get("/api/v1/workshops/999999", headers=headers)
    for path in (f"/api/v1/workshops/{theirs.id}", f"/api/v1/workshops/{theirs.id}/results"):
        foreign = client.get(path, headers=headers)
        # Exactly like an unknown id: same status, same body.
        assert (foreign.status_code, foreign.json) == (404, unknown.json)
    assert client.get(f"/api/v1/strategy?workshop={theirs.id}", headers=headers).status_code == 404
    both = f"/api/v1/strategy?workshop={mine.id}&workshop={theirs.id}"
    assert client.get(both, headers=headers).status_code == 404
    assert client.get(f"/api/v1/strategy?workshop={mine.id}", headers=headers).status_code == 200
    # A coordinator and an administrator read both.
    for role in (Role.COORDINATOR, Role.ADMIN):
        everyone = bearer(token_for(make_user(role)))
        assert client.get("/api/v1/workshops", headers=everyone).json["total"] == 2
        assert client.get(f"/api/v1/workshops/{theirs.id}", headers=everyone).status_code == 200


def test_the_document_needs_no_token_and_other_methods_are_json(client, app):
    make_user(Role.COORDINATOR)
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.json["openapi"].startswith("3.1")
    headers = bearer(token_for(make_user(Role.COORDINATOR)))
    post = client.post("/api/v1/workshops", headers=headers)
    assert post.status_code == 405 and post.json["error"] and "GET" in post.headers["Allow"]
    assert client.delete("/api/v1/workshops/1", headers=headers).status_code == 405
    for path in ("/api/v1/nothing", "/api/v1/workshops/abc", "/api/v1/workshops/-1", "/api/v1/"):
        missing = client.get(path, headers=headers)
        assert missing.status_code == 404 and missing.json["error"], path
    huge = client.get("/api/v1/workshops/99999999999999999999999", headers=headers)
    assert huge.status_code == 404 and huge.json["error"]


# --- /workshops: filters and pages ------------------------------------------------------------


def dated(workshop: Workshop, day: str, **changes) -> Workshop:
    workshop.created_at = datetime.fromisoformat(day)
    for name, value in changes.items():
        setattr(workshop, name, value)
    db.session.commit()
    return workshop


@pytest.fixture
def five(app) -> dict:
    """Five workshops in three clusters over three months; a coordinator's token."""
    user = make_user()
    rows = {
        "jan_bw": dated(make_workshop(user, title="Jan BW", cluster_id=1), "2026-01-10T09:00:00"),
        "feb_to": dated(make_workshop(user, title="Feb TO", cluster_id=2), "2026-02-01T00:00:00"),
        "feb_bw": dated(
            make_workshop(user, title="Feb BW", cluster_id=1), "2026-02-28T23:59:59", status="archived"
        ),
        "mar_el": dated(make_workshop(user, title="Mar EL", cluster_id=3), "2026-03-15T12:00:00"),
        "mar_bw": dated(make_workshop(user, title="Mar BW", cluster_id=1), "2026-03-15T12:00:00"),
    }
    return {
        "ids": {k: w.id for k, w in rows.items()},
        "headers": bearer(token_for(make_user(Role.COORDINATOR))),
    }


def titles(client, five, query: str = "") -> tuple[list[str], int]:
    response = client.get(f"/api/v1/workshops{query}", headers=five["headers"])
    assert response.status_code == 200, response.json
    return [w["title"] for w in response.json["workshops"]], response.json["total"]


def test_workshops_newest_first_with_filters(client, five):
    newest_first = ["Mar BW", "Mar EL", "Feb BW", "Feb TO", "Jan BW"]  # same moment: higher id first
    assert titles(client, five) == (newest_first, 5)
    assert titles(client, five, "?cluster=bwcon") == (["Mar BW", "Feb BW", "Jan BW"], 3)
    assert titles(client, five, "?status=archived") == (["Feb BW"], 1)
    assert titles(client, five, "?status=open&cluster=bwcon") == (["Mar BW", "Jan BW"], 2)
    # Dates are whole days, both ends included.
    assert titles(client, five, "?from=2026-02-01&to=2026-02-28") == (["Feb BW", "Feb TO"], 2)
    assert titles(client, five, "?from=2026-03-15") == (["Mar BW", "Mar EL"], 2)
    assert titles(client, five, "?to=2026-01-10") == (["Jan BW"], 1)
    assert titles(client, five, "?cluster=cluster-ict") == ([], 0)


def test_workshops_pages(client, five):
    response = client.get("/api/v1/workshops?limit=2&offset=1", headers=five["headers"]).json
    assert [w["title"] for w in response["workshops"]] == ["Mar EL", "Feb BW"]
    assert (response["total"], response["limit"], response["offset"]) == (5, 2, 1)
    seen = []
    for offset in range(0, 6, 2):
        seen += titles(client, five, f"?limit=2&offset={offset}")[0]
    assert seen == titles(client, five)[0]
    assert titles(client, five, "?offset=5") == ([], 5)
    first = client.get("/api/v1/workshops", headers=five["headers"]).json["workshops"][0]
    assert first["links"] == {
        "self": f"/api/v1/workshops/{first['id']}",
        "results": f"/api/v1/workshops/{first['id']}/results",
    }
    assert first["cluster"] == {"slug": "bwcon", "name": "Baden-Württemberg: Connected"}
    assert "join_code" not in first and first["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=abc", "limit"),
        ("?limit=%C2%B2", "limit"),  # a superscript two is a digit to str.isdigit
        ("?limit=+5", "limit"),
        ("?offset=-1", "offset"),
        ("?offset=1000001", "offset"),
        ("?status=closed", "status"),
        ("?cluster=atlantis", "cluster"),
        ("?from=2026-13-01", "from"),
        ("?from=2026-W13-1", "from"),
        ("?to=20260301", "to"),
        ("?from=2026-03-02&to=2026-03-01", "from"),
        ("?limit=5&limit=6", "limit"),
        ("?clustre=bwcon", "clustre"),
        ("?cluster=" + "x" * 65, "cluster"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, five, query, field):
    response = client.get(f"/api/v1/workshops{query}", headers=five["headers"])
    assert response.status_code == 400
    assert response.json["field"] == field and response.json["error"]


def test_a_long_query_and_parameters_where_none_are_taken_are_400(client, five):
    long = "?" + "&".join(f"cluster{n}=x" for n in range(300))
    response = client.get(f"/api/v1/workshops{long}", headers=five["headers"])
    assert response.status_code == 400 and "too long" in response.json["error"]
    wid = five["ids"]["jan_bw"]
    for path in (
        f"/api/v1/workshops/{wid}?x=1",
        f"/api/v1/workshops/{wid}/results?round=1",
        "/api/v1/clusters?a=b",
    ):
        assert client.get(path, headers=five["headers"]).status_code == 400, path


def test_clusters(client, five):
    clusters = client.get("/api/v1/clusters", headers=five["headers"]).json["clusters"]
    assert {"slug": "bwcon", "name": "Baden-Württemberg: Connected"} in clusters
    assert len(clusters) == 5


# --- summary and results ---------------------------------------------------------------------


def add_round(workshop: Workshop, number: int, method: str, options: list[tuple], **settings) -> Round:
    """A round written straight to the database (the voting services are tested elsewhere)."""
    round_ = Round(
        workshop_id=workshop.id,
        number=number,
        title=f"Round {number}",
        method=method,
        target=settings.pop("target", "items"),
        **settings,
    )
    round_.options = [
        RoundOption(item_id=item_id, label=label, country=country, position=n)
        for n, (item_id, label, country) in enumerate(options)
    ]
    if method == "scores":
        round_.criteria = [
            Criterion(name="Market potential", weight=2.0, position=0),
            Criterion(name="Capital", weight=1.0, position=1),
        ]
    db.session.add(round_)
    db.session.commit()
    return round_


def ballot(round_: Round, participant: Participant, data, cluster_id: int | None = None) -> None:
    db.session.add(
        Ballot(
            round_id=round_.id,
            voter=f"p{participant.id}" if not round_.anonymous else f"anon-{participant.id}",
            participant_id=None if round_.anonymous else participant.id,
            segment_cluster_id=cluster_id,
            data=data,
            total=0,
        )
    )
    db.session.commit()


@pytest.fixture
def voted(app) -> dict:
    """A workshop with a theme, items (one hidden), a closed dot vote with four voters in one cluster,
    a closed scoring round on two markets, and an open anonymous round."""
    workshop = make_workshop(phase="vote")
    people = [make_participant(workshop, name) for name in ("Ada", "Bob", "Cy", "Di")]
    theme = make_theme(workshop, "Asia")
    tokyo = make_item(workshop, people[0].id, "A Tokyo desk", theme_id=theme.id)
    booth = make_item(workshop, None, "A booth in Singapore")
    make_item(workshop, None, "Spam", state="hidden")
    india = make_item(workshop, None, "India", kind="market", country="IN")
    brazil = make_item(workshop, None, "Brazil", kind="market", country="BR")
    dots = add_round(
        workshop, 1, "dots", [(tokyo.id, tokyo.text, None), (booth.id, booth.text, None)], status="closed"
    )
    t, b = (str(o.id) for o in dots.options)
    for person, data in zip(people, [{t: 3, b: 2}, {t: 3}, {b: 1}, {t: 2, b: 2}], strict=True):
        ballot(dots, person, data, cluster_id=2)
    scores = add_round(
        workshop,
        2,
        "scores",
        [(india.id, "India", "IN"), (brazil.id, "Brazil", "BR")],
        target="markets",
        status="closed",
    )
    i, br = (str(o.id) for o in scores.options)
    c1, c2 = (str(c.id) for c in scores.criteria)
    ballot(scores, people[0], {i: {c1: 5, c2: 2}, br: {c1: 2, c2: 5}})
    ballot(scores, people[1], {i: {c1: 4, c2: 4}})
    secret = add_round(workshop, 3, "dots", [(tokyo.id, tokyo.text, None)], anonymous=True)
    ballot(secret, people[2], {str(secret.options[0].id): 3})
    headers = bearer(token_for(make_user(Role.COORDINATOR)))
    return {
        "workshop": workshop,
        "ids": (tokyo.id, booth.id, india.id, brazil.id),
        "theme": theme.id,
        "headers": headers,
    }


def test_summary_counts_themes_items_rounds(client, voted):
    workshop = voted["workshop"]
    tokyo, booth, india, brazil = voted["ids"]
    body = client.get(f"/api/v1/workshops/{workshop.id}", headers=voted["headers"]).json
    assert body["counts"] == {
        "participants": 4,
        "ideas": 2,
        "markets": 2,
        "comments": 0,
        "themes": 1,
        "rounds": 3,
    }
    assert body["themes"] == [
        {"id": voted["theme"], "name": "Asia", "color": "#1d4ed8", "position": 0, "items": [tokyo]}
    ]
    # The hidden item is not an outcome; the others keep their real ids.
    assert sorted(i["id"] for i in body["items"]) == sorted(voted["ids"])
    assert "Spam" not in str(body)
    assert {i["id"]: i["country_name"] for i in body["items"]}[india] == "India"
    assert [(r["number"], r["method"], r["status"], r["anonymous"]) for r in body["rounds"]] == [
        (1, "dots", "closed", False),
        (2, "scores", "closed", False),
        (3, "dots", "open", True),
    ]
    assert body["workshop"]["phase"] == "vote" and "join_code" not in body["workshop"]


def test_results_with_real_ids(client, voted):
    workshop = voted["workshop"]
    tokyo, booth, india, brazil = voted["ids"]
    body = client.get(f"/api/v1/workshops/{workshop.id}/results", headers=voted["headers"]).json
    assert body["workshop_id"] == workshop.id
    dots, scores, secret = body["rounds"]

    option = {o["id"]: o["item_id"] for o in dots["options"]}
    standings = [
        (option[s["option_id"]], s["points"], s["voters"], s["rank"]) for s in dots["results"]["standings"]
    ]
    assert standings == [(tokyo, 8, 3, 1), (booth, 5, 3, 2)]
    assert (dots["results"]["voted"], dots["results"]["eligible"], dots["results"]["sealed"]) == (4, 4, False)
    # Four voters of one cluster form a segment; the sector segment is empty (no sector given).
    [segment] = dots["results"]["by_cluster"]["segments"]
    assert segment["segment"] == "Fondazione Torino Wireless" and segment["voters"] == 4
    assert [s["points"] for s in segment["results"]] == [8, 5]

    option = {o["id"]: o["item_id"] for o in scores["options"]}
    criteria = [c["id"] for c in scores["criteria"]]
    rows = {option[s["option_id"]]: s for s in scores["results"]["standings"]}
    # India: means 4.5 and 3.0, weights 2:1 -> 4.0; Brazil scored once (2, 5) -> 3.0.
    assert (rows[india]["weighted_score"], rows[india]["rank"], rows[india]["voters"]) == (4.0, 1, 2)
    assert (rows[brazil]["weighted_score"], rows[brazil]["rank"]) == (3.0, 2)
    assert [c["criterion"] for c in rows[india]["criteria"]] == criteria

    # The open anonymous round is sealed: counts only, no standings, for the API too (UNLINK).
    assert secret["results"] == {"voted": 1, "eligible": 4, "method": "dots", "sealed": True}


def test_strategy_is_the_strategy_services_dataset(client, voted):
    wid = voted["workshop"].id
    body = client.get(f"/api/v1/strategy?workshop={wid}", headers=voted["headers"]).json
    expected = strategy_services.joint_strategy([wid])
    body.pop("generated_at"), expected.pop("generated_at")
    assert body == expected and body["missing"] == []
    assert [m["country"] for m in body["markets"]] == ["IN", "BR"]


@pytest.mark.parametrize(
    "query",
    ["", "?workshop=", "?workshop=x", "?workshop=1&workshop=1", "?workshop=0", "?w=1", "?workshop=1&x=2"],
)
def test_strategy_bad_parameters(client, voted, query):
    response = client.get(f"/api/v1/strategy{query}", headers=voted["headers"])
    assert response.status_code == 400 and response.json["error"]


def test_strategy_unknown_workshop_is_404(client, voted):
    wid = voted["workshop"].id
    response = client.get(f"/api/v1/strategy?workshop={wid}&workshop=99999", headers=voted["headers"])
    assert response.status_code == 404
