"""Login throttling per account and address, and per address alone (higher): guessing one
person's password is slowed down, but colleagues behind one office router (one address)
do not lock each other out."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD

OFFICE = {"REMOTE_ADDR": "192.0.2.10"}
HOME = {"REMOTE_ADDR": "198.51.100.7"}


def _fail(client, email, environ):
    return client.post(
        "/account/login",
        data={"email": email, "password": "fout-fout-fout"},
        environ_base=environ,
    ).status_code


def test_a_colleague_behind_the_same_router_still_logs_in(app, client, create_user):
    guessed = create_user(email="doelwit@example.org")
    colleague = create_user(email="collega@example.org")
    assert [_fail(client, guessed.email, OFFICE) for _ in range(10)] == [200] * 10
    assert _fail(client, guessed.email, OFFICE) == 429
    locked = client.post(
        "/account/login",
        data={"email": guessed.email, "password": TEST_PASSWORD},
        environ_base=OFFICE,
    )
    assert locked.status_code == 429
    assert "Te veel mislukte aanmeldpogingen" in locked.get_data(as_text=True)

    # Same address, another account: not locked.
    response = client.post(
        "/account/login",
        data={"email": colleague.email, "password": TEST_PASSWORD},
        environ_base=OFFICE,
    )
    assert response.status_code == 302
    client.post("/account/logout")
    # The guessed person from home: not locked either.
    home = app.test_client().post(
        "/account/login",
        data={"email": guessed.email, "password": TEST_PASSWORD},
        environ_base=HOME,
    )
    assert home.status_code == 302


def test_one_address_trying_many_accounts_is_stopped(app, client, create_user):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "30 per minute"
    try:
        statuses = [_fail(client, f"persoon{n}@example.org", OFFICE) for n in range(31)]
    finally:
        app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "60 per minute"
    assert statuses == [200] * 30 + [429]
    assert _fail(client, "iemand@example.org", HOME) == 200
