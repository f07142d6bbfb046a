"""Mailing everyone of an activity (by enrolment status), with a preview of what goes out.

The preview renders the very facts the outbox will keep, with the template the worker
renders them with, for the first recipient;
each recipient gets the same text with their own name. A fingerprint of the subject, the
text and the recipients ties the "send" to the preview the coordinator saw: when someone
enrolled or left in between, the coordinator sees the new preview before anything is
queued.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.mail.facts import revive, snapshot
from lms.mail.outbox import queue_mail
from lms.mail.rendering import render_bodies
from lms.models import STATUS_LABELS, Activity, Enrolment, EnrolmentStatus, User

KIND = "activity_message"
#: Who can be mailed, in the order the form offers them.
STATUSES = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.PENDING,
    EnrolmentStatus.CANCELLED,
)


class BulkMailError(RuleError):
    """A refusal; the message is Dutch and meant for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, status=422)


@dataclass(frozen=True)
class Recipient:
    user: User
    status: EnrolmentStatus


@dataclass(frozen=True)
class Preview:
    recipients: list[Recipient]
    subject: str
    text: str
    html: str | None
    fingerprint: str


def recipients(activity: Activity, statuses: Iterable[EnrolmentStatus]) -> list[Recipient]:
    """The people with an enrolment in one of ``statuses`` (active accounts), by name."""
    wanted = [EnrolmentStatus(s) for s in statuses]
    if not wanted:
        return []
    rows = db.session.execute(
        select(User, Enrolment.status)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(
            Enrolment.activity_id == activity.id,
            Enrolment.status.in_(wanted),
            User.active.is_(True),
            User.erased_at.is_(None),
        )
        .order_by(User.name, User.id)
    ).all()
    return [Recipient(user, status) for user, status in rows]


def _context(activity: Activity, recipient: Recipient, body: str, sender: User | None) -> dict:
    try:
        activity_url = absolute_url("enrolment.activity", activity_id=activity.id)
    except Exception:
        activity_url = None
    return {
        "user": recipient.user,
        "activity": activity,
        "message": body.strip(),
        "status_label": STATUS_LABELS[recipient.status],
        "status": recipient.status.value,
        "sender": sender,
        "activity_url": activity_url,
    }


def fingerprint(activity: Activity, subject: str, body: str, people: list[Recipient]) -> str:
    digest = hashlib.sha256()
    for part in (str(activity.id), subject.strip(), body.strip()):
        digest.update(part.encode("utf-8") + b"\x00")
    for person in people:
        digest.update(f"{person.user.id}:{person.status.value},".encode())
    return digest.hexdigest()[:32]


def _check(subject: str, body: str, people: list[Recipient]) -> None:
    if not subject.strip():
        raise BulkMailError(_("Geef de mail een onderwerp."), "subject")
    if "\r" in subject or "\n" in subject:
        # A line break would end the Subject header and start another one.
        raise BulkMailError(
            _("Het onderwerp moet op één regel staan: haal de regeleinden eruit."), "subject"
        )
    if not body.strip():
        raise BulkMailError(_("Schrijf het bericht."), "body")
    if not people:
        raise BulkMailError(
            _("Er is niemand met de gekozen status(sen); kies andere ontvangers."), "statuses"
        )


def preview(
    activity: Activity,
    *,
    subject: str,
    body: str,
    statuses: Iterable[EnrolmentStatus],
    sender: User | None,
) -> Preview:
    people = recipients(activity, statuses)
    _check(subject, body, people)
    facts = snapshot(_context(activity, people[0], body, sender))
    facts.setdefault("recipient_name", people[0].user.name)
    text, html = render_bodies(KIND, revive(facts))
    return Preview(
        recipients=people,
        subject=subject.strip(),
        text=text,
        html=html,
        fingerprint=fingerprint(activity, subject, body, people),
    )


def send(
    activity: Activity,
    *,
    subject: str,
    body: str,
    statuses: Iterable[EnrolmentStatus],
    actor: User,
    expected_fingerprint: str,
) -> int:
    """Queue one mail per recipient (in this transaction); returns how many.

    Refuses (:class:`BulkMailError`, field ``fingerprint``) when the recipients or the text
    are no longer those of the preview.
    """
    statuses = list(statuses)
    people = recipients(activity, statuses)
    _check(subject, body, people)
    if fingerprint(activity, subject, body, people) != expected_fingerprint:
        raise BulkMailError(
            _(
                "De ontvangers of de tekst zijn veranderd sinds het voorbeeld. Bekijk het nieuwe "
                "voorbeeld en verstuur opnieuw."
            ),
            "fingerprint",
        )
    for person in people:
        queue_mail(
            kind=KIND,
            to=person.user,
            subject=subject.strip(),
            facts=_context(activity, person, body, actor),
        )
    record(
        "activity.mailed",
        actor=actor,
        activity=activity,
        summary=f"Mail „{subject.strip()}” aan {len(people)} "
        f"{'persoon' if len(people) == 1 else 'personen'} van „{activity.title}” "
        f"({', '.join(STATUS_LABELS[s] for s in statuses)}).",
        subject=subject.strip(),
        statuses=[s.value for s in statuses],
        recipients=len(people),
    )
    return len(people)
