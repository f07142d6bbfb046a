"""The application factory, configuration and the health check."""

from __future__ import annotations

import secrets

import pytest

from config import DEV_SECRET_KEY, normalise_database_url
from lms import ConfigurationError, create_app

#: A key as an operator makes one (secrets.token_urlsafe); published keys are refused.
STRONG_KEY = secrets.token_urlsafe(48)


def test_production_refuses_the_development_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=DEV_SECRET_KEY)


def test_production_starts_with_its_own_secret_key(tmp_path):
    app = create_app(
        "production",
        SECRET_KEY=STRONG_KEY,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


def test_unknown_configuration_name_is_refused():
    with pytest.raises(ValueError, match="Unknown configuration"):
        create_app("staging")


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_page_is_dutch_and_has_a_skip_link(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="nl-BE"' in html
    assert 'href="#inhoud"' in html
    assert "Naar de inhoud" in html


def test_unknown_page_gives_a_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_server_error_page_is_dutch(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")

    @app.get("/_boom")
    def boom():
        raise RuntimeError("kapot")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)


def test_font_size_choice_is_remembered(client):
    response = client.post("/preferences/font-size", data={"size": "largest", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert 'class="fs-largest"' in html


def test_font_size_redirect_stays_on_this_site(client):
    response = client.post(
        "/preferences/font-size", data={"size": "large", "next": "https://evil.example/x"}
    )
    assert response.headers["Location"] in ("/", "/x")


def test_english_is_available(client):
    client.post("/preferences/language", data={"lang": "en", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Skip to content" in html


def test_security_headers_are_set(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Referrer-Policy" in response.headers
