"""The outbox worker against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.mail.worker import claim_due, send_due
from lms.models import MailStatus, utcnow

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def queue_reset_mail(user, **kwargs):
    mail = queue_mail(
        kind="password_reset",
        to=user,
        subject="Nieuw wachtwoord",
        context={"user": user, "link": "https://x.example/r", "hours": 2},
        **kwargs,
    )
    db.session.commit()
    return mail


def test_mail_is_sent_through_smtp_with_text_html_and_calendar_parts(smtp_server, create_user):
    user = create_user(email="zoe@example.org", name="Zoë Ağaoğlu-Łukasiewicz")
    mail = queue_reset_mail(user, ics=ICS, ics_method="REQUEST")
    report = send_due()
    assert report.sent == 1
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["zoe@example.org"]
    assert received.subject == "Nieuw wachtwoord"
    assert "Zoë" in received.part("text/plain").get_content()
    assert received.part("text/html") is not None
    calendar = received.part("text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENT and mail.sent_at is not None


def test_smtp_down_keeps_the_mail_queued_with_its_error_then_sends_it(
    app, smtp_server, create_user
):
    user = create_user()
    mail = queue_reset_mail(user)
    port = smtp_server.port
    smtp_server.stop()
    report = send_due()
    assert report.sent == 0 and report.retrying == 1
    db.session.refresh(mail)
    assert mail.status == MailStatus.QUEUED
    assert mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > utcnow()

    # A later run before the backoff expires does nothing; --now retries at once.
    assert send_due().attempted == 0
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
            received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = send_due(ignore_backoff=True)
    finally:
        controller.stop()
    assert report.sent == 1 and len(received) == 1
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENT


def test_mail_fails_for_good_after_the_maximum_attempts(app, smtp_server, create_user):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        user = create_user()
        mail = queue_reset_mail(user)
        smtp_server.stop()
        send_due()
        mail.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        send_due()
        db.session.refresh(mail)
        assert mail.status == MailStatus.FAILED and mail.attempts == 2
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 6


def test_a_claimed_mail_is_not_claimed_again(app, create_user):
    user = create_user()
    queue_reset_mail(user)
    assert len(claim_due()) == 1
    assert claim_due() == []


def test_dedup_key_queues_once(app, create_user, queued_mails):
    user = create_user()
    assert queue_reset_mail(user, dedup_key="reminder:1:1") is not None
    assert queue_reset_mail(user, dedup_key="reminder:1:1") is None
    assert len(queued_mails()) == 1


def test_mail_send_cli_once(app, smtp_server, create_user):
    queue_reset_mail(create_user())
    result = app.test_cli_runner().invoke(args=["lms", "mail", "send", "--once"])
    assert "verstuurd: 1" in result.output
    assert len(smtp_server.messages) == 1
