"""Sending the outbox. Safe to run in several processes at once.

A sender *claims* due mails first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a
compare-and-set on the status everywhere), commits the claim, and only then talks to the
SMTP server, so no lock is held during network I/O and no mail is sent twice. A failed
attempt stays queued with its error and a growing backoff; after ``MAIL_MAX_ATTEMPTS`` it
is marked failed for a coordinator to retry or abort. A claim older than
:data:`STALE_CLAIM` (a crashed sender) returns to the queue.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select, update

from lms.extensions import db, mail
from lms.models import MailStatus, OutboxMail, utcnow

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
BATCH_SIZE = 50


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


class CalendarMessage(Message):
    """A Flask-Mail message whose ``text/calendar`` alternative carries its METHOD.

    Outlook and Gmail show an invitation with accept buttons only when the calendar part
    is ``text/calendar; method=REQUEST`` inside ``multipart/alternative``.
    """

    def __init__(self, *args, ics: str | None = None, ics_method: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ics_method = ics_method
        if ics:
            self.alts["calendar"] = ics
            self.attach(
                "uitnodiging.ics",
                f"application/ics; method={ics_method or 'PUBLISH'}",
                ics.encode("utf-8"),
            )

    def _message(self):  # type: ignore[no-untyped-def]
        message = super()._message()
        if self.ics_method:
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    part.set_param("method", self.ics_method)
        return message


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2×, 4×, … capped at six hours."""
    base = timedelta(seconds=current_app.config["MAIL_RETRY_BASE_SECONDS"])
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_due(limit: int = BATCH_SIZE, *, ignore_backoff: bool = False) -> list[int]:
    """Claim up to ``limit`` due mails for this process and commit the claim."""
    now = utcnow()
    due = or_(
        OutboxMail.status == MailStatus.QUEUED,
        (OutboxMail.status == MailStatus.SENDING) & (OutboxMail.claimed_at < now - STALE_CLAIM),
    )
    if ignore_backoff:
        due = or_(due, OutboxMail.status == MailStatus.FAILED)
    query = select(OutboxMail.id, OutboxMail.status).where(due)
    if not ignore_backoff:
        query = query.where(OutboxMail.next_attempt_at <= now)
    query = query.order_by(OutboxMail.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = db.session.execute(query).all()
    claimed = []
    for mail_id, status in candidates:
        result = db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.status == status)
            .values(status=MailStatus.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(mail_id)
    db.session.commit()
    return claimed


def build_message(row: OutboxMail) -> CalendarMessage:
    return CalendarMessage(
        subject=row.subject,
        recipients=[(row.to_name, row.to_email) if row.to_name else row.to_email],
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        ics=row.ics,
        ics_method=row.ics_method,
    )


def _record_failure(row: OutboxMail, error: str, report: SendReport) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    row.claimed_at = None
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.status = MailStatus.FAILED
        report.failed += 1
    else:
        row.status = MailStatus.QUEUED
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying += 1
    report.errors.append(f"mail {row.id} aan {row.to_email}: {error}")


def send_claimed(ids: Iterable[int], report: SendReport) -> None:
    rows = db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(list(ids)))).all()
    if not rows:
        return
    try:
        connection = mail.connect()
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        for row in rows:
            _record_failure(row, f"SMTP-server niet bereikbaar: {exc}", report)
        db.session.commit()
        return
    try:
        for row in rows:
            try:
                connection.send(build_message(row))
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(row, f"{type(exc).__name__}: {exc}", report)
            else:
                row.status = MailStatus.SENT
                row.sent_at = utcnow()
                row.attempts += 1
                row.last_error = ""
                row.claimed_at = None
                report.sent += 1
            db.session.commit()  # each outcome is durable before the next mail goes out
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            log.warning("Closing the SMTP connection failed", exc_info=True)


def send_due(*, ignore_backoff: bool = False, limit: int | None = None) -> SendReport:
    """Send every due mail once (``lms mail send --once``); returns what happened."""
    report = SendReport()
    while True:
        batch = claim_due(BATCH_SIZE, ignore_backoff=ignore_backoff)
        if not batch:
            break
        send_claimed(batch, report)
        if limit is not None and report.attempted >= limit:
            break
        if ignore_backoff:
            # Only one pass over mails that already failed: do not loop on a dead server.
            ignore_backoff = False
    return report


def retry_mail(row: OutboxMail) -> None:
    """Put a failed mail back in the queue, due now (coordinator's mail queue page)."""
    row.status = MailStatus.QUEUED
    row.next_attempt_at = utcnow()
    row.claimed_at = None


def abort_mail(row: OutboxMail) -> None:
    row.status = MailStatus.ABORTED
    row.claimed_at = None
