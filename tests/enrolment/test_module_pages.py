"""A module's page says what it is to everyone: it belongs to a programme, one enrols there.

Nobody enrols in a module alone (the programme enrols into all of them), so its page shows
no price, no seats and no enrol button, but "Deze module hoort bij <programme>" with a
link to the programme's page, for visitors and signed-in people alike.
"""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser


class _EnrolBox(HTMLParser):
    """What the page offers: the enrol box's facts (``<dt>``), the buttons of the box and
    the page header, every form action, and the links (href, text) of box and header."""

    def __init__(self) -> None:
        super().__init__()
        self.facts: list[str] = []
        self.buttons: list[str] = []
        self.form_actions: list[str] = []
        self.box_links: list[tuple[str, str]] = []
        self.header_links: list[tuple[str, str]] = []
        self.box_text: list[str] = []
        self._stack: list[str] = []
        self._box_depth: int | None = None
        self._header_depth: int | None = None
        self._capture: str | None = None
        self._href = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("br", "input", "meta", "link", "img"):
            return
        self._stack.append(tag)
        depth = len(self._stack)
        if values.get("id") == "inschrijven":
            self._box_depth = depth
        if tag == "header" and "act-header" in (values.get("class") or ""):
            self._header_depth = depth
        if tag == "form":
            self.form_actions.append(values.get("action") or "")
        if tag == "button" or (tag == "a" and "button" in (values.get("class") or "").split()):
            self._capture, self._text = "button", []
        elif tag == "a":
            self._capture, self._text, self._href = "a", [], values.get("href") or ""
        elif tag == "dt" and self._box_depth is not None:
            self._capture, self._text = "dt", []

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        text = " ".join("".join(self._text).split())
        if tag in ("button", "a") and self._capture == "button":
            if self._box_depth is not None or self._header_depth is not None:
                self.buttons.append(text)
            self._capture = None
        elif tag == "a" and self._capture == "a":
            if self._box_depth is not None:
                self.box_links.append((self._href, text))
            if self._header_depth is not None:
                self.header_links.append((self._href, text))
            self._capture = None
        elif tag == "dt" and self._capture == "dt":
            self.facts.append(text)
            self._capture = None
        depth = len(self._stack)
        self._stack.pop()
        if self._box_depth == depth:
            self._box_depth = None
        if self._header_depth == depth:
            self._header_depth = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)
        if self._box_depth is not None:
            self.box_text.append(data)

    @property
    def box(self) -> str:
        return " ".join("".join(self.box_text).split())


def _open(client, activity) -> _EnrolBox:
    response = client.get(f"/activities/{activity.id}")
    assert response.status_code == 200
    parser = _EnrolBox()
    parser.feed(response.get_data(as_text=True))
    return parser


def _programme(create_activity):
    programme = create_activity(
        kind="programme",
        title="Beroepsopleiding opbouwwerk",
        sessions=0,
        price_member=Decimal("450"),
        price_non_member=Decimal("650"),
    )
    module = create_activity(parent=programme, title="Module 1 – Visie", sessions=2)
    return programme, module


def _assert_points_to_the_programme(page: _EnrolBox, programme) -> None:
    programme_url = f"/activities/{programme.id}"
    assert "Prijs" not in page.facts and "Plaatsen" not in page.facts
    assert page.buttons == [], page.buttons  # neither "Inschrijven" nor "Gesloten"
    assert not [a for a in page.form_actions if "/enrol" in a]
    assert "Deze module hoort bij Beroepsopleiding opbouwwerk." in page.box
    assert (programme_url, "Beroepsopleiding opbouwwerk") in page.box_links
    assert (programme_url, "Beroepsopleiding opbouwwerk") in page.header_links
    assert "Gesloten" not in page.box and "Gratis" not in page.box


def test_anonymous_visitors_see_no_price_or_enrol_button_on_a_module_page(client, create_activity):
    programme, module = _programme(create_activity)
    _assert_points_to_the_programme(_open(client, module), programme)
    # The programme itself still offers its price and the way in.
    programme_page = _open(client, programme)
    assert "Prijs" in programme_page.facts
    assert "Aanvragen" in programme_page.buttons


def test_signed_in_people_see_the_same_instead_of_closed(
    client, login, create_activity, participant, coordinator
):
    programme, module = _programme(create_activity)
    for user in (participant(), coordinator):
        login(user)
        page = _open(client, module)
        _assert_points_to_the_programme(page, programme)


def test_someone_in_the_programme_still_sees_their_module_enrolment(
    client, login, create_activity, enrol, participant
):
    programme = create_activity(
        kind="programme", title="Beroepsopleiding", sessions=0, requires_approval=False
    )
    module = create_activity(parent=programme, title="Module 1 – Visie", sessions=2)
    user = participant()
    enrol(programme, user)  # confirmed, with module enrolments
    login(user)
    page = _open(client, module)
    assert "Je bent ingeschreven." in page.box
    assert "Prijs" not in page.facts
