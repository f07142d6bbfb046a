"""Every form refuses a POST without its CSRF token."""

from __future__ import annotations

import pytest

from lms import create_app


@pytest.fixture
def csrf_client(_app):
    app = create_app(
        "testing",
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"],
    )
    return app, app.test_client()


#: POST routes that take no CSRF token, each for its reason.
WITHOUT_CSRF = {
    # The one-click stop of an interest-list mail (RFC 8058): mail programs POST it without a
    # form; the signed token in the path is the proof.
    "/op-de-hoogte/stop/<token>",
}


def test_every_post_route_outside_the_api_refuses_a_missing_csrf_token(csrf_client):
    app, client = csrf_client
    checked = 0
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if (
                "POST" not in rule.methods
                or rule.rule.startswith("/api/")
                or rule.rule in WITHOUT_CSRF
            ):
                continue
            url = rule.rule
            for argument in rule.arguments:
                url = url.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
                url = url.replace(f"<path:{argument}>", "x")
            response = client.post(url, data={"email": "a@example.org"})
            assert response.status_code == 400, f"{rule.rule} accepted a POST without CSRF token"
            checked += 1
    assert checked >= 5
