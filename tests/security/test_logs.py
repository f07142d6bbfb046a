"""Logs: one structured line per request, never a password, token or feed URL; the check
of the whole run's log; no debug pages in production."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

import pytest

from lms import create_app
from lms.accounts.service import make_reset_token
from lms.calendar.tokens import ensure_feed_token
from lms.extensions import db
from lms.web import redact_secrets
from tests import logcheck
from tests.factories import TEST_PASSWORD

#: A key as an operator makes one (secrets.token_urlsafe); published keys are refused.
STRONG_KEY = secrets.token_urlsafe(48)

LINE = re.compile(
    r"method=(?P<method>[A-Z]+) path=(?P<path>\S+) status=(?P<status>\d{3}) "
    r"duration_ms=(?P<ms>\d+\.\d) user=(?P<user>\S+)$"
)


def request_lines(caplog) -> list[dict[str, str]]:
    return [
        LINE.match(r.getMessage()).groupdict() for r in caplog.records if r.name == "lms.request"
    ]


def test_one_structured_line_per_request(client, login, create_user, caplog):
    caplog.set_level(logging.DEBUG)
    client.get("/healthz")
    user = create_user()
    login(user).get("/account/")
    client.post("/account/logout")
    lines = request_lines(caplog)
    assert [(x["method"], x["path"], x["status"], x["user"]) for x in lines] == [
        ("GET", "/healthz", "200", "-"),
        ("GET", "/account/", "200", str(user.id)),
        ("POST", "/account/logout", "302", "-"),  # logged out by then
    ]


def test_secrets_never_reach_the_log(app, client, create_user, api_token, caplog):
    caplog.set_level(logging.DEBUG)
    user = create_user(email="geheim@example.org")
    feed = str(ensure_feed_token(user))
    reset = make_reset_token(user)
    db.session.commit()
    headers = api_token(user)
    raw_token = headers["Authorization"].split()[1]

    client.post("/account/login", data={"email": user.email, "password": TEST_PASSWORD})
    client.post("/account/login", data={"email": user.email, "password": "Fout-wachtwoord-99"})
    client.get(f"/calendar/{feed}.ics")
    client.get(f"/calendar/{feed}.ics?x=1")
    client.get(f"/account/reset/{reset}")
    client.post(f"/account/reset/{reset}", data={"password": "kort", "password_again": "kort"})
    client.get("/enrolments/offer/een-geheim-aanbod-123")
    client.get("/api/v1/me", headers=headers)
    client.get("/checkin/1?code=987654")

    text = caplog.text
    for secret in (
        TEST_PASSWORD,
        "Fout-wachtwoord-99",
        feed,
        reset,
        raw_token,
        "een-geheim-aanbod-123",
        "987654",
    ):
        assert secret not in text, secret
    paths = {x["path"] for x in request_lines(caplog)}
    assert {
        "/calendar/[redacted]",
        "/account/reset/[redacted]",
        "/enrolments/offer/[redacted]",
    } <= paths
    assert logcheck.scan(text, {TEST_PASSWORD}) == []


def test_request_lines_of_the_server_itself_are_redacted(app, caplog):
    """The development server (werkzeug) and gunicorn's access log write full URLs."""
    caplog.set_level(logging.INFO)
    feed = "0123456789abcdef" * 4
    logging.getLogger("werkzeug").info(
        '%s - - "%s" %s -', "127.0.0.1", f"GET /calendar/{feed}.ics HTTP/1.1", 200
    )
    logging.getLogger("gunicorn.access").info(
        '"GET /account/login?next=/checkin/4%3Fcode%3D123456 HTTP/1.1" 302'
    )
    assert feed not in caplog.text and "123456" not in caplog.text
    assert "/calendar/[redacted]" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer sam_" + "A" * 43, "Authorization: Bearer sam_[redacted]"),
        ("GET /calendar/catalogue.ics", "GET /calendar/catalogue.ics"),
        ("/account/reset/eyJ1IjozfQ.a.b done", "/account/reset/[redacted] done"),
        ("/activities?token=abc&page=2", "/activities?token=[redacted]&page=2"),
    ],
)
def test_redact_secrets(text, expected):
    assert redact_secrets(text) == expected


def test_the_run_log_check_finds_every_kind_of_secret():
    log = "\n".join(
        [
            "INFO lms.request method=GET path=/calendar/[redacted] status=200",
            "INFO x token sam_" + "b" * 43,
            "INFO x url https://h/calendar/" + "ab" * 32 + ".ics",
            "INFO x /account/reset/eyJ1IjozLCJwIjoiYWJjIn0.Z.z",
            "INFO x token eyJ1IjozLCJwIjoiYWJjIn0",
            "INFO x /enrolments/offer/Qw3rty_offer",
            f"INFO x form password={TEST_PASSWORD}",
        ]
    )
    findings = logcheck.scan(log, {TEST_PASSWORD})
    assert {f.line_number for f in findings} == {2, 3, 4, 5, 6, 7}
    assert {f.what for f in findings} >= {
        "API-sleutel",
        "agenda-URL met sleutel",
        "link om een wachtwoord te kiezen",
        "wachtwoord-resettoken",
        "link van een aangeboden plaats",
        "wachtwoord uit de testsuite",
    }


def test_the_suite_passwords_are_collected_from_the_test_modules():
    passwords = logcheck.suite_passwords(Path(__file__).parents[1])
    assert {TEST_PASSWORD, "Fietsen-langs-de-Leie-7", "Leerplatform-demo-2026"} <= passwords


# --- Production: no debug pages ----------------------------------------------------------


@pytest.fixture
def production(tmp_path):
    app = create_app(
        "production",
        SECRET_KEY=STRONG_KEY,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db",
    )

    @app.get("/_boom")
    def boom():
        raise RuntimeError("geheime interne fout met wachtwoord=xyz")

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_has_no_debugger_and_shows_the_dutch_500_page(production, caplog):
    assert production.debug is False
    assert not production.config["DEBUG"] and not production.config["TESTING"]
    caplog.set_level(logging.ERROR)
    response = production.test_client().get("/_boom", base_url="https://leerplatform.example")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Er ging iets mis" in html
    for leak in ("Traceback", "RuntimeError", "geheime interne fout", "werkzeug", "Debugger"):
        assert leak not in html
    # The error is logged for the operators (with the traceback), not shown.
    assert "Unhandled error on GET /_boom" in caplog.text


def test_production_sends_hsts_and_secure_cookies(production):
    client = production.test_client()
    plain = client.get("/account/login", base_url="http://leerplatform.example")
    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    response = client.get("/account/login", base_url="https://leerplatform.example")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_backup_keeps_the_database_password_off_the_command_line(tmp_path, monkeypatch):
    """``ps`` shows every command line to every user: the password goes in PGPASSWORD."""
    import subprocess

    from lms.common import backup as backup_module

    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs.get("env") or {}))
        Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://lms:s3cr%40t@db.internal/lms"
    )
    with app.app_context():
        backup_module.backup(tmp_path / "lms.dump")
    [(command, env)] = calls
    assert not any("s3cr" in part for part in command)
    assert "postgresql://lms@db.internal/lms" in command
    assert env["PGPASSWORD"] == "s3cr@t"


def test_behind_the_proxy_https_and_the_client_address_are_believed(production):
    """Production trusts one reverse proxy (LMS_TRUSTED_PROXIES): no redirect loop behind
    TLS termination, and rate limits count the real client, not the proxy."""
    seen = []

    @production.get("/_who")
    def who():
        from flask import request

        seen.append((request.scheme, request.remote_addr))
        return "ok"

    client = production.test_client()
    response = client.get(
        "/_who",
        base_url="http://127.0.0.1:8000",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 200
    assert seen == [("https", "203.0.113.7")]
    assert "Strict-Transport-Security" in response.headers


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")
    seen = []

    @app.get("/_who_dev")
    def who_dev():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get("/_who_dev", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["127.0.0.1"]
