"""Queueing mail. A mail is a row written in the same transaction as the change it reports,
so a change is never lost for want of a mail server and a mail never reports a change that
was rolled back. :mod:`lms.mail.worker` renders (:mod:`lms.mail.rendering`) and sends the
rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.extensions import db
from lms.mail.facts import snapshot
from lms.models import OutboxMail, User


def queue_mail(
    *,
    kind: str,
    to: User | tuple[str, str],
    subject: str,
    facts: dict[str, Any] | None = None,
    invitation: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    dedup_key: str | None = None,
) -> OutboxMail | None:
    """Add a mail to the current transaction: what it is about, not what it says.

    ``facts`` is what the template ``templates/mail/<kind>`` reports, as it is now (rows
    are taken down as JSON by :func:`lms.mail.facts.snapshot`; ``context`` is the same
    for older callers); ``invitation`` comes from :func:`lms.calendar.ics.invitation_facts`
    (one session: one UID per message). Nothing is rendered here: the worker renders when
    it sends (:mod:`lms.mail.rendering`), so a transaction that holds a lock never waits
    for templates or iCalendar. ``ics``/``ics_method`` attach a prepared invitation text.

    ``to`` is a user or ``(email, name)``. The subject is kept on one line (no CR/LF can
    reach a header). With ``dedup_key`` the mail is queued only once, ever (reminders,
    warnings): the second call returns None. The unique index on the key is the final
    guard if two processes race.
    """
    if dedup_key is not None:
        exists = db.session.scalar(
            select(OutboxMail.id).where(OutboxMail.dedup_key == dedup_key).limit(1)
        )
        pending = any(
            isinstance(obj, OutboxMail) and obj.dedup_key == dedup_key for obj in db.session.new
        )
        if exists is not None or pending:
            return None
    values = mail_values(
        kind=kind,
        to=to,
        subject=subject,
        facts=facts,
        invitation=invitation,
        context=context,
        ics=ics,
        ics_method=ics_method,
    )
    user = to if isinstance(to, User) else None
    mail = OutboxMail(**values, user=user, dedup_key=dedup_key)
    db.session.add(mail)
    return mail


def mail_values(
    *,
    kind: str,
    to: User | tuple[str, str],
    subject: str,
    facts: dict[str, Any] | None = None,
    invitation: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
) -> dict[str, Any]:
    """The column values of the mail :func:`queue_mail` queues (without ``user`` and
    ``dedup_key``): also what the enrolment fast path (``lms/enrolment/fast.py``) writes
    in one statement, so both write the very same row."""
    if isinstance(to, User):
        email, name, user_id = to.email, to.name, to.id
    else:
        (email, name), user_id = to, None
    data = snapshot({**(context or {}), **(facts or {})})
    data.setdefault("recipient_name", name)
    if invitation is not None:
        data["invitation"] = invitation
    return {
        "kind": kind,
        "to_email": email,
        "to_name": name,
        "user_id": user_id,
        "subject": one_line(subject)[:300],
        "facts": data,
        "ics": ics,
        "ics_method": ics_method if ics else None,
    }


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (CR and LF included) as one space."""
    return " ".join((text or "").split())
