"""Which addresses our mail server can deliver to, and how an address goes on the wire.

An address whose *domain* is not ASCII (``jan@café.be``) is always deliverable: the domain
travels IDNA-encoded (``xn--caf-dma.be``). An address whose *local part* (before the @) is
not ASCII (``ünï@example.org``) can only be sent with the SMTPUTF8 extension (RFC 6531),
which not every mail server offers. ``MAIL_SMTPUTF8`` says whether ours does; when it does
not, registration and the CSV import explain the problem up front (through
:func:`deliverable_reason`) instead of letting the person wait for mail that never comes.
The worker (:mod:`lms.mail.worker`) checks the server's EHLO answer anyway and fails only
that one mail when SMTPUTF8 is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext as _


@dataclass(frozen=True)
class WireAddress:
    """An address as it goes into the envelope and the headers."""

    local_part: str
    domain: str

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local_part.isascii()

    @property
    def addr_spec(self) -> str:
        return f"{self.local_part}@{self.domain}"


class UndeliverableAddressError(ValueError):
    """The address cannot be written into a mail at all (not merely not by this server)."""


def wire_address(address: str) -> WireAddress:
    """Split ``address`` and IDNA-encode its domain; raise :class:`UndeliverableAddressError`.

    Control characters (CR/LF included) and whitespace are refused, so nothing from an
    address can ever add a header or a recipient.
    """
    if not address or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in address):
        raise UndeliverableAddressError(address)
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise UndeliverableAddressError(str(exc)) from None
    domain = checked.ascii_domain or checked.domain
    return WireAddress(local_part=checked.local_part, domain=domain)


def smtputf8_available() -> bool:
    """Whether the configured mail server is known to offer SMTPUTF8 (``MAIL_SMTPUTF8``)."""
    return bool(has_app_context() and current_app.config.get("MAIL_SMTPUTF8", False))


def deliverable_reason(address: str) -> str | None:
    """Why we cannot mail ``address`` (a Dutch sentence for its owner), or None when we can.

    Meant for registration and the user import: they refuse such an address with this
    reason, so nobody gets an account whose mail can never arrive.
    """
    try:
        wire = wire_address(address)
    except UndeliverableAddressError:
        return _("Dit e-mailadres kan niet in een mail geschreven worden.")
    if wire.needs_smtputf8 and not smtputf8_available():
        return _(
            "Het deel vóór de @ bevat tekens met accenten of andere speciale tekens; onze "
            "mailserver kan daar geen mail naartoe sturen. Gebruik een adres met alleen "
            "gewone letters, cijfers en leestekens vóór de @."
        )
    return None
