"""One outbox row as a standards-correct MIME message that every SMTP server accepts.

Built with Python's :class:`email.message.EmailMessage` under ``email.policy.SMTP`` (or
``SMTPUTF8`` when the recipient's address needs it) rather than Flask-Mail's ``Message``:

- every body part is quoted-printable, so no line exceeds 76 octets whatever the template
  produced (a whole HTML body on one line used to go out as 8bit and be refused with
  "500 Line too long");
- ``Subject``, ``From`` and ``To`` are encoded (RFC 2047) and folded here, not by the
  policy: Python's folder can leave a space before a fold (a subject then reads back
  "wat  beïnvloedt") and splits long names into encoded words its own parser reads back
  with a space inside a word. Ours folds only at real spaces or between encoded words of
  one run, and an encoded word always ends on a whole character, so the decoded subject
  is exactly the subject we meant;
- a display name keeps its plain words readable and puts quotes, commas and ``<x@y>``
  inside one quoted string: a name such as ``Jan "de Man", <x@y>`` stays one name of one
  address;
- carriage returns, line feeds and other control characters from any input (subject, name)
  become spaces before they reach a header, so no input can add a header;
- an invitation is a ``text/calendar; method=…; charset=utf-8`` alternative next to the text
  and HTML (``multipart/alternative``), the form in which Outlook and Gmail show accept
  buttons.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from email import policy as email_policy
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


class PreparedHeader(str):
    """A header value we encoded and folded ourselves; the policy writes it unchanged.

    ``EmailPolicy.header_store_parse`` keeps a value that has a ``name`` as it is, and
    ``fold`` is then asked for the wire form (documented in :mod:`email.policy`).
    """

    name: str
    _lines: list[str]

    def __new__(cls, name: str, lines: list[str]) -> PreparedHeader:
        value = super().__new__(cls, " ".join(lines))
        value.name = name
        value._lines = lines
        return value

    def fold(self, *, policy: email_policy.EmailPolicy) -> str:
        return f"{self.name}: " + f"{policy.linesep} ".join(self._lines) + policy.linesep


#: Characters of an RFC 5322 atom (``atext``).
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$")
#: Bytes of UTF-8 per encoded word: its base64 stays within 63 characters, so the whole
#: ``=?utf-8?b?…?=`` within the 75 that RFC 2047 allows.
_ENCODED_WORD_BYTES = 45
#: A header line we aim for (RFC 5322 says SHOULD 78; the MUST is 998).
_LINE = 78


def _encoded_words(text: str) -> list[str]:
    """``text`` as base64 encoded words, each ending on a whole character."""
    words, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words]


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def phrase_tokens(name: str, *, utf8: bool) -> list[str]:
    """The display name ``name`` as phrase tokens (atoms, quoted strings, encoded words).

    Runs of words that need encoding become encoded words; the words between them stay
    readable atoms or one quoted string (commas, quotes, ``<x@y>`` are quoted, so they can
    never make another address). Two encoded words only ever follow each other inside one
    run too long for a single encoded word, where RFC 2047 decoders join them without a
    space, as they should. With SMTPUTF8 the name is a quoted string in UTF-8 (RFC 6532).
    """
    if not name:
        return []
    if utf8 or name.isascii():
        words = name.split(" ")
        if all(_ATEXT.match(w) and "=?" not in w for w in words):
            return words
        return [_quoted(name)]
    tokens: list[str] = []
    runs: list[tuple[bool, list[str]]] = []
    for word in name.split(" "):
        encode = not word.isascii()
        if runs and runs[-1][0] == encode:
            runs[-1][1].append(word)
        else:
            runs.append((encode, [word]))
    for encode, words in runs:
        text = " ".join(words)
        tokens.extend(_encoded_words(text) if encode else phrase_tokens(text, utf8=False))
    return tokens


def text_tokens(text: str, *, utf8: bool) -> list[str]:
    """Unstructured text (a subject) as words and encoded words.

    Plain words stay as they are; each run of words that needs encoding (not ASCII, or
    looking like an encoded word, or too long for a line) becomes encoded words of the
    whole run, spaces included. So every space between tokens is a real space of the text
    or sits between two encoded words (where decoders drop it): folding at any of them
    keeps the text exactly, and no word is ever cut apart by a fold.
    """
    if not text:
        return []

    def needs_encoding(word: str) -> bool:
        if utf8:
            return len(word.encode("utf-8")) > _LINE * 10
        return not word.isascii() or "=?" in word or len(word) > _LINE - 10

    runs: list[tuple[bool, list[str]]] = []
    for word in text.split(" "):
        encode = needs_encoding(word)
        if runs and runs[-1][0] == encode and encode:
            runs[-1][1].append(word)
        else:
            runs.append((encode, [word]))
    tokens: list[str] = []
    for encode, words in runs:
        tokens.extend(_encoded_words(" ".join(words)) if encode else words)
    return tokens


def text_header(header: str, text: str, *, utf8: bool) -> PreparedHeader:
    """An unstructured header (``Subject``), encoded and folded by :func:`text_tokens`."""
    return _folded(header, text_tokens(header_text(text), utf8=utf8))


def address_header(
    header: str, display_name: str, address: WireAddress, *, utf8: bool
) -> PreparedHeader:
    """``From``/``To`` with one address, folded between tokens (never inside one)."""
    tokens = [*phrase_tokens(header_text(display_name), utf8=utf8), f"<{address.addr_spec}>"]
    return _folded(header, tokens)


def _folded(header: str, tokens: list[str]) -> PreparedHeader:
    """``tokens`` joined by spaces, each line as long as fits in 78 octets; a fold
    replaces a space (so unfolding gives the joined text back)."""
    lines: list[str] = []
    current = ""
    width = len(header) + 2
    for token in tokens:
        candidate = f"{current} {token}" if current else token
        if current and width + len(candidate.encode("utf-8")) > _LINE:
            lines.append(current)
            current, width = token, 1
        else:
            current = candidate
    lines.append(current)
    return PreparedHeader(header, lines)


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


def message_id(row: OutboxMail, domain: str) -> str:
    """The same ``Message-ID`` for every attempt at one mail (a retry is the same message),
    on our own domain; unique across databases through the row's creation time."""
    if row.id is None or row.created_at is None:
        return make_msgid(domain=domain)
    stamp = int(row.created_at.timestamp() * 1_000_000)
    return f"<outbox.{row.id}.{stamp}@{domain}>"


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
    # Python's own folding splits a long encoded name into encoded words that its own
    # parser (and some others) read back with a space inserted; ours keeps the words.
    message["From"] = address_header("From", sender_name, sender_wire, utf8=smtputf8)
    message["To"] = address_header("To", row.to_name, recipient, utf8=smtputf8)
    message["Subject"] = text_header("Subject", rendered.subject, utf8=smtputf8)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(row, message_domain(sender_wire, base_url))
    if row.kind in BULK_KINDS:
        # Mail from a coordinator to the people of one activity. There is no subscription
        # page to leave it, so the way out is a mail to the sender, naming this mail (the
        # mail queue page finds it by its number, and with it the activity and the person).
        unsubscribe = quote(f"Uitschrijven mail {row.id}")
        message["List-Unsubscribe"] = f"<mailto:{sender_wire.addr_spec}?subject={unsubscribe}>"
        message["Precedence"] = "bulk"
    elif rendered.unsubscribe_url:
        # A list the person joined ("Houd me op de hoogte"): one-click unsubscribe (RFC
        # 8058). Mail programs POST ``List-Unsubscribe=One-Click`` to the stop link, which
        # answers without login or CSRF token (its token is the key).
        url = header_text(rendered.unsubscribe_url)
        if url.startswith(("https://", "http://")) and not any(c in url for c in "<>, "):
            message["List-Unsubscribe"] = f"<{url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
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
