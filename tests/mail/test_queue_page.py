"""Failures people can see and act on: the coordinator's mail queue explains each one."""

from __future__ import annotations

from html.parser import HTMLParser

from lms.extensions import db
from lms.mail.worker import send_due
from lms.models import Role


class ErrorCells(HTMLParser):
    """The text of every element with class ``adm-error`` (one per failed mail), and the
    links inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.links: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        classes = (dict(attrs).get("class") or "").split()
        if self._depth:
            self._depth += 1
            if tag == "a":
                self.links.append(dict(attrs)["href"])
        elif "adm-error" in classes:
            self._depth = 1
            self.cells.append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._depth:
            self.cells[-1] += data


def error_cells(html: str) -> ErrorCells:
    parser = ErrorCells()
    parser.feed(html)
    parser.cells = [" ".join(cell.split()) for cell in parser.cells]
    return parser


def test_the_queue_explains_each_failure_in_dutch_and_offers_what_can_be_done(
    app, client, login, create_user, strict_smtp, outbox_row
):
    coordinator = create_user(email="hilde@sam.example", roles=(Role.COORDINATOR,))
    unicode_person = create_user(email="ünï@example.org", name="Ünï Öztürk")
    refused_person = create_user(email="weg@example.org", name="Wim Weg")
    strict_smtp.refuse["weg@example.org"] = "550 5.1.1 <weg@example.org>: User unknown"
    unicode_mail = outbox_row(
        to_email=unicode_person.email, to_name=unicode_person.name, user=unicode_person
    )
    refused_mail = outbox_row(to_email=refused_person.email, user=refused_person)
    assert send_due().failed == 2
    db.session.expire_all()

    login(coordinator)
    page = client.get("/admin/mail?status=failed")
    assert page.status_code == 200
    found = error_cells(page.get_data(as_text=True))
    assert len(found.cells) == 2
    by_mail = dict(zip([refused_mail.id, unicode_mail.id], found.cells, strict=True))
    assert by_mail[refused_mail.id].startswith(
        "De mailserver weigerde het bericht: 550 5.1.1 <weg@example.org>: User unknown"
    )
    assert "Controleer het e-mailadres" in by_mail[refused_mail.id]
    assert by_mail[unicode_mail.id].startswith(
        "Het adres bevat tekens die deze mailserver niet aanvaardt"
    )
    assert "Vraag de persoon om een ander e-mailadres" in by_mail[unicode_mail.id]
    assert sorted(found.links) == sorted(
        [f"/admin/users/{refused_person.id}", f"/admin/users/{unicode_person.id}"]
    )

    detail = client.get(f"/admin/mail/{unicode_mail.id}").get_data(as_text=True)
    [cell] = error_cells(detail).cells
    assert "tekens die deze mailserver niet aanvaardt" in cell
    assert "E-mailadres van Ünï Öztürk verbeteren" in cell
    assert "Opnieuw versturen" in detail and "Afbreken" in detail


def test_a_timeout_reads_as_a_server_that_did_not_answer(
    app, client, login, create_user, stalling_smtp, outbox_row
):
    coordinator = create_user(email="hilde@sam.example", roles=(Role.COORDINATOR,))
    mail = outbox_row()
    send_due()
    login(coordinator)
    detail = client.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    [cell] = error_cells(detail).cells
    assert "De mailserver antwoordde niet binnen 0.5 seconden." in cell
    assert "We proberen het vanzelf opnieuw" in cell


class MailText(HTMLParser):
    """The text inside ``<pre class="adm-mail-text">`` on the mail detail page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: str | None = None
        self._inside = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "pre" and "adm-mail-text" in (dict(attrs).get("class") or "").split():
            self._inside = True
            self.text = ""

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "pre":
            self._inside = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._inside:
            self.text = (self.text or "") + data


def test_the_detail_page_shows_the_text_as_the_worker_renders_it(
    app, client, login, create_user, create_activity
):
    """Mail keeps facts, not bodies: the detail page renders them like the worker does."""
    from lms.enrolment.service import enrol
    from lms.mail.rendering import render_outbox_mail
    from lms.models import OutboxMail

    coordinator = create_user(email="hilde@sam.example", roles=(Role.COORDINATOR,))
    person = create_user(email="an@example.org", name="An Peeters")
    activity = create_activity(title="Wonen en armoede in de stad")
    enrol(activity, person)
    db.session.commit()
    mail = db.session.query(OutboxMail).filter_by(to_email=person.email).first()
    assert mail.body_text is None  # nothing rendered when it was queued
    login(coordinator)
    response = client.get(f"/admin/mail/{mail.id}")
    assert response.status_code == 200
    parser = MailText()
    parser.feed(response.get_data(as_text=True))
    assert parser.text is not None
    assert parser.text.strip() == render_outbox_mail(mail).text.strip()
    assert "Wonen en armoede in de stad" in parser.text
