"""Sessions end on the server side: a cookie copied before logout, a password change or a
deactivation opens nothing afterwards; an API token opens the API only."""

from __future__ import annotations

from lms.accounts import service
from lms.calendar.tokens import ensure_feed_token
from lms.extensions import db
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "Fietsen-langs-de-Schelde-8"


def _log_in(app, user, *, remember: bool):
    client = app.test_client()
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": TEST_PASSWORD, "remember": "y" if remember else ""},
    )
    assert response.status_code == 302
    return client


def _copy(app, client, names: tuple[str, ...]):
    """A new browser holding only the named cookies of ``client``."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def _is_login_page(response) -> bool:
    return response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_cookies_copied_before_logout_open_nothing_after(app, create_user):
    user = create_user()
    client = _log_in(app, user, remember=True)
    session_copy = _copy(app, client, ("session",))
    remember_copy = _copy(app, client, ("remember_token",))
    # Both copies work while the person is logged in.
    assert session_copy.get("/account/").status_code == 200
    assert remember_copy.get("/account/").status_code == 200

    assert client.post("/account/logout").status_code == 302
    for copy in (session_copy, remember_copy, _copy_fresh(app, session_copy, remember_copy)):
        response = copy.get("/account/")
        assert _is_login_page(response)
        login_page = copy.get(response.headers["Location"])
        assert "Aanmelden" in login_page.get_data(as_text=True)


def _copy_fresh(app, session_copy, remember_copy):
    both = app.test_client()
    for source, name in ((session_copy, "session"), (remember_copy, "remember_token")):
        cookie = source.get_cookie(name)
        if cookie is not None:
            both.set_cookie(name, cookie.value)
    return both


def test_password_change_ends_other_sessions_and_can_renew_the_feed(app, create_user):
    user = create_user()
    feed = str(ensure_feed_token(user))
    db.session.commit()
    other_device = _log_in(app, user, remember=True)
    client = _log_in(app, user, remember=False)
    assert app.test_client().get(f"/calendar/{feed}.ics").status_code == 200

    page = client.get("/account/password").get_data(as_text=True)
    assert "Ook mijn agenda-link vernieuwen" in page
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "renew_feed": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/calendar/subscribe")
    # This session goes on, the other device's ends, the old feed link is gone.
    assert client.get("/account/").status_code == 200
    assert _is_login_page(other_device.get("/account/"))
    assert app.test_client().get(f"/calendar/{feed}.ics").status_code == 404


def test_deactivation_ends_every_session(app, create_user):
    user = create_user()
    client = _log_in(app, user, remember=True)
    remember_copy = _copy(app, client, ("remember_token",))
    service.set_active(user, False, actor=None)
    db.session.commit()
    assert _is_login_page(client.get("/account/"))
    assert _is_login_page(remember_copy.get("/account/"))


def test_an_api_token_opens_the_api_only(app, client, create_user, api_token):
    user = create_user()
    headers = api_token(user)
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == user.email
    for path in ("/account/", "/calendar/subscribe", "/agenda"):
        response = client.get(path, headers=headers)
        assert response.status_code in (302, 401), path
        assert user.email not in response.get_data(as_text=True), path
