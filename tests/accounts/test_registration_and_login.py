"""Self-registration, login, logout, password change and reset."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEntry, Role, User
from tests.factories import TEST_PASSWORD
from tests.html import signed_in_email

GOOD_PASSWORD = "Fietsen-langs-de-Leie-7"


def register(client, **overrides):
    data = {
        "name": "Sara Janssens",
        "email": "sara.janssens@example.org",
        "organisation": "",
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post("/account/register", data=data)


def test_registration_creates_an_unconfirmed_participant_who_checks_their_mail(
    client, create_organisation, queued_mails
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    response = register(client, organisation=str(gent.id))
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/check-mail"
    user = db.session.scalar(select(User).where(User.email == "sara.janssens@example.org"))
    assert user.roles == {Role.PARTICIPANT}
    # The organisation is a request, the address not yet confirmed: not logged in.
    assert user.organisation is None and user.pending_organisation.name == gent.name
    assert user.email_verified_at is None
    assert user.password_hash.startswith("scrypt:")
    assert GOOD_PASSWORD not in user.password_hash
    assert "Sara" not in client.get("/").get_data(as_text=True)
    [mail] = queued_mails("email_verify", to="sara.janssens@example.org")
    assert "/account/verify/" in mail.body_text


def test_registering_an_existing_email_in_other_case_creates_nothing(client, create_user):
    create_user(email="sara.janssens@example.org")
    before = db.session.scalar(select(func.count(User.id)))
    response = register(client, email="Sara.JANSSENS@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/check-mail"
    assert db.session.scalar(select(func.count(User.id))) == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "minstens 10 tekens"),
        ("wachtwoord123", "te bekend"),
        ("azertyuiop", "te bekend"),
    ],
)
def test_weak_passwords_are_refused_in_dutch(client, password, message):
    response = register(client, password=password, password_again=password)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_mismatched_passwords_are_refused(client):
    response = register(client, password_again="iets-anders-dan-dat")
    assert "niet gelijk" in response.get_data(as_text=True)


def test_invalid_email_is_refused(client):
    response = register(client, email="geen-email")
    assert "geen geldig e-mailadres" in response.get_data(as_text=True)


def test_login_and_logout(client, create_user):
    create_user(email="an@example.org")
    response = client.post(
        "/account/login", data={"email": "AN@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "Afmelden" in client.get("/").get_data(as_text=True)
    client.post("/account/logout")
    assert "Aanmelden" in client.get("/").get_data(as_text=True)


def test_unknown_email_and_wrong_password_get_the_same_error(client, create_user):
    create_user(email="an@example.org")
    wrong = client.post(
        "/account/login", data={"email": "an@example.org", "password": "fout-fout-fout"}
    )
    unknown = client.post(
        "/account/login", data={"email": "niemand@example.org", "password": "fout-fout-fout"}
    )

    def error(response):
        return re.findall(r'class="field-error"[^>]*>([^<]+)<', response.get_data(as_text=True))

    assert error(wrong) == error(unknown) == ["E-mailadres of wachtwoord klopt niet."]


def test_deactivated_user_cannot_log_in(client, create_user):
    create_user(email="weg@example.org", active=False)
    response = client.post(
        "/account/login", data={"email": "weg@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "klopt niet" in response.get_data(as_text=True)


def test_the_eleventh_failed_login_in_a_minute_gets_429(client, create_user):
    create_user(email="an@example.org")
    for _ in range(10):
        response = client.post(
            "/account/login", data={"email": "an@example.org", "password": "fout-fout-fout"}
        )
        assert response.status_code == 200
    response = client.post(
        "/account/login", data={"email": "an@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "Te veel" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_toward_the_limit(app, create_user):
    create_user(email="an@example.org")
    for _ in range(12):
        c = app.test_client()
        response = c.post(
            "/account/login", data={"email": "an@example.org", "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert signed_in_email(c) == "an@example.org"


def test_login_redirects_only_within_the_site(client, create_user):
    create_user(email="an@example.org")
    response = client.post(
        "/account/login?next=https://evil.example/",
        data={"email": "an@example.org", "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_protected_page_sends_anonymous_visitors_to_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, create_user):
    user = create_user(email="an@example.org")
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/account/login", data={"email": "an@example.org", "password": TEST_PASSWORD})
    response = first.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert first.get("/account/").status_code == 200  # this session continues
    assert second.get("/account/").status_code == 302  # the other one is logged out
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_changed"))
    db.session.refresh(user)


def test_password_change_needs_the_current_password(login, create_user):
    user = create_user()
    client = login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "niet-het-juiste",
            "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD,
        },
    )
    assert "huidige wachtwoord klopt niet" in response.get_data(as_text=True)


def test_password_reset_by_mail_link(client, create_user, queued_mails):
    create_user(email="an@example.org")
    response = client.post("/account/forgot", data={"email": "AN@example.org"})
    assert response.status_code == 302
    [mail] = queued_mails("password_reset")
    link = re.search(r"https?://\S+/account/reset/\S+", mail.body_text).group(0)
    path = link.split("example", 1)[1].split("/", 1)[1]
    response = client.post(
        "/" + path, data={"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    client.post("/account/logout")
    assert signed_in_email(client) is None
    ok = client.post("/account/login", data={"email": "an@example.org", "password": GOOD_PASSWORD})
    assert ok.status_code == 302
    assert signed_in_email(client) == "an@example.org"
    # The link works once: the password it was made for has changed.
    assert client.get("/" + path).status_code == 400


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, queued_mails):
    response = client.post(
        "/account/forgot", data={"email": "niemand@example.org"}, follow_redirects=True
    )
    assert "Als er een account bestaat" in response.get_data(as_text=True)
    assert queued_mails() == []


def test_expired_reset_link_is_refused(app, client, create_user):
    user = create_user()
    from lms.accounts.service import make_reset_token

    token = make_reset_token(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert client.get(f"/account/reset/{token}").status_code == 400
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 7200


def test_profile_update(login, create_user, create_organisation):
    user = create_user()
    caw = create_organisation("CAW Gent")
    client = login(user)
    response = client.post("/account/", data={"name": "Nieuwe Naam", "organisation": str(caw.id)})
    assert response.status_code == 302
    db.session.refresh(user)
    # The organisation chosen waits for its confirmation.
    assert user.name == "Nieuwe Naam" and user.pending_organisation.name == "CAW Gent"
    assert user.organisation is None


def test_api_token_from_the_profile_page(login, create_user, client):
    user = create_user()
    login(user)
    html = client.post("/account/tokens", data={"label": "script"}).get_data(as_text=True)
    token = re.search(r'value="(sam_[^"]+)"', html).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == user.email
