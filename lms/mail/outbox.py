"""Queueing mail. A mail is a row written in the same transaction as the change it reports,
so a change is never lost for want of a mail server and a mail never reports a change that
was rolled back. :mod:`lms.mail.worker` sends the rows.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import select

from lms.extensions import db
from lms.models import OutboxMail, User


def render_mail(kind: str, context: dict[str, Any]) -> tuple[str, str | None]:
    """Text and HTML bodies from ``templates/mail/<kind>.txt`` and ``.html`` (optional).

    Always in Dutch, whatever language the person whose action causes the mail reads:
    the mail is for its recipient (dates through the template filters included).
    """
    with force_locale("nl"):
        text = render_template(f"mail/{kind}.txt", **context)
        try:
            html = render_template(f"mail/{kind}.html", **context)
        except TemplateNotFound:
            html = render_template("mail/_generic.html", body_text=text, **context)
    return text, html


def queue_mail(
    *,
    kind: str,
    to: User | tuple[str, str],
    subject: str,
    context: dict[str, Any] | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    dedup_key: str | None = None,
) -> OutboxMail | None:
    """Add a mail to the current transaction.

    ``to`` is a user or ``(email, name)``. With ``dedup_key`` the mail is queued only once,
    ever (reminders, warnings): the second call returns None. The unique index on the key
    is the final guard if two processes race.
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
    if isinstance(to, User):
        email, name, user = to.email, to.name, to
    else:
        (email, name), user = to, None
    context = {"recipient_name": name, **(context or {})}
    text, html = render_mail(kind, context)
    mail = OutboxMail(
        kind=kind,
        to_email=email,
        to_name=name,
        user=user,
        subject=subject,
        body_text=text,
        body_html=html,
        ics=ics,
        ics_method=ics_method,
        dedup_key=dedup_key,
    )
    db.session.add(mail)
    return mail
