"""What one outbox row becomes when it is sent: subject, bodies and at most one invitation.

The worker (:mod:`lms.mail.worker`) turns a :class:`RenderedMail` into a standards-correct
message; this module decides what the message says. One outbox row is one message, and one
message carries at most one iTIP object (one UID), so an invitation is never half-taken by a
calendar and a row is sent exactly once.

Rendering happens here, when the mail is sent, from the facts the queueing transaction
wrote down (:mod:`lms.mail.facts`): templates ``templates/mail/<kind>.txt`` and ``.html``
(else the generic HTML layout around the text), always in Dutch, with the app's date
filters. The templates are rendered through the Jinja environment itself, not
``render_template``: a mail has no request, so no web context processor has anything to
add, and the mail reads the same whoever's action caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from lms.calendar.ics import invitation_from_facts
from lms.mail.facts import revive
from lms.models import OutboxMail

#: Mail kinds someone subscribed to, whose facts hold ``unsubscribe_url``: the stop link
#: of ``lms/interest/views.py``, which takes the one-click POST without login or CSRF.
ONE_CLICK_KINDS = frozenset({"interest_published"})


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
    #: The one-click stop link of a mail someone subscribed to (an interest list): sent as
    #: ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058).
    unsubscribe_url: str | None = None


def render_bodies(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """Text and HTML bodies of ``kind`` for ``context`` (facts revived, or rows for a
    preview). Always Dutch: the mail is for its recipient, not for whoever caused it."""
    env = current_app.jinja_env
    with force_locale("nl"):
        text = env.get_template(f"mail/{kind}.txt").render(context)
        try:
            html_template = env.get_template(f"mail/{kind}.html")
        except TemplateNotFound:
            html = env.get_template("mail/_generic.html").render({**context, "body_text": text})
        else:
            html = html_template.render(context)
    return text, html


def render_outbox_mail(row: OutboxMail) -> RenderedMail:
    """Render ``row`` for sending (called by the worker, in an app context, no request)."""
    if row.facts is None:
        # Queued before mail kept facts (or with a prepared body): sent as it was rendered.
        invitation = Invitation(row.ics_method or "REQUEST", row.ics) if row.ics else None
        return RenderedMail(
            subject=row.subject,
            text=row.body_text or "",
            html=row.body_html,
            invitation=invitation,
        )
    facts = dict(row.facts)
    invitation_facts = facts.pop("invitation", None)
    context = revive(facts)
    context.setdefault("recipient_name", row.to_name)
    text, html = render_bodies(row.kind, context)
    invitation = None
    if invitation_facts:
        invitation = Invitation(invitation_facts["method"], invitation_from_facts(invitation_facts))
    elif row.ics:
        invitation = Invitation(row.ics_method or "REQUEST", row.ics)
    unsubscribe = facts.get("unsubscribe_url") if row.kind in ONE_CLICK_KINDS else None
    return RenderedMail(
        subject=row.subject,
        text=text,
        html=html,
        invitation=invitation,
        unsubscribe_url=unsubscribe if isinstance(unsubscribe, str) and unsubscribe else None,
    )
