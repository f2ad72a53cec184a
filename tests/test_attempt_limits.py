"""Wrong join codes and wrong logins are limited without locking a venue out: a whole room (and
its staff) shares one address. Only failures count; a code joined from an address keeps joining
there, while past the limit every other code is refused alike; a right password logs in unless
its own account is under attack (and this is not its owner's browser) or its address sprays
many accounts. Each test runs with the limits counted in memory and in Redis
(RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import in_room, make_user, make_workshop

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery"
VENUE = {"REMOTE_ADDR": "192.0.2.10"}


@pytest.fixture(scope="module")
def redis_url():
    from tests.services import redis

    with redis() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    if request.param == "memory":
        return "memory://"
    import redis as client

    url = request.getfixturevalue("redis_url")
    client.Redis.from_url(url).flushall()  # each test starts with nothing counted
    return url


@pytest.fixture
def app_config(storage) -> dict:
    return {"RATELIMIT_STORAGE_URI": storage}


def log_in(client, email: str, password: str = PASSWORD, address: dict = VENUE) -> int:
    response = client.post("/login", data={"email": email, "password": password}, environ_base=address)
    return response.status_code


def address(n: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


# --- join codes ---------------------------------------------------------------------------------


def join_as(client, code: str, name: str, address: dict = VENUE) -> int | str:
    """ "joined" (the form's answer is the room), else the refusal's status."""
    data = {"display_name": name, "consent": "y", "cluster_id": "0"}
    response = client.post(f"/j/{code}", data=data, environ_base=address)
    return "joined" if in_room(response) else response.status_code


def test_a_venue_keeps_joining_its_workshop_while_a_guesser_there_is_stopped(app, client):
    """The first phone joins; someone on the same Wi-Fi then guesses codes. Past the limit the
    guesser is refused every code, right ones included, while the room's code still joins."""
    workshop, elsewhere = make_workshop(), make_workshop()
    code = workshop.join_code
    assert join_as(app.test_client(), code, "Ada") == "joined"
    limit = int(app.config["RATELIMIT_JOIN"].split()[0])
    wrong = [client.post("/", data={"code": "ZZZZZZ"}, environ_base=VENUE).status_code for _ in range(limit)]
    assert wrong == [404] * limit
    # Past the limit, a wrong code and another workshop's right code get the same answer.
    for other in ("ZZZZZZ", elsewhere.join_code, elsewhere.join_code.lower()):
        assert client.post("/", data={"code": other}, environ_base=VENUE).status_code == 429, other
        assert client.get(f"/j/{other}", environ_base=VENUE).status_code == 429, other
    neighbour = app.test_client()  # another phone behind the venue's address, with the room's code
    assert neighbour.post("/", data={"code": code.lower()}, environ_base=VENUE).status_code == 302
    assert neighbour.get(f"/j/{code}", environ_base=VENUE).status_code == 200
    assert join_as(neighbour, code, "Bob") == "joined"
    assert b"data-propose" in neighbour.get(f"/j/{code}", environ_base=VENUE).data
    # Another address is not touched; the guesser's is still stopped.
    assert (
        app.test_client().post("/", data={"code": elsewhere.join_code}, environ_base=address(1)).status_code
        == 302
    )
    assert client.get(f"/j/{elsewhere.join_code}", environ_base=VENUE).status_code == 429


def test_past_the_limit_a_right_code_tells_nothing(app, client):
    """The refusal is the same page whatever the code: no oracle for codes never joined from here."""
    right = make_workshop().join_code
    limit = int(app.config["RATELIMIT_JOIN"].split()[0])
    for _ in range(limit):
        client.get("/j/ZZZZZZ", environ_base=VENUE)
    answers = {c: client.get(f"/j/{c}", environ_base=VENUE) for c in (right, "ZZZZZZ")}
    assert {c: r.status_code for c, r in answers.items()} == {right: 429, "ZZZZZZ": 429}
    assert answers[right].data == answers["ZZZZZZ"].data


class TestARedisOutage:
    """The limits' Redis is away: a wrong code is answered as such (not 500), a right one joins,
    and the outage is logged once."""

    @pytest.fixture
    def app_config(self) -> dict:
        from tests.live import free_port

        return {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"}

    def test_fails_open(self, app, client, caplog, monkeypatch):
        from app import outages

        monkeypatch.setattr(logging.getLogger("app.outages"), "disabled", False)  # see test_outages
        monkeypatch.setattr(outages, "redis", outages.Outage("Redis"))
        code = make_workshop().join_code
        with caplog.at_level(logging.ERROR, logger="app.outages"):
            for _ in range(3):
                assert client.post("/", data={"code": "ZZZZZZ"}, environ_base=VENUE).status_code == 404
                assert client.get("/j/ZZZZZZ", environ_base=VENUE).status_code == 404
            assert client.post("/", data={"code": code}, environ_base=VENUE).status_code == 302
            assert join_as(client, code, "Ada") == "joined"
        assert [r.getMessage().split(":")[0] for r in caplog.records] == ["Redis unavailable"]
        assert outages.redis.down


# --- logins -------------------------------------------------------------------------------------


def test_colleagues_typos_do_not_lock_out_a_right_password(app, client):
    """Four colleagues mistype three times each at the venue; the fifth logs in."""
    for n in range(4):
        email = make_user(email=f"colleague{n}@example.org").email
        assert [log_in(client, email, "not the password") for _ in range(3)] == [200] * 3
    assert log_in(client, make_user(email="fifth@example.org").email) == 302


def test_right_passwords_are_never_counted(app, client):
    user = make_user(email="often@example.org")
    assert [log_in(app.test_client(), user.email) for _ in range(15)] == [302] * 15


class TestAnAccountUnderAttack:
    @pytest.fixture
    def app_config(self, storage) -> dict:
        return {"RATELIMIT_STORAGE_URI": storage, "RATELIMIT_LOGIN_ACCOUNT": "3 per 15 minutes"}

    def test_waits_even_with_its_password(self, app, client):
        """Wrong passwords for one account from many addresses use up that account's budget; its
        right password then waits too, and other accounts are not touched."""
        victim = make_user(email="victim@example.org")
        assert [log_in(client, " Victim@Example.org", "guess", address(n)) for n in range(3)] == [200] * 3
        assert log_in(client, victim.email, PASSWORD, address(200)) == 429
        assert log_in(client, make_user(email="other@example.org").email, PASSWORD, address(1)) == 302


class TestTheOwnersBrowser:
    """A stranger who knows the email can use up the account's budget; the browser its owner
    logged in from before has a device cookie, and is held only by its own budget."""

    @pytest.fixture
    def app_config(self, storage) -> dict:
        return {
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_LOGIN_ACCOUNT": "3 per 15 minutes",
            "RATELIMIT_LOGIN_DEVICE": "2 per 15 minutes",
        }

    def owner(self, app, email: str):
        browser = app.test_client()
        response = browser.post(
            "/login", data={"email": email, "password": PASSWORD}, environ_base=address(100)
        )
        assert response.status_code == 302
        [cookie] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("bridge_device=")]
        assert {"HttpOnly", "SameSite=Lax", "Path=/login"} <= set(
            cookie.split("; ")
        ) and "Secure" not in cookie
        assert email.split("@")[0] not in cookie  # the account is named by a digest, not by its email
        return browser

    def test_still_logs_in_while_strangers_are_held(self, app, client):
        victim = make_user(email="victim@example.org")
        owner = self.owner(app, victim.email)
        assert [log_in(client, victim.email, "guess", address(n)) for n in range(3)] == [200] * 3
        assert log_in(app.test_client(), victim.email, PASSWORD, address(200)) == 429  # a stranger waits
        assert log_in(owner, victim.email, PASSWORD, address(100)) == 302
        assert log_in(owner, " Victim@Example.org", PASSWORD, address(101)) == 302  # as login finds it

    def test_counts_its_failures_against_itself_only(self, app, client):
        victim = make_user(email="victim@example.org")
        owner = self.owner(app, victim.email)
        assert [log_in(owner, victim.email, "typo", address(100)) for _ in range(2)] == [200] * 2
        assert log_in(owner, victim.email, PASSWORD, address(100)) == 429  # the device's budget is spent
        # The account's is not: with a stranger's failure it would be spent too (3) if they counted.
        assert log_in(client, victim.email, "guess", address(1)) == 200
        assert log_in(client, victim.email, PASSWORD, address(2)) == 302

    def test_helps_only_the_account_it_names(self, app, client):
        victim, other = make_user(email="victim@example.org"), make_user(email="other@example.org")
        browser = self.owner(app, other.email)
        assert [log_in(client, victim.email, "guess", address(n)) for n in range(3)] == [200] * 3
        assert log_in(browser, victim.email, PASSWORD, address(100)) == 429
        forged = app.test_client()
        cookie = browser.get_cookie("bridge_device", path="/login").value
        forged.set_cookie(
            "bridge_device", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"), path="/login"
        )
        assert log_in(forged, victim.email, PASSWORD, address(100)) == 429
        assert log_in(forged, other.email, PASSWORD, address(100)) == 302  # the account itself is fine


def test_the_device_cookie_is_secure_over_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True  # what PUBLIC_URL=https://... sets
    user = make_user(email="secure@example.org")
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    [cookie] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("bridge_device=")]
    assert "Secure" in cookie.split("; ")


class TestAnAddressThatSpraysAccounts:
    @pytest.fixture
    def app_config(self, storage) -> dict:
        return {"RATELIMIT_STORAGE_URI": storage, "RATELIMIT_LOGIN_ADDRESS": "6 per 15 minutes"}

    def test_is_stopped_there_and_only_there(self, app, client):
        user = make_user(email="staff@example.org")
        for n in range(6):
            assert log_in(client, f"guess{n}@example.org", "password1") == 200
        assert log_in(client, user.email) == 429
        assert log_in(client, user.email, PASSWORD, address(7)) == 302
