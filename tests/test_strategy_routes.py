"""Coordinator pages over HTTP: who may open them, filters, the joint page and its downloads, and
confirming, renaming, dissolving and dismissing recurring themes."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import Role, StrategyTheme, Workshop
from app.strategy import services, themes
from tests.conftest import login, make_user, make_workshop
from tests.test_strategy_services import no_tally_timer, three_workshops  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fast_passwords", "no_tally_timer")

PAGES = [
    "/coordinate",
    "/coordinate/workshops/{id}",
    "/coordinate/joint?w={id}",
    "/coordinate/joint/export/json?w={id}",
]
POSTS = [
    "/coordinate/themes",
    "/coordinate/themes/dismiss",
    "/coordinate/themes/1/rename",
    "/coordinate/themes/1/dissolve",
]


@pytest.fixture
def coordinator(client):
    return login(client, make_user(Role.COORDINATOR))


def ids_query(*rooms) -> str:
    return "&".join(f"w={r.workshop.id}" for r in rooms)


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client):
    workshop = make_workshop()
    for path in PAGES:
        response = client.get(path.format(id=workshop.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for path in POSTS:
        response = client.post(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_facilitators_may_not_open_coordinator_pages(client):
    facilitator = make_user()
    workshop = make_workshop(facilitator)
    login(client, facilitator)
    for path in PAGES:
        assert client.get(path.format(id=workshop.id)).status_code == 403, path
    for path in POSTS:
        assert client.post(path).status_code == 403, path
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 0


def test_coordinators_and_admins_may(app, client):
    workshop = make_workshop()
    for role in (Role.COORDINATOR, Role.ADMIN):
        http = login(app.test_client(), make_user(role))
        for path in PAGES:
            assert http.get(path.format(id=workshop.id)).status_code == 200, (role, path)
    coordinator = login(client, make_user(Role.COORDINATOR))
    response = coordinator.get("/workshops")
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinate")
    assert coordinator.get("/coordinate/workshops/999999").status_code == 404


# --- overview -----------------------------------------------------------------------------


def test_overview_lists_filters_and_links(app, coordinator):
    a, b, c = three_workshops()
    page = coordinator.get("/coordinate").text
    for room in (a, b, c):
        wid = room.workshop.id
        assert f'name="w" value="{wid}"' in page
        assert f'href="/coordinate/workshops/{wid}"' in page
        for fmt in ("csv", "xlsx", "json", "pdf"):
            assert f'href="/workshops/{wid}/export/{fmt}"' in page
    assert 'action="/coordinate/joint"' in page
    assert "India — a market" in page and "4.50 / 5" in page  # A's top result

    page = coordinator.get("/coordinate?cluster=torino-wireless").text
    assert "B small room" in page and "A big room" not in page
    page = coordinator.get("/coordinate?status=archived").text
    assert "No workshop matches these filters." in page
    # A bad date is shown as an error and does not filter; nor does an unknown cluster.
    page = coordinator.get("/coordinate?date_from=2024-13-40&cluster=nowhere").text
    assert "A big room" in page and "B small room" in page and 'class="error"' in page
    page = coordinator.get("/coordinate?date_from=2030-01-02&date_to=2030-01-01").text
    assert "The end date comes before the start date." in page


def test_user_text_is_escaped(app, coordinator):
    a, b, c = three_workshops()
    db.session.get(Workshop, a.workshop.id).title = "<script>alert(1)</script>"
    db.session.commit()
    for path in (
        "/coordinate",
        f"/coordinate/joint?{ids_query(a, b)}",
        f"/coordinate/workshops/{a.workshop.id}",
    ):
        page = coordinator.get(path).text
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page, path


def test_workshop_page_shows_rounds_themes_and_items(app, coordinator):
    a, b, c = three_workshops()
    page = coordinator.get(f"/coordinate/workshops/{c.workshop.id}").text
    assert f'id="round-{c.rounds[1]["id"]}"' in page
    assert f'id="item-{c.markets["IN"]}"' in page and f'href="#item-{c.markets["IN"]}"' in page
    assert "Access to funding" in page and "still open" in page
    assert "4.00 / 5" in page and "3.00 / 5" in page


# --- the joint page -------------------------------------------------------------------------


def test_joint_page_numbers_link_back(app, coordinator):
    a, b, c = three_workshops()
    page = coordinator.get(f"/coordinate/joint?{ids_query(a, b, c)}&w=999999&w=abc").text
    assert "Left out, as no workshop has these ids: 999999, abc" in page
    countries = re.findall(r'<tr id="market-([A-Z]{2})">', page)
    assert countries == ["IN", "BR", "JP", "VN"]
    assert "4.00" in page and "Baden-Württemberg: Connected" in page
    # How far the workshops agree, in words and figures (the numbers of the hand-computed fixture).
    japan = page.split('<tr id="market-JP">', 1)[1].split("</tr>", 1)[0]
    assert "the workshops agree" in japan and "from 2.39 to 2.89" in japan
    assert "the workshops disagree" in page.split('<tr id="market-IN">', 1)[1].split("</tr>", 1)[0]
    # Bars start at 1: Japan's 2.64 is drawn 41% long, not as an empty bar.
    assert 'data-width="41.0"' in japan
    # Each source links to its workshop and round, and to the proposal behind the number.
    assert f'href="/coordinate/workshops/{c.workshop.id}#round-{c.rounds[1]["id"]}"' in page
    assert f'href="/coordinate/workshops/{a.workshop.id}#item-{a.markets["IN"]}"' in page
    assert "leniency" in page and "not as an empty bar" in page
    for fmt in ("xlsx", "pdf", "json"):
        assert (
            f"/coordinate/joint/export/{fmt}?w={a.workshop.id}&amp;w={b.workshop.id}&amp;w={c.workshop.id}"
            in page
        )


def test_joint_page_without_workshops_says_what_to_do(coordinator):
    page = coordinator.get("/coordinate/joint").text
    assert "Choose the workshops first" in page and "/coordinate/joint/export" not in page
    assert coordinator.get("/coordinate/joint/export/json?w=424242").status_code == 400
    assert coordinator.get("/coordinate/joint/export/csv?w=1").status_code == 404


def test_joint_json_download(app, coordinator):
    a, b, c = three_workshops()
    response = coordinator.get(f"/coordinate/joint/export/json?{ids_query(a, b, c)}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert re.fullmatch(
        r'attachment; filename="?joint-strategy-\d{4}-\d\d-\d\d\.json"?',
        response.headers["Content-Disposition"],
    )
    data = json.loads(response.data)
    assert [(m["country"], m["score"]) for m in data["markets"]] == [
        ("IN", 4.0),
        ("BR", 3.8056),
        ("JP", 2.6389),
        ("VN", 2.2222),
    ]
    expected = services.joint_strategy([a.workshop.id, b.workshop.id, c.workshop.id])
    assert {k: v for k, v in data.items() if k != "generated_at"} == {
        k: v for k, v in expected.items() if k != "generated_at"
    }


def test_joint_xlsx_download_keeps_user_text_inert(app, coordinator):
    a, b, c = three_workshops()
    ids = [t["theme_id"] for t in themes.suggestions([a.workshop, b.workshop, c.workshop])[0]["themes"]]
    themes.confirm(make_user(Role.COORDINATOR), ids, '=HYPERLINK("http://x","y")')
    response = coordinator.get(f"/coordinate/joint/export/xlsx?{ids_query(a, b, c)}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Markets",
        "Sources",
        "Teams",
        "Matches",
        "Workshops",
        "Recurring themes",
        "Method",
    ]
    markets = [row for row in book["Markets"].iter_rows(values_only=True)]
    assert markets[0][:5] == ("Rank", "Country code", "Target market", "Joint score (1-5)", "Workshops")
    assert markets[0][5:] == (
        "Lowest", "Highest", "Agreement", "Baden-Württemberg: Connected", "Fondazione Torino Wireless"
    )  # fmt: skip
    assert markets[1] == (1, "IN", "India", 4.0, 3, 3.2222, 4.8889, "the workshops disagree", 4.3889, 3.2222)
    assert markets[3] == (3, "JP", "Japan", 2.6389, 2, 2.3889, 2.8889, "the workshops agree", 2.6389, None)
    cell = book["Recurring themes"]["A2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    assert len(list(book["Sources"].iter_rows())) == 1 + 3 + 2 + 2 + 1


def test_joint_pdf_download(app, coordinator):
    a, b, c = three_workshops()
    response = coordinator.get(f"/coordinate/joint/export/pdf?{ids_query(a, b, c)}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "India" in text and "A big room" in text


# --- recurring themes over HTTP --------------------------------------------------------------


def test_confirm_rename_dissolve_through_the_page(app, coordinator):
    a, b, c = three_workshops()
    query = ids_query(a, b, c)
    page = coordinator.get(f"/coordinate/joint?{query}").text
    key = re.search(r'name="themes" value="([\d-]+)"', page).group(1)
    response = coordinator.post(f"/coordinate/themes?{query}", data={"themes": key, "name": "Capital"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/coordinate/joint?{query}#themes"
    )
    page = coordinator.get(f"/coordinate/joint?{query}").text
    assert "“Capital” is confirmed as a recurring theme." in page
    assert "in 3 workshops" in page and 'name="themes"' not in page  # no suggestion left
    theme = db.session.scalar(sa.select(StrategyTheme))

    coordinator.post(f"/coordinate/themes/{theme.id}/rename?{query}", data={"name": "Money"})
    assert "Money" in coordinator.get(f"/coordinate/joint?{query}").text
    response = coordinator.post(f"/coordinate/themes/{theme.id}/rename?{query}", data={"name": ""})
    assert "was not renamed" in coordinator.get(response.headers["Location"]).text

    page = coordinator.get(f"/coordinate/themes/{theme.id}/dissolve?{query}").text
    assert "Dissolve “Money”?" in page and 'method="post"' in page
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 1  # GET only asks
    coordinator.post(f"/coordinate/themes/{theme.id}/dissolve?{query}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 0
    assert coordinator.get(f"/coordinate/themes/{theme.id}/dissolve").status_code == 404
    # A rename sent after another coordinator dissolved it: the joint page says so.
    response = coordinator.post(f"/coordinate/themes/{theme.id}/rename?{query}", data={"name": "Late"})
    assert "does not exist (any more)" in coordinator.get(response.headers["Location"]).text
    response = coordinator.post(f"/coordinate/themes/dismiss?{query}", data={"themes": "abc"})
    assert "was not dismissed" in coordinator.get(response.headers["Location"]).text


def test_confirm_refusals_are_shown(app, coordinator):
    a, b, c = three_workshops()
    query = ids_query(a, b, c)
    for themes_, message in (
        ("abc", "The theme was not confirmed"),
        (str(a.workshop.id), "Choose at least two themes."),
        ("999998-999999", "One of these themes does not exist any more."),
    ):
        response = coordinator.post(f"/coordinate/themes?{query}", data={"themes": themes_, "name": "X"})
        assert response.status_code == 302
        assert message in coordinator.get(response.headers["Location"]).text
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 0


def test_dismissed_suggestions_stay_away_for_every_coordinator(app, coordinator, client):
    a, b, c = three_workshops()
    query = ids_query(a, b, c)
    key = re.search(
        r'name="themes" value="([\d-]+)"', coordinator.get(f"/coordinate/joint?{query}").text
    ).group(1)
    coordinator.post(f"/coordinate/themes/dismiss?{query}", data={"themes": key})
    page = coordinator.get(f"/coordinate/joint?{query}").text
    assert f'value="{key}"' not in page and "No suggestion" in page
    login(client, make_user(Role.COORDINATOR, email="second@example.org"))
    assert f'value="{key}"' not in client.get(f"/coordinate/joint?{query}").text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_theme_posts_need_the_csrf_token(app, client):
    a, b, c = three_workshops()
    user = make_user(Role.COORDINATOR)
    token = csrf_token(client.get("/login").text)
    client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    query = ids_query(a, b, c)
    page = client.get(f"/coordinate/joint?{query}").text
    key = re.search(r'name="themes" value="([\d-]+)"', page).group(1)
    assert (
        client.post(f"/coordinate/themes?{query}", data={"themes": key, "name": "Capital"}).status_code == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 0
    data = {"themes": key, "name": "Capital", "csrf_token": csrf_token(page)}
    client.post(f"/coordinate/themes?{query}", data=data)
    assert db.session.scalar(sa.select(sa.func.count(StrategyTheme.id))) == 1


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)
