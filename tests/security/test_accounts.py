"""Accounts against curious users: the password policy, a reset that reveals nothing,
rate limits on registration, reset and token creation."""

from __future__ import annotations

import base64
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from lms.accounts import passwords
from lms.accounts.passwords import common_passwords, password_problems

TOO_COMMON = "te bekend"


def test_the_list_is_a_real_one_and_its_licence_ships_with_it():
    assert len(common_passwords()) > 25_000
    for entry in ("123456", "qwerty", "wachtwoord", "azertyuiop", "welkom", "vlaanderen"):
        assert entry in common_passwords()
    assert not any(entry.startswith("#") for entry in common_passwords())
    licence = passwords.COMMON_PASSWORDS_FILE.with_name("common_passwords_LICENSE.txt")
    text = licence.read_text(encoding="utf-8")
    assert "Django Software Foundation" in text and "Permission is hereby granted" in text


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # English classic with digits
        "Wachtwoord2026!",  # Dutch, capital, year, sign
        "P@ssw0rd!2025",  # letters written as signs
        "azertyuiop123",  # the Belgian keyboard row
        "2024zomer2024",  # digits on both sides
        "wacht-woord-99",  # split up
        "Robbe-2015!!",  # a Flemish first name and a year
        "Vlaanderen1302",
        "iloveyou12345",
        "Samenlevingsopbouw1",
    ],
)
def test_common_passwords_and_their_usual_disguises_are_refused(password):
    problems = password_problems(password)
    assert any(TOO_COMMON in p for p in problems), (password, problems)


@pytest.mark.parametrize(
    "password",
    [
        "Fietsen-langs-de-Leie-7",
        "kat zat op de mat van oma",
        "Gr8-blauwe-olifant-loopt",
        "zonnebloem1",
    ],
)
def test_long_uncommon_passwords_pass(password):
    assert password_problems(password, email="an.peeters@example.org", name="An Peeters") == []


def test_short_and_personal_passwords_are_refused_in_dutch():
    assert password_problems("Xq7-vb!") == ["Kies een wachtwoord van minstens 10 tekens."]
    assert "Gebruik je e-mailadres niet in je wachtwoord." in password_problems(
        "an.peeters-2026", email="an.peeters@example.org"
    )
    assert "Gebruik je naam niet als wachtwoord." in password_problems(
        "Vandenbroeck-1977", name="Pieter Vandenbroeck"
    )
    assert "Dit wachtwoord herhaalt te weinig verschillende tekens." in password_problems(
        "abababababab"
    )


def test_registration_explains_a_common_password_next_to_the_field(client):
    response = client.post(
        "/account/register",
        data={
            "name": "Sara Janssens",
            "email": "sara@example.org",
            "password": "Welkom2026!",
            "password_again": "Welkom2026!",
        },
    )
    html = response.get_data(as_text=True)
    assert "Dit wachtwoord is te bekend" in html
    assert 'id="password-error"' in html


# --- Password reset: the same answer and the same work, known address or not ---------------


def _reset(client, email):
    return client.post("/account/forgot", data={"email": email})


def test_reset_answers_the_same_for_known_and_unknown_addresses(
    app, create_user, queued_mails, monkeypatch
):
    create_user(email="an@example.org")
    work: list[str] = []
    # Mail is rendered by the worker, never in the request: signing is the work that shows.
    real_dumps = URLSafeTimedSerializer.dumps
    monkeypatch.setattr(
        URLSafeTimedSerializer,
        "dumps",
        lambda self, *a, **k: work.append("sign") or real_dumps(self, *a, **k),
    )

    def answer(email):
        work.clear()
        client = app.test_client()
        response = _reset(client, email)
        done = list(work)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        page = re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]*"', "csrf", page)
        return (response.status_code, response.headers["Location"], page), done

    known, known_work = answer("an@example.org")
    unknown, unknown_work = answer("niemand@example.org")
    assert known == unknown
    assert "Als er een account bestaat met dit e-mailadres" in known[2]
    # The same work: the same signed tokens (nothing is rendered in the request).
    assert known_work == unknown_work
    assert "sign" in known_work
    # …but only the real account gets the mail.
    assert [m.to_email for m in queued_mails("password_reset")] == ["an@example.org"]


def test_a_deactivated_account_gets_no_reset_mail_and_the_same_answer(
    client, create_user, queued_mails
):
    create_user(email="weg@example.org", active=False)
    response = _reset(client, "weg@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    assert queued_mails() == []


# --- Rate limits --------------------------------------------------------------------------


def test_registration_is_rate_limited(client):
    data = {"name": "X", "email": "geen-email", "password": "x", "password_again": "x"}
    statuses = [client.post("/account/register", data=data).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    response = client.post("/account/register", data=data)
    assert "Probeer het over een uur opnieuw" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 60
    # Reading the form is never limited.
    assert client.get("/account/register").status_code == 200


def test_reset_requests_are_rate_limited(client):
    statuses = [_reset(client, f"x{i}@example.org").status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]


def test_token_creation_is_rate_limited_on_the_page_and_the_api(login, create_user, client):
    user = create_user(email="tok@example.org")
    login(user)
    statuses = [
        client.post("/account/tokens", data={"label": f"t{i}"}).status_code for i in range(11)
    ]
    assert statuses == [200] * 10 + [429]

    basic = base64.b64encode(b"tok@example.org:fout-fout-fout").decode()
    api = [
        client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"}).status_code
        for _ in range(11)
    ]
    assert api == [401] * 10 + [429]
    refused = client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    assert refused.is_json and "error" in refused.get_json()
