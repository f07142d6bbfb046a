"""``/contact``: SAM's address, the contact e-mail (configured, else the privacy/sender
address), the phone only when configured, and a footer link to it on every page."""

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


def test_the_contact_page_shows_address_and_the_default_email(client):
    response = client.get("/contact")
    assert response.status_code == 200
    page = _parse(response.get_data(as_text=True))
    assert "Adres" in page.details and "1030 Brussel" in page.details["Adres"]
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
        for key in ("LMS_CONTACT_EMAIL", "LMS_CONTACT_PHONE", "LMS_CONTACT_ADDRESS"):
            app.config.pop(key, None)
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
