"""What one outbox row becomes when it is sent: subject, bodies and at most one invitation.

The worker (:mod:`lms.mail.worker`) turns a :class:`RenderedMail` into a standards-correct
message; this module decides what the message says. One outbox row is one message, and one
message carries at most one iTIP object (one UID), so an invitation is never half-taken by a
calendar and a row is sent exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.models import OutboxMail


@dataclass(frozen=True)
class Invitation:
    """An iTIP object (RFC 5546) with exactly one UID: ``method`` is REQUEST or CANCEL."""

    method: str
    ics: str


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None
    invitation: Invitation | None


def render_outbox_mail(row: OutboxMail) -> RenderedMail:
    """Render ``row`` for sending (called by the worker, in an app context, no request)."""
    invitation = Invitation(row.ics_method or "REQUEST", row.ics) if row.ics else None
    return RenderedMail(
        subject=row.subject, text=row.body_text, html=row.body_html, invitation=invitation
    )
