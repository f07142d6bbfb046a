"""One outbox row as a standards-correct MIME message that every SMTP server accepts.

Built with Python's :class:`email.message.EmailMessage` under ``email.policy.SMTP`` (or
``SMTPUTF8`` when the recipient's address needs it) rather than Flask-Mail's ``Message``:

- every body part is quoted-printable, so no line exceeds 76 octets whatever the template
  produced (a whole HTML body on one line used to go out as 8bit and be refused with
  "500 Line too long");
- headers are encoded and folded by the policy (RFC 2047/5322): an encoded word never ends
  inside a character, so the decoded subject is exactly the subject we meant;
- display names are written by :class:`email.headerregistry.Address`, which quotes or
  encodes them: a name such as ``Jan "de Man", <x@y>`` stays one name of one address;
- carriage returns, line feeds and other control characters from any input (subject, name)
  become spaces before they reach a header, so no input can add a header;
- an invitation is a ``text/calendar; method=…; charset=utf-8`` alternative next to the text
  and HTML (``multipart/alternative``), the form in which Outlook and Gmail show accept
  buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import quote, urlsplit

from lms.mail.addresses import WireAddress, wire_address
from lms.mail.rendering import RenderedMail
from lms.models import OutboxMail, utcnow

#: The kind queued by the coordinators' bulk mail (lms/admin/bulk_mail.py): written by a
#: person to the participants of an activity, so it carries List-Unsubscribe rather than
#: Auto-Submitted.
BULK_KINDS = frozenset({"activity_message"})

#: Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str | None) -> str:
    """``value`` safe for a header: control characters (CR, LF, tab, …) become one space."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


@dataclass(frozen=True)
class Envelope:
    """What goes to the SMTP server: the message, and the envelope around it."""

    message: EmailMessage
    mail_from: str
    rcpt_to: str
    smtputf8: bool

    def as_bytes(self) -> bytes:
        return self.message.as_bytes()


def sender_address(configured: str | tuple[str, str] | None) -> tuple[str, WireAddress]:
    """The display name and address of ``MAIL_DEFAULT_SENDER`` (a string or a pair)."""
    if isinstance(configured, tuple | list):
        name, address = configured
    else:
        name, address = parseaddr(configured or "")
    return header_text(name), wire_address(address)


def message_domain(sender: WireAddress, base_url: str) -> str:
    """The domain of our ``Message-ID``: the sender's domain, else the host of the site."""
    if sender.domain and "." in sender.domain:
        return sender.domain
    host = urlsplit(base_url or "").hostname
    return host or "localhost"


def build_message(
    row: OutboxMail,
    rendered: RenderedMail,
    *,
    sender: str | tuple[str, str] | None,
    base_url: str,
) -> Envelope:
    """The message for ``row``; raises :class:`lms.mail.addresses.UndeliverableAddressError`
    for an address that cannot be written, ``ValueError`` for anything else unwritable."""
    sender_name, sender_wire = sender_address(sender)
    recipient = wire_address(row.to_email)
    smtputf8 = recipient.needs_smtputf8 or sender_wire.needs_smtputf8
    policy = email_policy.SMTPUTF8 if smtputf8 else email_policy.SMTP

    message = EmailMessage(policy=policy)
    message["From"] = Address(
        display_name=sender_name, username=sender_wire.local_part, domain=sender_wire.domain
    )
    message["To"] = Address(
        display_name=header_text(row.to_name),
        username=recipient.local_part,
        domain=recipient.domain,
    )
    message["Subject"] = header_text(rendered.subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(
        idstring=f"outbox.{row.id}", domain=message_domain(sender_wire, base_url)
    )
    if row.kind in BULK_KINDS:
        # Mail from a coordinator to the people of one activity. There is no subscription
        # page to leave it, so the way out is a mail to the sender, naming this mail (the
        # mail queue page finds it by its number, and with it the activity and the person).
        unsubscribe = quote(f"Uitschrijven mail {row.id}")
        message["List-Unsubscribe"] = f"<mailto:{sender_wire.addr_spec}?subject={unsubscribe}>"
        message["Precedence"] = "bulk"
    else:
        message["Auto-Submitted"] = "auto-generated"

    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if rendered.html:
        message.add_alternative(
            rendered.html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
    if rendered.invitation is not None:
        method = header_text(rendered.invitation.method).upper() or "REQUEST"
        if method not in {"REQUEST", "CANCEL", "PUBLISH", "REPLY"}:
            raise ValueError(f"unknown iTIP method {method!r}")
        message.add_alternative(
            rendered.invitation.ics,
            subtype="calendar",
            charset="utf-8",
            cte="quoted-printable",
            params={"method": method},
        )
    return Envelope(
        message=message,
        mail_from=sender_wire.addr_spec,
        rcpt_to=recipient.addr_spec,
        smtputf8=smtputf8,
    )
