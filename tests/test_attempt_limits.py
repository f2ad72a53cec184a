"""Wrong join codes and wrong logins are limited without locking a venue out: a whole room (and
its staff) shares one address. Only failures count; a right join code always joins; a right
password logs in unless its own account is under attack or its address sprays many accounts.
Each test runs with the limits counted in memory and in Redis (RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import pytest

from tests.conftest import make_user, make_workshop

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


def test_a_right_code_joins_after_the_address_used_up_its_wrong_codes(app, client):
    """One phone mistyping 20 times used to lock the whole room out for a minute."""
    workshop = make_workshop()
    limit = int(app.config["RATELIMIT_JOIN"].split()[0])
    wrong = [client.post("/", data={"code": "ZZZZZZ"}, environ_base=VENUE).status_code for _ in range(limit)]
    assert wrong == [404] * limit
    assert client.get("/j/ZZZZZZ", environ_base=VENUE).status_code == 429  # wrong codes are slowed
    neighbour = app.test_client()  # another phone behind the venue's address
    code = workshop.join_code
    assert neighbour.post("/", data={"code": code.lower()}, environ_base=VENUE).status_code == 302
    assert neighbour.get(f"/j/{code}", environ_base=VENUE).status_code == 200
    joined = neighbour.post(
        f"/j/{code}", data={"display_name": "Ada", "consent": "y", "cluster_id": "0"}, environ_base=VENUE
    )
    assert joined.status_code == 302
    assert b"data-propose" in neighbour.get(f"/j/{code}", environ_base=VENUE).data
    assert client.post("/", data={"code": "ZZZZZZ"}, environ_base=address(1)).status_code == 404


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
