"""Addresses we cannot serve are explained at registration and import, not discovered later."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.importer import Outcome, import_users
from lms.extensions import db
from lms.mail.addresses import deliverable_reason, wire_address
from lms.models import User

GOOD_PASSWORD = "Fietsen-langs-de-Leie-7"


def test_deliverable_reason_depends_on_what_the_mail_server_takes(app):
    assert deliverable_reason("sara@example.org") is None
    assert deliverable_reason("info@café.example") is None  # the domain goes IDNA-encoded
    assert wire_address("info@café.example").addr_spec == "info@xn--caf-dma.example"
    reason = deliverable_reason("ünï@example.org")
    assert reason is not None and "vóór de @" in reason
    app.config["MAIL_SMTPUTF8"] = True
    try:
        assert deliverable_reason("ünï@example.org") is None
    finally:
        app.config["MAIL_SMTPUTF8"] = False
    assert deliverable_reason("a@b.example\r\nBcc: x@y.example") is not None


def test_registration_explains_an_address_our_server_cannot_serve(app, client):
    response = client.post(
        "/account/register",
        data={
            "name": "Ünï Öztürk",
            "email": "ünï@example.org",
            "organisation": "",
            "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD,
        },
    )
    page = response.get_data(as_text=True)
    assert "onze mailserver kan daar geen mail naartoe sturen" in page
    assert db.session.scalar(select(User).where(User.name == "Ünï Öztürk")) is None


def test_the_import_refuses_such_an_address_with_its_line_and_reason(app):
    report = import_users(
        "email,name,role,organisation\n"
        "goed@example.org,Goed Adres,participant,\n"
        "ünï@example.org,Ünï Öztürk,participant,\n"
    )
    outcomes = {line.line: line for line in report.lines}
    assert outcomes[2].outcome == Outcome.CREATED
    assert outcomes[3].outcome == Outcome.REJECTED
    assert "onze mailserver kan daar geen mail naartoe sturen" in outcomes[3].message
