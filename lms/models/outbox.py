"""The mail outbox: mail is written in the same transaction as the change it reports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.base import db, str_enum, utcnow
from lms.models.user import User


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ABORTED = "aborted"


class OutboxMail(db.Model):
    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the mail is about (template name), for the mail queue page and tests.
    kind: Mapped[str] = mapped_column(String(60))
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Plain text, one line: shown on the mail queue page and sent as the Subject header.
    subject: Mapped[str] = mapped_column(String(300))
    #: What the mail reports, as it was when the change was made (JSON: titles, dates as
    #: ISO strings, positions, links, the session of an invitation). The worker renders the
    #: bodies and the invitation from it when it sends (:mod:`lms.mail.rendering`), so
    #: nothing is rendered while the transaction that queued it holds a lock.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Bodies rendered before the mail was queued: mail queued before ``facts`` existed
    #: (sent as they are), and nothing else.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: A prepared iCalendar invitation (with its METHOD) for a row without facts.
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus), default=MailStatus.QUEUED, server_default="queued"
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: Makes "send this once" rules (reminders, warnings) idempotent.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    user: Mapped[User | None] = relationship()
