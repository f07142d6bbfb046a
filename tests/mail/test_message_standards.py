"""Messages every server accepts: sent through the strict aiosmtpd and parsed back."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.extensions import db
from lms.mail.message import build_message, header_text
from lms.mail.rendering import Invitation, RenderedMail
from lms.mail.worker import send_due
from lms.models import MailStatus, OutboxMail

LONG_SUBJECT = (
    "Bevestiging: „Hoe kunnen bewoners samen het lokale woonbeleid beïnvloeden?” — "
    "praktijkgroep wonen, editie 2026–2027 in Gent, Antwerpen en Brussel (ë, ï, é)"
)
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//SAM//test//NL\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:sessie-1@leerplatform.test.example\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20261203T090000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T120000Z\r\n"
    "SUMMARY:Woonbeleid beïnvloeden\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_a_long_html_body_on_one_line_arrives_with_every_line_within_998_octets(
    strict_smtp, outbox_row
):
    html = (
        "<html><body>"
        + "".join(
            f"<p>Sessie {i}: woensdag {i} december, 09:30–12:30, Zaal Ëlise, "
            f"<a href='https://leerplatform.test.example/activities/{i}'>details</a></p>"
            for i in range(1, 30)
        )
        + "</body></html>"
    )
    assert len(html.encode()) > 2200 and "\n" not in html
    text = "Één lange regel zonder einde " * 100
    row = outbox_row(subject=LONG_SUBJECT, body_html=html, body_text=text)

    report = send_due()

    assert report.sent == 1, report.errors
    [received] = strict_smtp.messages
    assert max(len(line) for line in received.raw_lines()) <= 998
    assert received.subject == LONG_SUBJECT
    assert received.part("text/html").get_content().strip() == html
    assert received.part("text/plain").get_content().strip() == text.strip()
    db.session.refresh(row)
    assert row.status == MailStatus.SENT


def test_headers_message_id_date_and_auto_submitted(strict_smtp, outbox_row, app):
    outbox_row(kind="enrolment_confirmed")
    assert send_due().sent == 1
    message = strict_smtp.messages[0].message
    assert message["Message-ID"].strip().endswith("@samenlevingsopbouw.be>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None
    assert message["From"].addresses[0].addr_spec == "leerplatform@samenlevingsopbouw.be"


def test_bulk_mail_carries_a_list_unsubscribe_to_the_sender(strict_smtp, outbox_row):
    row = outbox_row(kind="activity_message", subject="Praktische info voor donderdag")
    assert send_due().sent == 1
    message = strict_smtp.messages[0].message
    assert message["Auto-Submitted"] is None
    value = str(message["List-Unsubscribe"]).strip()
    assert value.startswith("<mailto:leerplatform@samenlevingsopbouw.be?subject=")
    assert f"mail {row.id}" in unquote(value)


def test_a_name_with_quotes_commas_and_an_address_stays_one_recipient(strict_smtp, outbox_row):
    name = 'Jan "de Man", Peeters <aanvaller@evil.example>'
    outbox_row(to_email="jan@example.org", to_name=name)
    assert send_due().sent == 1
    [received] = strict_smtp.messages
    assert received.rcpt_tos == ["jan@example.org"]
    [address] = received.message["To"].addresses
    assert address.addr_spec == "jan@example.org"
    assert address.display_name == name
    assert b"evil.example" not in b"".join(
        line for line in received.raw_lines() if line.lower().startswith((b"bcc", b"cc"))
    )


def test_line_breaks_in_subject_and_name_never_make_a_header(strict_smtp, outbox_row):
    row = outbox_row(
        to_name="Eva\r\nBcc: slachtoffer@evil.example",
        subject="Nieuws\r\nBcc: slachtoffer@evil.example\nX-Injected: ja",
    )
    report = send_due()
    assert report.sent == 1, report.errors
    [received] = strict_smtp.messages
    assert received.rcpt_tos == [row.to_email]
    assert received.message["Bcc"] is None and received.message["X-Injected"] is None
    assert received.subject == "Nieuws Bcc: slachtoffer@evil.example X-Injected: ja"
    assert received.message["To"].addresses[0].display_name == ("Eva Bcc: slachtoffer@evil.example")


def test_an_invitation_is_a_calendar_alternative_with_its_method(strict_smtp, outbox_row):
    outbox_row(ics=ICS, ics_method="REQUEST", kind="enrolment_confirmed")
    assert send_due().sent == 1
    message = strict_smtp.messages[0].message
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html", "text/calendar"]
    calendar = list(message.iter_parts())[2]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    content = calendar.get_content()
    assert "SUMMARY:Woonbeleid beïnvloeden" in content
    assert content.count("UID:") == 1


def test_a_domain_with_accents_goes_out_idna_encoded(strict_smtp, outbox_row):
    outbox_row(to_email="info@café.example")
    assert send_due().sent == 1
    assert strict_smtp.messages[0].rcpt_tos == ["info@xn--caf-dma.example"]


def test_a_non_ascii_local_part_goes_out_with_smtputf8_when_offered(strict_smtp_utf8, outbox_row):
    row = outbox_row(to_email="ünï@example.org", to_name="Ünï Öztürk")
    report = send_due()
    assert report.sent == 1, report.errors
    [received] = strict_smtp_utf8.messages
    assert received.smtputf8
    assert received.rcpt_tos == ["ünï@example.org"]
    assert received.message["To"].addresses[0].username == "ünï"
    db.session.refresh(row)
    assert row.status == MailStatus.SENT


# --- The headers themselves, for any text ----------------------------------------------


def _built(subject: str, name: str = "Persoon") -> bytes:
    row = OutboxMail(id=7, kind="reminder", to_email="p@example.org", to_name=name)
    rendered = RenderedMail(subject=subject, text="tekst", html="<p>tekst</p>", invitation=None)
    envelope = build_message(
        row, rendered, sender="SAM <leerplatform@samenlevingsopbouw.be>", base_url=""
    )
    return envelope.as_bytes()


def test_accented_subjects_decode_to_exactly_what_was_meant():
    import email
    from email import policy

    for subject in (
        "Hoe kunnen bewoners het lokale woonbeleid beïnvloeden",
        "…woonbeleid beïnvloeden",
        "Je attest voor „Politiserend sociaal werk: naar een rechtvaardiger beleid” is klaar",
        "é" * 120,
        "Sessie verplaatst: " + " ".join(["Gebiedsgericht sociaal werk in eerstelijnszones"] * 6),
        # Python's own folder wrote "wat \r\n =?utf-8?q?be=C3=AFnvloedt?=": two spaces back.
        "Aanwezigheden ontbreken: Impactevaluatie in de praktijk: wat beïnvloedt de wijk "
        "écht?, donderdag 26 november 2026, 11:55–14:55",
    ):
        data = _built(subject)
        parsed = email.message_from_bytes(data, policy=policy.default)
        assert str(parsed["Subject"]) == subject
        assert max(len(line) for line in data.split(b"\r\n")) <= 998
        assert data.isascii()


@settings(max_examples=80, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet="abcdefgxyzéëïüçÉ?,.:;–\"'()=_-0123456789", min_size=1, max_size=18),
        min_size=1,
        max_size=40,
    )
)
def test_dutch_like_subjects_and_names_read_back_with_pythons_own_parser(words):
    """Mixed plain and accented words, the shape of our titles and names: Python's parser
    (what the tests and many tools use) reads back exactly the text, subject and name."""
    import email
    from email import policy

    text = " ".join(words)
    data = _built(text, text[:200])
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert str(parsed["Subject"]) == text
    [address] = parsed["To"].addresses
    to = data.split(b"\r\nTo: ")[1].split(b"\r\nSubject")[0].replace(b"\r\n", b"")
    if b"?= =?" not in to:
        # Python's address parser keeps the space between two adjacent encoded words
        # (RFC 2047 drops it); they only follow each other in a long run of accented words.
        assert address.display_name == header_text(text[:200])
    assert rfc2047_display_name(data) == header_text(text[:200])


def rfc2047_display_name(data: bytes) -> str:
    """The To display name decoded as RFC 2047 says (whitespace between adjacent encoded
    words dropped). Python's own address parser keeps some of it (a CPython bug), so it
    cannot be the judge of long encoded names."""
    from email.header import decode_header, make_header
    from email.utils import getaddresses

    head = data.split(b"\r\n\r\n")[0].decode("ascii").replace("\r\n ", " ")
    to = next(line[3:] for line in head.split("\r\n") if line.startswith("To:"))
    [(name, addr)] = getaddresses([to])
    assert addr == "p@example.org"
    return str(make_header(decode_header(name)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.text(min_size=1, max_size=300),
    name=st.text(max_size=120),
)
def test_any_subject_and_name_survive_the_round_trip(subject, name):
    import email
    from email import policy

    data = _built(subject, name)
    assert data.isascii()
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert str(parsed["Subject"]) == header_text(subject)
    [address] = parsed["To"].addresses
    assert address.addr_spec == "p@example.org"
    assert rfc2047_display_name(data) == header_text(name)
    headers = [line.split(b":")[0].lower() for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")]
    assert b"bcc" not in headers and b"cc" not in headers


def test_build_refuses_an_unknown_itip_method():
    import pytest

    row = OutboxMail(id=8, kind="reminder", to_email="p@example.org", to_name="P")
    rendered = RenderedMail("s", "t", None, Invitation("DELETE", ICS))
    with pytest.raises(ValueError):
        build_message(row, rendered, sender="a@b.example", base_url="")
