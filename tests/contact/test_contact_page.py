"""``/contact``: what is configured (address and phone only when set; the e-mail else the
privacy/sender address), a footer link on every page, and "neem contact op met SAM" linked
to it on pages and followed by its address in mail."""

from __future__ import annotations

from html.parser import HTMLParser


class _Contact(HTMLParser):
    """Collects the footer links and the ``<dt>``/``<dd>`` pairs of the contact details."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.details: dict[str, str] = {}
        self.hrefs: dict[str, str] = {}
        self._href: str | None = None
        self._text: list[str] = []
        self._in: str | None = None
        self._dt = ""
        self._dd: list[str] = []
        self._dd_href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []
            if self._in == "dd":
                self._dd_href = self._href
        elif tag in ("dt", "dd"):
            self._in = tag
            if tag == "dt":
                self._dt = ""
            else:
                self._dd, self._dd_href = [], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        elif tag == "dd":
            self.details[self._dt] = " ".join(" ".join(self._dd).split())
            self.hrefs[self._dt] = self._dd_href
            self._in = None
        elif tag == "dt":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._in == "dt":
            self._dt += data.strip()
        elif self._in == "dd":
            self._dd.append(data)


def _parse(html: str) -> _Contact:
    parser = _Contact()
    parser.feed(html)
    return parser


def test_unconfigured_the_contact_page_shows_only_the_default_email(client, app):
    assert not app.config["LMS_CONTACT_ADDRESS"] and not app.config["LMS_CONTACT_PHONE"]
    response = client.get("/contact")
    assert response.status_code == 200
    page = _parse(response.get_data(as_text=True))
    assert list(page.details) == ["E-mail"]  # no guessed address, no phone
    assert page.details["E-mail"] == "leerplatform@samenlevingsopbouw.be"
    assert page.hrefs["E-mail"] == "mailto:leerplatform@samenlevingsopbouw.be"
    assert "Telefoon" not in page.details


def test_the_contact_page_follows_the_configuration(client, app):
    app.config.update(
        LMS_CONTACT_EMAIL="vorming@sam.example",
        LMS_CONTACT_PHONE="02 201 05 65",
        LMS_CONTACT_ADDRESS="SAM vzw|Teststraat 1|9000 Gent",
    )
    try:
        page = _parse(client.get("/contact").get_data(as_text=True))
    finally:
        app.config.update(LMS_CONTACT_EMAIL="", LMS_CONTACT_PHONE="", LMS_CONTACT_ADDRESS="")
    assert page.details["E-mail"] == "vorming@sam.example"
    assert page.details["Telefoon"] == "02 201 05 65"
    assert page.hrefs["Telefoon"] == "tel:022010565"
    assert page.details["Adres"] == "SAM vzw Teststraat 1 9000 Gent"


def test_without_contact_email_the_privacy_address_is_used(client, app):
    app.config["PRIVACY_CONTACT_EMAIL"] = "privacy@sam.example"
    try:
        page = _parse(client.get("/contact").get_data(as_text=True))
    finally:
        app.config.pop("PRIVACY_CONTACT_EMAIL", None)
    assert page.details["E-mail"] == "privacy@sam.example"


def test_the_footer_links_to_the_contact_page(client, login, create_user):
    for html in (
        client.get("/").get_data(as_text=True),
        login(create_user()).get("/privacy").get_data(as_text=True),
    ):
        assert ("/contact", "Contact") in _parse(html).links


def test_the_address_alone_is_shown_when_only_it_is_configured(client, app):
    app.config["LMS_CONTACT_ADDRESS"] = "SAM vzw\nTeststraat 1\n9000 Gent"
    try:
        page = _parse(client.get("/contact").get_data(as_text=True))
    finally:
        app.config["LMS_CONTACT_ADDRESS"] = ""
    assert list(page.details) == ["Adres", "E-mail"]
    assert page.details["Adres"] == "SAM vzw Teststraat 1 9000 Gent"


def test_a_refusal_that_says_contact_sam_links_to_the_contact_page(
    login, create_user, create_activity
):
    from datetime import timedelta

    from lms.enrolment import service
    from lms.extensions import db
    from lms.models import utcnow

    user = create_user()
    activity = create_activity(cancellation_deadline=utcnow() + timedelta(days=1))
    service.enrol(activity, user)
    db.session.commit()
    activity.cancellation_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    client = login(user)
    for path in (f"/activities/{activity.id}", "/my/enrolments"):
        page = _parse(client.get(path).get_data(as_text=True))
        assert ("/contact", "contact op met SAM") in page.links, path


def test_a_flashed_refusal_links_to_the_contact_page(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string(
            "{{ text|link_contact }}",
            text="Module „<b>A</b>” is volzet. Neem contact op met SAM.",
        )
    assert html == (
        'Module „&lt;b&gt;A&lt;/b&gt;” is volzet. Neem <a href="/contact">contact op met SAM</a>.'
    )


def test_mail_that_says_contact_sam_gives_the_page_address(app):
    from lms.mail.rendering import render_bodies

    with app.app_context():
        text, _html = render_bodies(
            "email_changed_notice", {"first_name": "An", "new_email": "an@example.org"}
        )
    base = app.config["LMS_BASE_URL"]
    assert f"contact op met SAM door op deze mail te antwoorden of via {base}/contact" in text
