"""One redaction for every log writer, the error path included: a server error while
serving a personal feed, a seat offer or a certificate leaves no secret in the log."""

from __future__ import annotations

import logging

import pytest

from lms.calendar import feeds
from lms.calendar.tokens import ensure_feed_token
from lms.extensions import db
from lms.web import redact_secrets


def test_a_server_error_on_a_feed_leaves_no_token_in_the_logs(
    client, create_user, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    user = create_user()
    token = str(ensure_feed_token(user))
    db.session.commit()
    path = f"/calendar/{token}.ics"

    def broken(raw: str, now):  # the database went away while the feed was looked up
        raise RuntimeError(f"verbinding verbroken tijdens GET {path} (token {token})")

    monkeypatch.setattr(feeds, "personal", broken)
    response = client.get(path)
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)

    error_records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error_records, "the error is logged for the operators"
    assert "Unhandled error on GET /calendar/[redacted]" in caplog.text
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert token not in caplog.text
    assert token[:16] not in caplog.text  # not even the selector
    request_lines = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert request_lines == [
        line for line in request_lines if "path=/calendar/[redacted] status=500" in line
    ]
    assert len(request_lines) == 1


def test_certificate_codes_and_signed_tokens_are_redacted_everywhere(client, caplog):
    caplog.set_level(logging.INFO)
    code = "7KQ4-M2XD-9FJ1-PZ3W"
    client.get(f"/certificates/verify/{code}")
    client.get(f"/certificates/{code}.pdf")
    client.get(f"/certificates/verify?code={code}")
    logging.getLogger("lms.somewhere").warning("attest %s opgevraagd", code)
    logging.getLogger("gunicorn.error").error("link /account/reset/eyJ1IjozfQ.abc.def")
    assert code not in caplog.text
    assert "eyJ1IjozfQ" not in caplog.text
    assert "path=/certificates/verify/[redacted]" in caplog.text
    assert "path=/certificates/[redacted].pdf" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/certificates/verify/7KQ4-M2XD-9FJ1-PZ3W", "/certificates/verify/[redacted]"),
        ("/certificates/7KQ4M2XD9FJ1PZ3W.pdf", "/certificates/[redacted].pdf"),
        ("/certificates/verify", "/certificates/verify"),
        ("/certificates/12/revoke", "/certificates/12/revoke"),
        ("/calendar/subscribe", "/calendar/subscribe"),
        ("/checkin/4?code=123456", "/checkin/[redacted]?code=[redacted]"),
    ],
)
def test_redaction_rules(text, expected):
    assert redact_secrets(text) == expected
